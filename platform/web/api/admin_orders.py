"""Merchant admin API for orders: a filtered, searchable list, its CSV export, one order
(lines, totals, payments, shipments, timeline) and cancelling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Stream

from galleria.kernel import db
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.exports import BOM, csv_text
from galleria.kernel.orders.queries import (
    EXPORT_HEADER,
    OrderFilter,
    export_rows,
    list_orders,
    parse_filter,
)
from galleria.kernel.orders.service import cancel_order, get_order, order_view
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.answers_orders import OrderPage, StaffOrder
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent
from galleria.web.openapi import file_answer
from galleria.web.pagination import decode_cursor, page

Number = Annotated[str, Parameter(max_length=20)]
Text = Annotated[str | None, Parameter(max_length=200)]
Statuses = Annotated[list[str] | None, Parameter(
    description="one or more states; repeat it or separate with commas")]


class CancelBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


async def csv_chunks(shop: Shop, filters: OrderFilter) -> AsyncIterator[bytes]:
    """The export as UTF-8 with a byte-order mark (so that Excel reads Chinese right), a
    header row first, then the orders newest first, a batch per chunk. Cells that a
    spreadsheet would run as a formula (`=HYPERLINK(…)`, `+86…`) are kept as text."""
    yield (BOM + csv_text([EXPORT_HEADER])).encode()
    async for rows in export_rows(shop.id, filters, timezone=shop.timezone):
        yield csv_text(rows).encode()


def csv_response(shop: Shop, filters: OrderFilter) -> Stream:
    # Litestar adds "; charset=utf-8" to text/* itself: naming it here doubled it.
    name = f"orders-{shop.slug}.csv"
    return Stream(csv_chunks(shop, filters), media_type="text/csv", headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


class AdminOrdersApi(Controller):
    path = "/api/admin/v1/orders"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/", operation_id="listOrders")
    async def list_orders(
        self, request: Request, shop: Shop, actor: str, status: Statuses = None,
        created_from: Text = None, created_to: Text = None, payment_method: Text = None,
        customer: Text = None, q: Text = None, channel: Text = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50, cursor: str | None = None,
    ) -> OrderPage:
        """Newest first. Filters: `status` (pending_payment, paid, …, refunded; several
        allowed), `created_from`/`created_to` (dates in the shop's time zone, both
        included), `payment_method`, `customer` (id), `channel` (web, mini_program,
        staff, import, api); `q` finds an order number by its beginning or a contact or
        address phone. A bad filter is 422 naming the field."""
        require_scope(request, "orders:read")
        filters = parse_filter(status=status, created_from=created_from,
                               created_to=created_to, payment_method=payment_method,
                               customer=customer, q=q, channel=channel)
        after = decode_cursor(cursor)
        before_id = after.get("id") if after else None
        if before_id is not None and type(before_id) is not int:
            raise ValidationFailed("The cursor is not one this API gave out")
        async with db.shop_scope(shop.id):
            items = await list_orders(shop.id, filters, timezone=shop.timezone,
                                      before_id=before_id, limit=limit + 1)
        return page(items, limit)

    @get("/export.csv", operation_id="exportOrders", media_type="text/csv",
         responses=file_answer("text/csv", "The orders as CSV (UTF-8 with a BOM)"))
    async def export(
        self, request: Request, shop: Shop, actor: str, status: Statuses = None,
        created_from: Text = None, created_to: Text = None, payment_method: Text = None,
        customer: Text = None, q: Text = None, channel: Text = None,
    ) -> Stream:
        """Every order the same filters as the list select, as CSV (UTF-8 with a BOM, a
        header row): amounts both as decimals of the shop's currency (`128.50`) and in
        minor units (`total_minor`), times in the shop's time zone."""
        require_scope(request, "orders:read")
        filters = parse_filter(status=status, created_from=created_from,
                               created_to=created_to, payment_method=payment_method,
                               customer=customer, q=q, channel=channel)
        return csv_response(shop, filters)

    @get("/{number:str}", operation_id="getAdminOrder")
    async def get_order(self, request: Request, shop: Shop, actor: str,
                        number: Number) -> StaffOrder:
        """The order with lines, adjustments, totals, payments, shipments and timeline."""
        require_scope(request, "orders:read")
        async with db.shop_scope(shop.id):
            return await order_view(shop.id, await get_order(shop.id, number), staff=True)

    @post("/{number:str}/cancel", operation_id="cancelOrder", status_code=200)
    async def cancel(self, request: Request, shop: Shop, actor: str, number: Number,
                     data: CancelBody) -> Response[StaffOrder]:
        """Cancel an unpaid order and release its stock; a paid one is refunded instead
        (409 `illegal_transition`)."""
        require_scope(request, "orders:write")

        async def work() -> Response:
            row = await cancel_order(shop.id, number, actor=actor, reason=data.reason)
            return Response(await order_view(shop.id, row, staff=True), status_code=200)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)
