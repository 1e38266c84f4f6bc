"""The shopper's order pages: `/orders/{number}` (confirmation and tracking),
`/orders/{number}/pay` (the payment page) and `/orders/{number}/status` (JSON the payment
page polls).

Who may see an order: whoever holds its access token (kept in the session by the checkout
that placed it, or brought in the link's `?access_token=`), and the signed-in customer who
placed it. Anyone else gets the same 404 as for a missing order: nobody learns that an order
number exists.
"""

from __future__ import annotations

from typing import Any

import segno
from litestar import Request, Response, get
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.aftersales import returns
from galleria.kernel.errors import Conflict, DomainError, NotFound
from galleria.kernel.orders import states
from galleria.kernel.orders.links import is_order_key
from galleria.kernel.orders.product_terms import terms_of_variants
from galleria.kernel.orders.service import find_for_guest, get_order, order_view
from galleria.kernel.payments import gateways
from galleria.kernel.payments import service as payments
from galleria.kernel.payments.contracts import ACTION_TYPES, REDIRECT, SANDBOX_URL
from galleria.kernel.service import tickets
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.csp import STRIPE_JS, allow_sources
from galleria.web.methods import method_names, payment_method_json
from galleria.web.pages.order_states import TRACKING_TITLES, shopper_status, shopper_timeline
from galleria.web.pages.render import gettext_for, page
from galleria.web.pages.return_views import return_context, returnable_lines
from galleria.web.pages.service_titles import TICKET_KINDS, TICKET_STATUS
from galleria.web.pages.storefront.plugin_pages import storefront_blocks
from galleria.web.pages.storefront.shopping_session import order_token, remember_order
from galleria.web.pages.storefront.storefront import logo_url
from galleria.web.shoppers import current_customer

SCENES = ("qr", "h5", "page", "wap", "card", "jsapi")


async def visible_order(request: Request, shop: Shop, number: str,
                        access_token: str | None = None) -> tuple[dict[str, Any], str | None]:
    """The order row and the access token that opened it (None for its signed-in customer).
    Call inside the shop's scope. Raises NotFound for everyone else."""
    number = number[:20]
    link_key = request.query_params.get("key")
    if is_order_key(shop.id, number, link_key):
        # A link from a message (ticket answered, follow-up): it opens this order only.
        # A guest's own access token, remembered already, is kept (the page offers it).
        if order_token(request, number) is None:
            remember_order(request, number, f"key:{link_key}")
        return await get_order(shop.id, number), None
    for token in (access_token, order_token(request, number)):
        if not token:
            continue
        if token.startswith("key:"):
            if is_order_key(shop.id, number, token[4:]):
                return await get_order(shop.id, number), None
            continue
        try:
            row = await find_for_guest(shop.id, number, token)
        except NotFound:
            continue
        if token == access_token:
            remember_order(request, number, token)  # the link keeps working in this session
        return row, token
    customer = await current_customer(request)
    if customer is not None:
        row = await get_order(shop.id, number)
        if row["customer"] == customer.id:
            return row, None
    raise NotFound(f"No order {number} in this shop")


def _method_names(offered: list[gateways.Offered]) -> dict[str, dict[str, Any]]:
    return {item.code: payment_method_json(item) for item in offered}


