"""Merchant admin API for orders: list, read (lines, totals, timeline), cancel."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.orders.service import cancel_order, get_order, list_orders, order_view
from galleria.kernel.tenancy.shops import Shop
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent
from galleria.web.pagination import decode_cursor, page

Number = Annotated[str, Parameter(max_length=20)]


class CancelBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class AdminOrdersApi(Controller):
    path = "/api/admin/v1/orders"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/", operation_id="listOrders")
    async def list_orders(
        self, request: Request, shop: Shop, actor: str, status: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50, cursor: str | None = None,
    ) -> dict[str, Any]:
        """Newest first; `status` filters (pending_payment, paid, …, refunded)."""
        require_scope(request, "orders:read")
        after = decode_cursor(cursor)
        before_id = after.get("id") if after else None
        if before_id is not None and type(before_id) is not int:
            raise ValidationFailed("The cursor is not one this API gave out")
        async with db.shop_scope(shop.id):
            items = await list_orders(shop.id, status=status or None, before_id=before_id,
                                      limit=limit + 1)
        return page(items, limit)

    @get("/{number:str}", operation_id="getAdminOrder")
    async def get_order(self, request: Request, shop: Shop, actor: str,
                        number: Number) -> dict[str, Any]:
        """The order with lines, adjustments, totals, payments, shipments and timeline."""
        require_scope(request, "orders:read")
        async with db.shop_scope(shop.id):
            return await order_view(shop.id, await get_order(shop.id, number), staff=True)

    @post("/{number:str}/cancel", operation_id="cancelOrder", status_code=200)
    async def cancel(self, request: Request, shop: Shop, actor: str, number: Number,
                     data: CancelBody) -> Response:
        """Cancel an unpaid order and release its stock; a paid one is refunded instead
        (409 `illegal_transition`)."""
        require_scope(request, "orders:write")

        async def work() -> Response:
            row = await cancel_order(shop.id, number, actor=actor, reason=data.reason)
            return Response(await order_view(shop.id, row, staff=True), status_code=200)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)
