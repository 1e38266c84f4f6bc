"""Merchant admin API: orders from other channels (an integration, the mini-program, an
exported file), placed like storefront orders and idempotent on the channel's order id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body

from galleria.kernel import db
from galleria.kernel.checkout.carts import MAX_QUANTITY
from galleria.kernel.checkout.channel_orders import (
    ChannelLine,
    ChannelOrderRequest,
    place_channel_order,
)
from galleria.kernel.checkout.order_import import import_orders
from galleria.kernel.orders.service import get_order, order_view
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.api.answers_orders import ImportedOrders, StaffOrder
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent
from galleria.web.openapi import ADDRESS, CONTACT

Fen = Annotated[int, msgspec.Meta(ge=0, le=10**11)]


class LineBody(msgspec.Struct, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]
    unit_price: Fen | None = None


class PaymentBody(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["paid", "unpaid"]
    method: Annotated[str, msgspec.Meta(max_length=64)] = ""


class ChannelOrderBody(msgspec.Struct, forbid_unknown_fields=True):
    channel: Literal["api", "import", "mini_program"]
    external_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    lines: Annotated[list[LineBody], msgspec.Meta(min_length=1, max_length=200)]
    customer: Annotated[dict[str, Any], CONTACT]
    address: Annotated[dict[str, Any], ADDRESS]
    payment: PaymentBody
    shipping_fee: Fen = 0
    discount_total: Fen = 0
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


@dataclass
class OrdersFile:
    file: UploadFile


async def keep_body(request: Request) -> None:
    """Read a multipart body before it is parsed, so `Idempotency-Key` can hash it."""
    await request.body()


class AdminChannelOrdersApi(Controller):
    path = "/api/admin/v1/orders"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @post("/", operation_id="createChannelOrder", status_code=201)
    async def create(self, request: Request, shop: Shop, runtime: Runtime, actor: str,
                     data: ChannelOrderBody) -> Response[StaffOrder]:
        """An order made on another channel (`api`, `import`, `mini_program`), placed like
        a storefront order: stock reserved (409 `out_of_stock` naming every short SKU),
        then the same review, picking and shipping. `payment.status` `paid` makes it paid
        at once (`method`: what the other platform says, default `external`); `unpaid`
        needs one of the shop's payment methods (`cod`…). Lines are priced as sent in
        fen (`unit_price`, default the current price). Idempotent on the channel and
        `external_id`: sending an order again answers 200 with the order first made and
        changes nothing."""
        require_scope(request, "orders:write")

        async def work() -> Response:
            placed = await place_channel_order(shop, runtime.host, ChannelOrderRequest(
                channel=data.channel, external_id=data.external_id,
                lines=[ChannelLine(line.sku, line.quantity, line.unit_price)
                       for line in data.lines],
                contact=data.customer, address=data.address,
                paid=data.payment.status == "paid", payment_method=data.payment.method,
                shipping_fee=data.shipping_fee, discount_total=data.discount_total,
                note=data.note, actor=actor))
            if placed.created:
                await record(shop.id, actor, "order.create", placed.number,
                             {"channel": data.channel, "external_id": data.external_id})
            view = await order_view(shop.id, await get_order(shop.id, placed.number),
                                    staff=True)
            return Response(view, status_code=201 if placed.created else 200)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @post("/import", operation_id="importOrders", status_code=200,
          before_request=keep_body, request_max_body_size=16 * 1024 * 1024)
    async def import_file(
        self, request: Request, shop: Shop, runtime: Runtime, actor: str,
        data: Annotated[OrdersFile, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ImportedOrders:
        """A CSV or XLSX file (field `file`) of orders from another platform: the generic
        format or 有赞's order export (docs/orders-import.md). Each order is placed on its
        own: the report says per order `created`, `exists` (imported before: nothing
        changes, so a file imported twice creates nothing new), `refused` (stock short,
        `items` naming the SKUs), `invalid` (what is wrong) or `skipped` (not to ship)."""
        require_scope(request, "orders:write")
        content = await data.file.read()
        report = await import_orders(shop, runtime.host, content, data.file.filename or "",
                                     actor=actor)
        async with db.shop_scope(shop.id):
            await record(shop.id, actor, "order.import", data.file.filename or "",
                         {"format": report.format, "created": report.count("created")})
        return report.as_dict()  # type: ignore[return-value]
