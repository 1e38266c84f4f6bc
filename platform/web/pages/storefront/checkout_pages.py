"""The storefront's checkout, `/checkout`: one HTML form that works without scripts.

- GET shows the form with the cart, shipping options and the price breakdown.
- POST with `action=update` prices the form again (the "Update" and "Apply" buttons without
  scripts; `shopping.js` posts the same in the background and swaps the summary in).
- POST with `action=place` places the order through the kernel, then goes on to the payment
  page (or to the order page for cash on delivery and shops without online payment).
  422 shows every field error at its input, 409 names the SKUs that ran out.

Each rendering of the form carries an `attempt` key: placing is idempotent per attempt and
per cart (both stored like an `Idempotency-Key`, in the same transaction as the order), so
a double click, a resent form or the same cart sent from a second tab places one order and
every answer leads to it.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from contextlib import nullcontext

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import crypto, db
from galleria.kernel.aftersales.returns import windows
from galleria.kernel.checkout import carts, delivery_dates
from galleria.kernel.checkout.admission import admission
from galleria.kernel.checkout.placement import (
    OrderRequest,
    place_order,
    retried_on_number_clash,
)
from galleria.kernel.customers.addresses import list_addresses
from galleria.kernel.errors import Conflict, DomainError, NotFound, ValidationFailed
from galleria.kernel.events_tables import IdempotencyRecord
from galleria.kernel.inventory.service import OutOfStock
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web import regions
from galleria.web.i18n import N_
from galleria.web.pages.render import gettext_for, page, request_locale
from galleria.web.pages.storefront import checkout_form as cf
from galleria.web.pages.storefront.shopping_session import (
    cart_token,
    current_cart,
    remember_cart,
    remember_order,
)
from galleria.web.pages.storefront.storefront import logo_url
from galleria.web.shoppers import actor_of, current_customer

PLACE_SCOPE = "POST /checkout"
IN_PROGRESS = -1
RAN_OUT = N_("Sorry, some items ran out while you were checking out: %(skus)s. "
             "Change their quantities in your cart.")
NOT_FOR_SALE = N_("Some items are no longer for sale: %(skus)s. Remove them from your cart.")
FIX_FIELDS = N_("Please check the fields marked below.")
IN_FLIGHT = N_("Your order is being placed; wait a moment and reload this page.")


def _new_attempt() -> str:
    return secrets.token_urlsafe(18)


async def checkout_page(request: Request, shop: Shop, runtime: Runtime,
                        values: dict[str, str] | None = None, *,
                        errors: dict[str, str] | None = None, alert: str = "",
                        status_code: int = 200) -> Response:
    translate = gettext_for(request)
    async with db.shop_scope(shop.id):
        cart = await current_cart(request, shop)
        methods = await cf.payment_methods(shop, runtime.host)
        customer = await current_customer(request)
        saved = await list_addresses(shop.id, customer.id) if customer else []
    if cart is None or not cart.lines:
        return Redirect("/cart", status_code=303)
    chosen_address = ""
    if values is None:  # a fresh form: a signed-in shopper's details are filled in
        values = cf.read_form({})
        if customer is not None:
            chosen_address = cf.prefill(values, customer, saved,
                                        request.query_params.get("address", ""))
    values["attempt"] = values.get("attempt") or _new_attempt()
    if methods and values["payment_method"] not in {m.code for m in methods}:
        values["payment_method"] = methods[0].code
    try:
        summary = await cf.summarize(shop, runtime.host, cart, values, translate,
                                     request_locale(request, shop))
    except DomainError as exc:  # a price adjuster refuses a line (a flash sale sold out)
        variant = exc.extra.get("variant_id")
        if variant is None:
            raise
        from galleria.web.pages.storefront.cart_pages import cart_page

        return await cart_page(request, shop, status_code=409,
                               errors={variant: cf.translate_message(translate, exc.detail)})
    values["shipping_method"] = summary.shipping_method or ""
    errors = dict(errors or {})
    if summary.coupon_error:
        errors.setdefault("coupon_code", summary.coupon_error)
    if summary.points_error:
        errors.setdefault("points", summary.points_error)
    locale = request_locale(request, shop)
    return page(request, "storefront/checkout.html", status_code=status_code,
                values=values, errors=errors, alert=alert, summary=summary,
                pricing=summary.pricing, lines=cart.sellable,
                methods=methods, countries=cf.countries(locale), saved=saved,
                levels=regions.cascade(values.get("address.province", ""),
                                       values.get("address.city", "")),
                chosen_address=chosen_address, logo_url=logo_url(shop), q="",
                signed_in=customer is not None,
                return_days=windows(shop)[0], delivery_window=delivery_dates.window(shop))


@get("/checkout", name="storefront:checkout")
async def show_checkout(request: Request, shop: Shop, runtime: Runtime) -> Response:
    return await checkout_page(request, shop, runtime)


@post("/checkout", name="storefront:checkout-submit")
async def submit_checkout(request: Request, shop: Shop, runtime: Runtime) -> Response:
    form = await request.form()
    values = cf.read_form(form)
    if form.get("action") != "place":
        return await checkout_page(request, shop, runtime, values)
    return await _place(request, shop, runtime, values)


async def _place(request: Request, shop: Shop, runtime: Runtime,
                 values: dict[str, str]) -> Response:
    translate = gettext_for(request)
    # Read before current_cart, which forgets a cart just placed (from another tab): the
    # cart's key replays that placing.
    token = cart_token(request)
    async with db.shop_scope(shop.id):
        cart = await current_cart(request, shop)
        methods = await cf.payment_methods(shop, runtime.host)
        customer = await current_customer(request)
    payment_method = values["payment_method"] or _no_gateway(methods)
    mobiles = cf.mobile_problems(values, translate)
    if mobiles:
        return await checkout_page(request, shop, runtime, values, errors=mobiles,
                                   alert=translate(FIX_FIELDS), status_code=422)

    async def work() -> dict[str, str]:
        if cart is None:  # and this attempt placed nothing before: the cart expired
            raise NotFound("No cart")
        placed = await place_order(shop, runtime.host, OrderRequest(
            cart_id=cart.token, contact=cf.contact_of(values), address=cf.address_of(values),
            payment_method=payment_method, shipping_method=values["shipping_method"] or None,
            coupon_code=values["coupon_code"] or None, points=cf.points_of(values),
            invoice=cf.invoice_of(values),
            requested_delivery_date=values["requested_delivery_date"] or None,
            note=values["note"], customer_id=customer.id if customer else None,
            actor=actor_of(customer), locale=request_locale(request, shop)))
        return {"number": placed.number, "access_token": placed.access_token,
                "payment_method": payment_method}

    try:
        keys = [values["attempt"] or _new_attempt()] + ([f"cart:{token}"] if token else [])
        # A sold-out flash sale's late buyer: refused before placing.
        gate = (admission(shop, runtime.host, cart.token, request_locale(request, shop))
                if cart is not None else nullcontext())
        async with gate:
            placed = await retried_on_number_clash(lambda: place_once(shop.id, keys, work))
    except ValidationFailed as exc:
        return await checkout_page(
            request, shop, runtime, values, errors=cf.field_errors(translate, exc),
            alert=translate(FIX_FIELDS) if exc.errors else exc.detail, status_code=422)
    except (OutOfStock, carts.NotForSale) as exc:
        message = RAN_OUT if isinstance(exc, OutOfStock) else NOT_FOR_SALE
        skus = exc.extra.get("skus") or [i.get("sku") for i in exc.extra.get("items", [])]
        return await checkout_page(
            request, shop, runtime, values, status_code=409,
            alert=translate(message) % {"skus": ", ".join(s for s in skus if s)})
    except NotFound:  # the cart expired meanwhile
        return Redirect("/cart", status_code=303)
    except Conflict as exc:
        return await checkout_page(request, shop, runtime, values, status_code=409,
                                   alert=translate(IN_FLIGHT) if exc.code == "in_progress"
                                   else exc.detail)
    remember_order(request, placed["number"], placed["access_token"])
    remember_cart(request, None)
    method = next((m for m in methods if m.code == placed["payment_method"]), None)
    if method is None or method.pays_on_delivery:
        return Redirect(f"/orders/{placed['number']}?placed=1", status_code=303)
    return Redirect(f"/orders/{placed['number']}/pay", status_code=303)


def _no_gateway(methods: list[cf.PaymentMethod]) -> str:
    """With no payment plugin enabled the shop settles payment itself: placing accepts
    any code then, and the order page says the shop will be in touch."""
    return "" if methods else "arranged"


class PlacementInProgress(Conflict):
    code, title = "in_progress", "In progress"


async def place_once(tenant_id: int, keys: list[str],
                     work: Callable[[], Awaitable[dict[str, str]]]) -> dict[str, str]:
    """Run `work` (placing the order) once per checkout attempt and per cart (`keys`), in
    one transaction with the records of it: a repeat under any of the keys gets the first
    result. A failed attempt rolls its records back with everything else, so the shopper
    may fix the form and send it again."""
    async with db.shop_scope(tenant_id):
        mine = []  # the keys this request holds placeholders for
        for key in keys:
            where = _record(tenant_id, key)
            existing = await IdempotencyRecord.select().where(where).first()
            if existing is None:
                inserted = await IdempotencyRecord.insert(IdempotencyRecord(
                    tenant=tenant_id, key=key[:255], scope=PLACE_SCOPE, request_hash="",
                    status_code=IN_PROGRESS, body="",
                )).on_conflict(action="DO NOTHING").returning(IdempotencyRecord.id)
                if inserted:
                    mine.append(where)
                    continue
                # a concurrent submit with this key got there first (and has committed)
                existing = await IdempotencyRecord.select().where(where).first()
            if existing is None or existing["status_code"] == IN_PROGRESS:
                raise PlacementInProgress("This checkout is being placed")
            await _seal(mine, existing["body"])  # this attempt, too, leads to that order
            return crypto.unseal(existing["body"], purpose="checkout")
        placed = await work()
        # Sealed: the result holds the guest's access token to the order.
        await _seal(mine, crypto.seal(placed, purpose="checkout"))
        return placed


def _record(tenant_id: int, key: str):  # a piccolo where-clause
    return ((IdempotencyRecord.tenant == tenant_id) & (IdempotencyRecord.scope == PLACE_SCOPE)
            & (IdempotencyRecord.key == key[:255]))


async def _seal(wheres: list, sealed: str) -> None:
    for where in wheres:
        await IdempotencyRecord.update({IdempotencyRecord.status_code: 201,
                                        IdempotencyRecord.body: sealed}).where(where)


CHECKOUT_ROUTES = [show_checkout, submit_checkout]
