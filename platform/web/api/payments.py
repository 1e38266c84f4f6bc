"""Payments over HTTP: the shopper's payment methods and payment start, the gateways'
callbacks, and the merchant's refunds and mark-paid. Thin: the kernel decides."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post, route
from litestar.di import Provide
from litestar.params import Parameter

from galleria.auth import wechat_login
from galleria.kernel import db
from galleria.kernel.customers.history import customer_order
from galleria.kernel.orders.service import find_for_guest, get_order, order_view
from galleria.kernel.payments import gateways, refunds
from galleria.kernel.payments import service as payments
from galleria.kernel.payments.contracts import CallbackRequest
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.api.answers import PaymentMethodList
from galleria.web.api.answers_orders import OrderPayments, Payment, Refunded, StaffOrder
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent
from galleria.web.methods import payment_method_json
from galleria.web.shoppers import current_customer

Number = Annotated[str, Parameter(max_length=20)]
Name = Annotated[str, Parameter(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
CALLBACK_BODY_LIMIT = 256 * 1024  # gateways send a few kB; anything larger is refused


class PaymentBody(msgspec.Struct, forbid_unknown_fields=True):
    method: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    scene: Annotated[str, msgspec.Meta(max_length=16)] = ""
    openid: Annotated[str, msgspec.Meta(max_length=128)] = ""


class RefundBody(msgspec.Struct, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(ge=1)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class MarkPaidBody(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


def origin_of(request: Request) -> str:
    """The shop's URL origin as the shopper reached it (gateways call back there)."""
    return str(request.base_url).rstrip("/")


class ShopPaymentsApi(Controller):
    path = "/api/v1"
    tags = ["storefront"]

    @get("/payment-methods", operation_id="listPaymentMethods")
    async def payment_methods(self, shop: Shop, runtime: Runtime) -> PaymentMethodList:
        """The payment methods this shop offers: `code`, `name`, `offline` (the merchant
        confirms receipt), `pays_on_delivery`, `mark_url` (the brand mark, an SVG; "" for
        none)."""
        async with db.shop_scope(shop.id):
            offered = await gateways.offered(shop, runtime.host)
        return {"items": [payment_method_json(item) for item in offered]}

    @post("/orders/{number:str}/payments", operation_id="startPayment", status_code=201)
    async def start_payment(
        self, request: Request, shop: Shop, runtime: Runtime, number: Number,
        data: PaymentBody,
        access_token: Annotated[str | None, Parameter(max_length=100)] = None,
    ) -> Response[Payment]:
        """Start paying order `number` — the signed-in customer's own order, or any order
        with its `access_token` — with `method`; `scene` picks the flavour (`qr`, `h5`,
        `jsapi`, `page`, `wap`). For a signed-in customer a `jsapi` payment names the openid
        the shop knows from their mini-program sign-in (`openid` in the body is only read
        for guests). Answers `{"payment_id", "action": {"type": "qr_code"|"redirect"|
        "client_secret"|"jsapi"|"instructions", …}}`; asking again within minutes shows the
        same payment. Another customer's order, or a wrong token, is 404."""
        customer = await current_customer(request)
        async with db.shop_scope(shop.id):
            if customer is not None and access_token is None:  # the owner needs no token
                await customer_order(shop.id, customer.id, number)
            else:
                await find_for_guest(shop.id, number, access_token)
        client = {"ip": request.client.host if request.client else "",
                  "user_agent": request.headers.get("user-agent", "")[:300]}
        if customer is None:
            if data.openid:
                client["openid"] = data.openid
        elif data.scene == "jsapi" or data.openid:
            openid, appid = await wechat_login.mini_program_payer(shop.id, customer.id)
            if openid:
                client["openid"], client["openid_appid"] = openid, appid

        async def work() -> Response:
            started = await payments.start_payment(
                shop, runtime.host, number, data.method, origin=origin_of(request),
                scene=data.scene, client=client)
            return Response(started, status_code=201)

        return await idempotent(request, shop.id, work)


class CallbacksApi(Controller):
    """`/callbacks/{plugin}/{gateway code}[/…]`: excluded from CSRF, verified by the
    gateway's plugin before the kernel reads anything."""

    path = "/callbacks"
    tags = ["callbacks"]
    include_in_schema = False

    @route(["/{plugin:str}/{code:str}", "/{plugin:str}/{code:str}/{rest:path}"],
           http_method=["GET", "POST"], operation_id="gatewayCallback")
    async def callback(self, request: Request, shop: Shop, runtime: Runtime, plugin: Name,
                       code: Name, rest: str = "") -> Response:
        body = await request.body()
        if len(body) > CALLBACK_BODY_LIMIT:
            return Response(b"payload too large", status_code=413, media_type="text/plain")
        callback = CallbackRequest(
            method=request.method, path=rest, body=body,
            headers={key.lower(): value for key, value in request.headers.items()},
            query=dict(request.query_params))
        answer = await payments.handle_callback(shop, runtime.host, plugin, code, callback)
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)


class AdminPaymentsApi(Controller):
    path = "/api/admin/v1/orders"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/{number:str}/payments", operation_id="listOrderPayments")
    async def list_payments(self, request: Request, shop: Shop, actor: str,
                            number: Number) -> OrderPayments:
        """The order's payment attempts and refunds."""
        require_scope(request, "orders:read")
        async with db.shop_scope(shop.id):
            order = await get_order(shop.id, number)
            return {"payments": await payments.payments_of(shop.id, order["id"]),
                    "refunds": await refunds.refunds_of(shop.id, number)}

    @post("/{number:str}/refunds", operation_id="refundOrder", status_code=201)
    async def refund(self, request: Request, shop: Shop, runtime: Runtime, actor: str,
                     number: Number, data: RefundBody) -> Response[Refunded]:
        """Refund `amount` (minor units) through the gateway that took the money; the
        refund that completes the order's total makes it `refunded`."""
        require_scope(request, "orders:write")

        async def work() -> Response:
            refund = await refunds.refund_order(shop, runtime.host, number, data.amount,
                                                actor=actor, reason=data.reason)
            async with db.shop_scope(shop.id):
                order = await order_view(shop.id, await get_order(shop.id, number), staff=True)
            return Response({"refund": refund, "order": order}, status_code=201)

        return await idempotent(request, shop.id, work)

    @post("/{number:str}/mark-paid", operation_id="markOrderPaid", status_code=200)
    async def mark_paid(self, request: Request, shop: Shop, runtime: Runtime, actor: str,
                        number: Number, data: MarkPaidBody) -> StaffOrder:
        """The money of an offline method (cash on delivery, bank transfer) arrived:
        audited; online payments are refused (their gateway confirms them)."""
        require_scope(request, "orders:write")
        await payments.mark_paid(shop, runtime.host, number, actor=actor, note=data.note)
        async with db.shop_scope(shop.id):
            return await order_view(shop.id, await get_order(shop.id, number), staff=True)
