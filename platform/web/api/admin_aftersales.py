"""Merchant admin API for after-sales: cancelling unshipped lines (with their refund)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.orders.cancellation import cancel_lines
from galleria.kernel.orders.service import order_view
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.aftersales_schemas import CancelLinesBody, lines_of, problems
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
                           data: CancelLinesBody) -> Response[dict[str, Any]]:
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
