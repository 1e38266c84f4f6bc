"""Merchant admin API for after-sales: cancelling unshipped lines (with their refund),
handling return and exchange requests, and products' after-sales terms."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post, put
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.aftersales import return_outcomes, returns
from galleria.kernel.aftersales.cancellation import cancel_lines, log_contact
from galleria.kernel.errors import FieldError, ValidationFailed
from galleria.kernel.orders import product_terms
from galleria.kernel.orders.service import order_view
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.api.aftersales_schemas import (
    ApproveBody,
    CancelLinesBody,
    ContactBody,
    ProductTerms,
    ProductTermsBody,
    ReceiveBody,
    RefundBody,
    RejectBody,
    ReturnList,
    ReturnView,
    TrackingBody,
    lines_of,
    problems,
    return_view,
)
from galleria.web.api.answers_orders import StaffOrder
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent

Number = Annotated[str, Parameter(max_length=20)]


class AdminAftersalesApi(Controller):
    path = "/api/admin/v1"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @post("/orders/{number:str}/cancel-lines", operation_id="cancelOrderLines",
          status_code=200, responses=problems(400, 401, 403, 404, 409, 422))
    async def cancel_lines(self, request: Request, shop: Shop, actor: str, number: Number,
                           data: CancelLinesBody) -> Response[StaffOrder]:
        """Cancel units not shipped yet (a short pick): their stock reservation is
        released and, for a paid order, their refund is started through the gateway that
        took the payment (item discounts shared in proportion; shipping only with the last
        unit). 409 `more_than_unshipped` names what is left to ship; 422 for a variant not
        in the order."""
        require_scope(request, "orders:write")

        async def work() -> Response:
            row = await cancel_lines(shop.id, number, lines_of(data.lines),
                                     reason=data.reason, actor=actor)
            return Response(await order_view(shop.id, row, staff=True), status_code=200)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @post("/orders/{number:str}/contact-attempts", operation_id="logOrderContact",
          status_code=201, responses=problems(400, 401, 403, 404, 422))
    async def log_contact(self, request: Request, shop: Shop, actor: str, number: Number,
                          data: ContactBody) -> Response[StaffOrder]:
        """Log an attempt to reach the shopper on the order's timeline: `channel` phone,
        sms, wechat or email; `outcome` reached, no_answer, left_message or
        waiting_reply (e.g. while deciding whether to cancel short lines). → the order."""
        require_scope(request, "orders:write")

        async def work() -> Response:
            row = await log_contact(shop.id, number, channel=data.channel,
                                    outcome=data.outcome, note=data.note, actor=actor)
            async with db.shop_scope(shop.id):
                return Response(await order_view(shop.id, row, staff=True), status_code=201)

        return await idempotent(request, shop.id, work)

    @get("/returns", operation_id="listReturns", responses=problems(401, 403, 422))
    async def list_returns(self, request: Request, shop: Shop, actor: str,
                           status: Annotated[str | None, Parameter(max_length=24)] = None,
                           ) -> ReturnList:
        """Return and exchange requests, newest first; `status` filters (requested, …)."""
        require_scope(request, "orders:read")
        if status is not None and status not in returns.STATUSES:
            raise ValidationFailed(f"status is one of {', '.join(returns.STATUSES)}")
        async with db.shop_scope(shop.id):
            rows = await returns.list_returns(shop.id, status)
        return ReturnList(items=[return_view(returns.view(row, staff=True)) for row in rows])

    @get("/returns/{return_id:int}", operation_id="getReturn",
         responses=problems(401, 403, 404))
    async def get_return(self, request: Request, shop: Shop, actor: str,
                         return_id: int) -> ReturnView:
        """One request with its lines and timeline (who did each step)."""
        require_scope(request, "orders:read")
        async with db.shop_scope(shop.id):
            row = await returns.get_return(shop.id, return_id)
        return return_view(returns.view(row, staff=True))

    @post("/returns/{return_id:int}/approve", operation_id="approveReturn", status_code=200,
          responses=problems(400, 401, 403, 404, 409, 422))
    async def approve(self, request: Request, shop: Shop, actor: str, return_id: int,
                      data: ApproveBody) -> ReturnView:
        """requested → approved, with the address to send the parcel to (default: the
        shop's `return_address` setting)."""
        require_scope(request, "orders:write")
        address = (data.return_address or str(shop.settings.get("return_address") or "")).strip()
        if not address:
            raise ValidationFailed("Give the address the parcel goes back to",
                                   errors=[FieldError("return_address", "required")])
        async with db.shop_scope(shop.id):
            row = await returns.advance(shop.id, return_id, expected=(returns.REQUESTED,),
                                        to=returns.APPROVED, actor=actor, note=data.note,
                                        return_address=address[:500], what="approved")
        return return_view(returns.view(row, staff=True))

    @post("/returns/{return_id:int}/reject", operation_id="rejectReturn", status_code=200,
          responses=problems(400, 401, 403, 404, 409, 422))
    async def reject(self, request: Request, shop: Shop, actor: str, return_id: int,
                     data: RejectBody) -> ReturnView:
        """requested → rejected, with the reason the shopper is told."""
        require_scope(request, "orders:write")
        async with db.shop_scope(shop.id):
            row = await returns.advance(shop.id, return_id, expected=(returns.REQUESTED,),
                                        to=returns.REJECTED, actor=actor, note=data.reason,
                                        reject_reason=data.reason.strip()[:500],
                                        what=f"rejected: {data.reason}")
        return return_view(returns.view(row, staff=True))

    @post("/returns/{return_id:int}/receive", operation_id="receiveReturn", status_code=200,
          responses=problems(400, 401, 403, 404, 409, 422))
    async def receive(self, request: Request, shop: Shop, actor: str, return_id: int,
                      data: ReceiveBody) -> ReturnView:
        """The parcel came back (approved or shipped_back → received): each line's units
        are restocked (`restock: true`) or written off; lines not named are received in
        full and restocked."""
        require_scope(request, "orders:write")
        lines = [{"variant_id": line.variant_id, "quantity": line.quantity,
                  "restock": line.restock} for line in data.lines]
        async with db.shop_scope(shop.id):
            row = await returns.receive(shop.id, return_id, lines, actor=actor)
        return return_view(returns.view(row, staff=True))

    @post("/returns/{return_id:int}/refund", operation_id="refundReturn", status_code=200,
          responses=problems(400, 401, 403, 404, 409, 422))
    async def refund(self, request: Request, shop: Shop, runtime: Runtime, actor: str,
                     return_id: int, data: RefundBody) -> ReturnView:
        """received → refunded through the order's gateway: `amount` (minor units) or by
        default the received units' value less their share of item discounts (everything
        left of the order, shipping included, when the last unit comes back)."""
        require_scope(request, "orders:write")
        row = await return_outcomes.refund_return(shop, runtime.host, return_id, data.amount,
                                                  actor=actor)
        return return_view(returns.view(row, staff=True))

    @post("/returns/{return_id:int}/replacement", operation_id="shipReplacement",
          status_code=200, responses=problems(400, 401, 403, 404, 409, 422))
    async def replacement(self, request: Request, shop: Shop, actor: str, return_id: int,
                          data: TrackingBody) -> ReturnView:
        """An exchange's replacement leaves with this waybill: received →
        replacement_shipped (the units are taken out of stock)."""
        require_scope(request, "orders:write")
        row = await return_outcomes.ship_replacement(
            shop.id, return_id, carrier=data.carrier, tracking_number=data.tracking_number,
            actor=actor)
        return return_view(returns.view(row, staff=True))

    @put("/products/{product_id:int}/after-sales", operation_id="setProductAftersales",
         responses=problems(400, 401, 403, 404, 422))
    async def set_terms(self, request: Request, shop: Shop, actor: str, product_id: int,
                        data: ProductTermsBody) -> ProductTerms:
        """The product's after-sales terms: returnable without a quality problem or not
        (fresh food), warranty months and what the warranty covers."""
        require_scope(request, "catalog:write")
        async with db.shop_scope(shop.id):
            terms = await product_terms.set_terms(
                shop.id, product_id, returnable=data.returnable,
                warranty_months=data.warranty_months, warranty_covers=data.warranty_covers)
        return ProductTerms(**terms)