@get("/orders/{number:str}", name="storefront:order")
async def order_page(request: Request, shop: Shop, runtime: Runtime, number: str,
                     access_token: str | None = None) -> Response:
    async with db.shop_scope(shop.id):
        row, token = await visible_order(request, shop, number, access_token)
        customer = await current_customer(request)
        if customer is not None and row["customer"] == customer.id:
            token = None  # their account lists it: no link to keep
        order = await order_view(shop.id, row, staff=False)
        methods = _method_names(await gateways.offered(shop, runtime.host))
        after_sales = [returns.view(r) for r in await returns.returns_of(shop.id, row["id"])]
        can_return = bool(await returnable_lines(shop, row))
        order_tickets = [tickets.view(t, []) for t in await tickets.list_tickets(
            shop.id, order_number=row["number"])]
        warranties = await terms_of_variants(shop.id, [line["variant_id"]
                                                       for line in order["lines"]])
    shipping_name = (await method_names(shop, runtime)).shipping_name(order["shipping_method"])
    method = methods.get(order["payment_method"])
    payable = (order["status"] == states.PENDING_PAYMENT and method is not None
               and not method["pays_on_delivery"])
    link = (f"{request.base_url}".rstrip("/") + f"/orders/{order['number']}?access_token={token}"
            if token else "")
    translate = gettext_for(request)
    return page(request, "storefront/order.html", order=order, method=method,
                payable=payable, link=link, placed=bool(request.query_params.get("placed")),
                badge=shopper_status(order["status"], bool(method and method["pays_on_delivery"]),
                                     translate),
                steps=shopper_timeline(order["timeline"], translate),
                tracking_titles=TRACKING_TITLES,
                shipping_name=shipping_name,
                logo_url=logo_url(shop), q="", after_sales=after_sales,
                can_return=can_return, returned=bool(request.query_params.get("returned")),
                return_days=returns.windows(shop)[0], order_tickets=order_tickets,
                warranties=warranties, ticket_status=TICKET_STATUS,
                ticket_kinds=TICKET_KINDS,
                plugin_blocks=await storefront_blocks(request, shop, "order", order["number"]),
                **return_context(shop))


@get("/orders/{number:str}/status", name="storefront:order-status")
async def order_status(request: Request, shop: Shop, number: str) -> dict[str, Any]:
    """`{"number", "status", "paid"}` for the payment page's polling."""
    async with db.shop_scope(shop.id):
        row, _ = await visible_order(request, shop, number)
    return {"number": row["number"], "status": row["status"],
            "paid": row["paid_at"] is not None}


@get("/orders/{number:str}/pay", name="storefront:pay")
async def pay_page(request: Request, shop: Shop, runtime: Runtime, number: str,
                   method: str = "", scene: str = "") -> Response:
    """Start (or show again) the payment of a pending order with its method, or with
    `method` when the shopper switches; the page follows the gateway's action."""
    async with db.shop_scope(shop.id):
        row, _ = await visible_order(request, shop, number)
        offered = await gateways.offered(shop, runtime.host)
    order_url = f"/orders/{row['number']}"
    methods = [payment_method_json(item) for item in offered
               if not item.gateway.pays_on_delivery]
    chosen = method if any(m["code"] == method for m in methods) else row["payment_method"]
    if (row["status"] != states.PENDING_PAYMENT or row["paid_at"] is not None
            or not any(m["code"] == chosen for m in methods)):
        return Redirect(order_url, status_code=303)
    error, payment = "", None
    try:
        payment = await payments.start_payment(
            shop, runtime.host, row["number"], chosen, origin=str(request.base_url).rstrip("/"),
            scene=scene if scene in SCENES else "",
            client={"ip": request.client.host if request.client else "",
                    "user_agent": request.headers.get("user-agent", "")[:300]})
    except Conflict:
        return Redirect(order_url, status_code=303)  # paid or cancelled meanwhile
    except DomainError as exc:  # the provider refused or could not be reached
        error = exc.detail
    action = (payment or {}).get("action") or {}
    if action.get("type") == REDIRECT and not str(action.get("url", "")).startswith(
            ("https://", "http://")):
        error, action = "not a web address to pay at", {}  # never a javascript: link
    sandbox_url = str(action.get(SANDBOX_URL) or "")
    if not sandbox_url.startswith(("https://", "http://")):
        sandbox_url = ""
    if action.get("type") == "client_secret" and not sandbox_url:
        allow_sources(request, STRIPE_JS)  # the page loads Stripe.js: this response only
    return page(request, "storefront/pay.html", order=row, payment=payment, action=action,
                sandbox_url=sandbox_url,
                action_type=action.get("type") if action.get("type") in ACTION_TYPES else "",
                qr_image=_qr(action.get("qr_code")), methods=methods, chosen=chosen,
                error=error, order_url=order_url, logo_url=logo_url(shop), q="")


def _qr(content: Any) -> str:
    """A QR code of `content` as an SVG data URI, drawn here: the payment link never goes
    to a third-party QR service."""
    if not isinstance(content, str) or not content:
        return ""
    return segno.make(content, error="m").svg_data_uri(scale=6, border=2)


ORDER_ROUTES = [order_page, order_status, pay_page]
