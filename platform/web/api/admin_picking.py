"""Merchant admin API for picking and packing: pick lists, scans checked against them,
quality checks, box presets, and packing an order into parcels that ship."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.catalog.images import store_photo
from galleria.kernel.errors import Conflict
from galleria.kernel.fulfilment import packing, picking, picking_scan, supervision
from galleria.kernel.orders.service import get_order
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.api.admin_catalog import Upload, keep_body
from galleria.web.api.aftersales_schemas import Photo
from galleria.web.api.answers_fulfilment import (
    BoxPreset,
    BoxPresetList,
    DeliveryAlerts,
    DeliveryPromises,
    PackedParcels,
    PackingPlan,
    PickList,
    PickListPage,
    QualityCheck,
    ScanCounted,
)
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent

Number = Annotated[str, Parameter(max_length=20)]
Text64 = Annotated[str, msgspec.Meta(max_length=64)]


class PickListBody(msgspec.Struct, forbid_unknown_fields=True):
    mode: Annotated[str, msgspec.Meta(max_length=8)] = "order"
    orders: Annotated[list[Annotated[str, msgspec.Meta(max_length=20)]],
                      msgspec.Meta(max_length=200)] | None = None
    shipping_method: Text64 | None = None
    delivery_slot: Text64 | None = None  # as GET /pick-lists/slots names it
    label: Text64 = ""
    location: Annotated[str, msgspec.Meta(max_length=32)] | None = None  # 门店/仓库


class WaitingSlot(msgspec.Struct):
    delivery_slot: str
    orders: list[str]


class WaitingSlots(msgspec.Struct):
    items: list[WaitingSlot]


class AssignBody(msgspec.Struct, forbid_unknown_fields=True):
    user_id: int | None


class ScanBody(msgspec.Struct, forbid_unknown_fields=True):
    code: Text64
    order_number: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    lot_code: Text64 = ""


class CheckBody(msgspec.Struct, forbid_unknown_fields=True):
    passed: bool
    notes: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    photos: Annotated[list[Annotated[str, msgspec.Meta(max_length=255)]],
                      msgspec.Meta(max_length=9)] = []  # keys answered by the photo upload


class BoxBody(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=40)]
    length_mm: int
    width_mm: int
    height_mm: int
    max_weight_grams: int


class PromisesBody(msgspec.Struct, forbid_unknown_fields=True):
    ship_within_hours: int
    stale_tracking_days: int


class ParcelLine(msgspec.Struct, forbid_unknown_fields=True):
    variant_id: int
    quantity: int


class Parcel(msgspec.Struct, forbid_unknown_fields=True):
    weight_grams: int
    box: Annotated[str, msgspec.Meta(max_length=40)] = ""
    tracking_number: Text64 = ""
    lines: list[ParcelLine] | None = None


class PickupWindow(msgspec.Struct, forbid_unknown_fields=True):
    """When the courier may come for the parcels (RFC 3339 with offsets)."""

    from_: dt.datetime = msgspec.field(name="from")
    until: dt.datetime


class PackBody(msgspec.Struct, forbid_unknown_fields=True):
    packages: Annotated[list[Parcel], msgspec.Meta(max_length=20)]
    carrier: Annotated[str, msgspec.Meta(max_length=32)] = ""
    method: Text64 | None = None
    courier_pickup: PickupWindow | None = None  # 预约取件, for carriers that offer it


def parcels_of(packages: list[Parcel]) -> list[dict[str, Any]]:
    return [{"weight_grams": p.weight_grams, "box": p.box, "tracking_number": p.tracking_number,
             "lines": None if p.lines is None else [
                 {"variant_id": x.variant_id, "quantity": x.quantity} for x in p.lines]}
            for p in packages]


class AdminPickingApi(Controller):
    path = "/api/admin/v1"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/pick-lists/slots", operation_id="listWaitingDeliverySlots")
    async def slots(self, request: Request, shop: Shop, runtime: Runtime,
                    actor: str) -> WaitingSlots:
        """Delivery slots (same-city delivery) with approved orders waiting to be picked,
        in time order, each with its order numbers: `delivery_slot` of a new pick list."""
        require_scope(request, "fulfilment:read")
        slots = await picking.waiting_slots(shop, runtime.host)
        return WaitingSlots(items=[WaitingSlot(delivery_slot=slot, orders=numbers)
                                   for slot, numbers in slots.items()])

    @post("/pick-lists", operation_id="createPickList", status_code=201)
    async def create(self, request: Request, shop: Shop, runtime: Runtime, actor: str,
                     data: PickListBody) -> Response[PickList]:
        """Gather approved orders into a pick list: the `orders` named, or every waiting
        order of `shipping_method` or of one `delivery_slot` (same-city delivery, as
        `GET /pick-lists/slots` names them), or all waiting orders. 409 when none is
        waiting."""
        require_scope(request, "fulfilment:write")

        async def work() -> Response:
            numbers = data.orders
            if data.delivery_slot:
                numbers = (await picking.waiting_slots(shop, runtime.host)).get(
                    data.delivery_slot)
                if not numbers:
                    raise Conflict(f"No approved order is waiting for the delivery slot "
                                   f"{data.delivery_slot}")
            made = await picking.create_pick_list(
                shop.id, actor=actor, mode=data.mode, numbers=numbers,
                method=data.shipping_method, label=data.label or data.delivery_slot or "",
                location=data.location)
            return Response(made, status_code=201)

        return await idempotent(request, shop.id, work)

    @get("/pick-lists", operation_id="listPickLists")
    async def index(self, request: Request, shop: Shop, actor: str,
                    status: Annotated[str | None, Parameter(max_length=12)] = None
                    ) -> PickListPage:
        require_scope(request, "fulfilment:read")
        return {"items": await picking.list_pick_lists(shop.id, status)}

    @get("/pick-lists/{list_id:int}", operation_id="getPickList")
    async def show(self, request: Request, shop: Shop, actor: str,
                   list_id: int) -> PickList:
        """The list with its lines in walking order (shelf location) and each order's
        progress."""
        require_scope(request, "fulfilment:read")
        return await picking.get_pick_list(shop.id, list_id)

    @put("/pick-lists/{list_id:int}/assignee", operation_id="assignPickList")
    async def assign(self, request: Request, shop: Shop, actor: str, list_id: int,
                     data: AssignBody) -> PickList:
        require_scope(request, "fulfilment:write")
        return await picking.assign(shop.id, list_id, data.user_id)

    @post("/pick-lists/{list_id:int}/scans", operation_id="scanForPickList",
          status_code=200)
    async def scan(self, request: Request, shop: Shop, actor: str, list_id: int,
                   data: ScanBody) -> ScanCounted:
        """Check one scan against the list and count it. A refused scan is a 422 problem
        whose `reason` is unknown_barcode, wrong_product, too_many, expired_lot or
        wrong_lot; nothing is counted then."""
        require_scope(request, "fulfilment:write")
        return await picking_scan.scan(shop.id, list_id, data.code,
                                       order_number=data.order_number,
                                       lot_code=data.lot_code)

    @post("/orders/{number:str}/packing/checks", operation_id="recordQualityCheck",
          status_code=201)
    async def check(self, request: Request, shop: Shop, actor: str, number: Number,
                    data: CheckBody) -> Response[QualityCheck]:
        require_scope(request, "fulfilment:write")

        async def work() -> Response:
            checked = await packing.check_quality(shop.id, number, passed=data.passed,
                                                  notes=data.notes, photos=data.photos,
                                                  actor=actor)
            return Response(checked, status_code=201)

        return await idempotent(request, shop.id, work)

    @post("/orders/{number:str}/packing/photos", operation_id="uploadQualityCheckPhoto",
          status_code=201, before_request=keep_body)
    async def photo(self, request: Request, shop: Shop, actor: str, number: Number,
                    data: Upload) -> Response[Photo]:
        """A photo of what a quality check found wrong (multipart field `file`: JPEG, PNG
        or WebP, at most 8 MB, checked and re-encoded like product pictures); name its
        `key` in the check's `photos`."""
        require_scope(request, "fulfilment:write")

        async def work() -> Response:
            async with db.shop_scope(shop.id):
                await get_order(shop.id, number)
            stored = await store_photo(shop.id, "checks", await data.file.read())
            return Response(Photo(**stored), status_code=201)

        return await idempotent(request, shop.id, work)

    @get("/orders/{number:str}/packing", operation_id="getPackingPlan")
    async def plan(self, request: Request, shop: Shop, actor: str,
                   number: Number) -> PackingPlan:
        """Weight, suggested box, latest quality check, units left to pick."""
        require_scope(request, "fulfilment:read")
        return await packing.packing_plan(shop.id, number)

    @post("/orders/{number:str}/packing/parcels", operation_id="packAndShip",
          status_code=201)
    async def pack(self, request: Request, shop: Shop, runtime: Runtime, actor: str,
                   number: Number, data: PackBody) -> Response[PackedParcels]:
        """Pack into parcels, each shipped as a shipment through the order's method."""
        require_scope(request, "fulfilment:write")

        async def work() -> Response:
            window = data.courier_pickup
            shipped = await packing.pack_and_ship(
                shop, runtime.host, number, packages=parcels_of(data.packages),
                actor=actor, carrier=data.carrier, method=data.method,
                pickup_window=(window.from_, window.until) if window else None)
            return Response({"items": shipped}, status_code=201)

        return await idempotent(request, shop.id, work)

    @get("/delivery-alerts", operation_id="listDeliveryAlerts")
    async def alerts(self, request: Request, shop: Shop, actor: str) -> DeliveryAlerts:
        """Orders and parcels that break the shop's promises (late to ship, no tracking
        news, delivery failed, returned to sender), most overdue first."""
        require_scope(request, "fulfilment:read")
        return {"items": await supervision.delivery_alerts(shop),
                "promises": supervision.promises(shop)}

    @put("/delivery-promises", operation_id="setDeliveryPromises")
    async def set_promises(self, request: Request, shop: Shop, actor: str,
                           data: PromisesBody) -> DeliveryPromises:
        require_scope(request, "fulfilment:write")
        return await supervision.set_promises(shop.id, {
            "ship_within_hours": data.ship_within_hours,
            "stale_tracking_days": data.stale_tracking_days})

    @get("/box-presets", operation_id="listBoxPresets")
    async def boxes(self, request: Request, shop: Shop, actor: str) -> BoxPresetList:
        require_scope(request, "fulfilment:read")
        return {"items": await packing.box_presets(shop.id)}

    @put("/box-presets", operation_id="saveBoxPreset")
    async def save_box(self, request: Request, shop: Shop, actor: str,
                       data: BoxBody) -> BoxPreset:
        require_scope(request, "fulfilment:write")
        return await packing.save_box_preset(
            shop.id, name=data.name, length_mm=data.length_mm, width_mm=data.width_mm,
            height_mm=data.height_mm, max_weight_grams=data.max_weight_grams)
