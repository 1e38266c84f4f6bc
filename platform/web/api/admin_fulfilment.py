"""Merchant admin API for fulfilment: ship an order, list its shipments, record tracking
events by hand, poll the carrier, hand a pickup over."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.errors import FieldError, ValidationFailed
from galleria.kernel.fulfilment import service as fulfilment
from galleria.kernel.fulfilment.contracts import TRACKING_STATUSES, TrackingUpdate
from galleria.kernel.fulfilment.views import shipments_of
from galleria.kernel.orders.service import get_order, order_view
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.api.answers_fulfilment import PickedUp, Shipment, ShipmentList, TrackingAdded
from galleria.web.api.answers_orders import StaffOrder
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent

Number = Annotated[str, Parameter(max_length=20)]


class ShipLine(msgspec.Struct, forbid_unknown_fields=True):
    variant_id: int
    quantity: int


class ShipBody(msgspec.Struct, forbid_unknown_fields=True):
    method: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    carrier: Annotated[str, msgspec.Meta(max_length=32)] = ""
    tracking_number: Annotated[str, msgspec.Meta(max_length=64)] = ""
    lines: list[ShipLine] | None = None


class EventBody(msgspec.Struct, forbid_unknown_fields=True):
    status: str
    description: Annotated[str, msgspec.Meta(max_length=500)] = ""
    location: Annotated[str, msgspec.Meta(max_length=120)] = ""
    occurred_at: dt.datetime | None = None


class PickupBody(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=12)]


class AdminFulfilmentApi(Controller):
    path = "/api/admin/v1"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @post("/orders/{number:str}/shipments", operation_id="shipOrder", status_code=201)
    async def ship(self, request: Request, shop: Shop, runtime: Runtime, actor: str,
                   number: Number, data: ShipBody) -> Response[Shipment]:
        """Ship the order (default: every line not shipped yet) as one shipment. Without a
        `tracking_number` the shipping method books the waybill (or the pickup code).
        An approved order passes through fulfilling; the first shipment makes it shipped."""
        require_scope(request, "fulfilment:write")

        async def work() -> Response:
            shipment = await fulfilment.ship(
                shop, runtime.host, number, actor=actor, method=data.method,
                carrier=data.carrier, tracking_number=data.tracking_number,
                lines=[{"variant_id": line.variant_id, "quantity": line.quantity}
                       for line in data.lines] if data.lines is not None else None)
            return Response(shipment, status_code=201)

        # No transaction around it: shipping may call a carrier (see fulfilment.service).
        return await idempotent(request, shop.id, work)

    @get("/orders/{number:str}/shipments", operation_id="listShipments")
    async def shipments(self, request: Request, shop: Shop, actor: str,
                        number: Number) -> ShipmentList:
        """The order's shipments, each with its tracking events (newest first)."""
        require_scope(request, "fulfilment:read")
        async with db.shop_scope(shop.id):
            order = await get_order(shop.id, number)
            return {"items": await shipments_of(shop.id, order["id"], staff=True)}

    @post("/orders/{number:str}/fulfilment", operation_id="startFulfilling",
          status_code=200)
    async def start(self, request: Request, shop: Shop, actor: str,
                    number: Number) -> StaffOrder:
        """approved → fulfilling: picking and packing has begun."""
        require_scope(request, "fulfilment:write")
        async with db.shop_scope(shop.id):
            row = await fulfilment.start_fulfilling(shop.id, number, actor=actor)
            return await order_view(shop.id, row, staff=True)

    @post("/shipments/{shipment_id:int}/events", operation_id="addTrackingEvent",
          status_code=201)
    async def add_event(self, request: Request, shop: Shop, actor: str, shipment_id: int,
                        data: EventBody) -> Response[TrackingAdded]:
        """Record a tracking event by hand (a carrier without an adapter, a courier's
        call). `delivered` delivers the shipment, and the order once all of it is."""
        require_scope(request, "fulfilment:write")
        if data.status not in TRACKING_STATUSES:
            raise ValidationFailed("Unknown tracking status", errors=[FieldError(
                "status", "one of " + ", ".join(TRACKING_STATUSES))])
        when = data.occurred_at or dt.datetime.now(dt.UTC)
        if when.tzinfo is None:
            raise ValidationFailed("Give the time with its offset", errors=[FieldError(
                "occurred_at", "RFC 3339 with a time zone")])
        update = TrackingUpdate(status=data.status, occurred_at=when, raw_status="manual",
                                description=data.description, location=data.location)

        async def work() -> Response:
            added = await fulfilment.record_tracking(shop.id, shipment_id, [update],
                                                     source=f"manual:{actor}")
            shipment = await fulfilment.get_shipment(shop.id, shipment_id, staff=True)
            return Response({"added": added, "shipment": shipment}, status_code=201)

        async with db.shop_scope(shop.id):  # one unit of work: the event and its record
            return await idempotent(request, shop.id, work)

    @post("/shipments/{shipment_id:int}/refresh", operation_id="refreshTracking",
          status_code=200)
    async def refresh(self, request: Request, shop: Shop, runtime: Runtime, actor: str,
                      shipment_id: int) -> TrackingAdded:
        """Ask the carrier for the parcel's route now (the method's `track`)."""
        require_scope(request, "fulfilment:write")
        added = await fulfilment.refresh_tracking(shop, runtime.host, shipment_id)
        async with db.shop_scope(shop.id):
            shipment = await fulfilment.get_shipment(shop.id, shipment_id, staff=True)
        return {"added": added, "shipment": shipment}

    @post("/orders/{number:str}/pickup", operation_id="handOverPickup", status_code=200)
    async def pickup(self, request: Request, shop: Shop, actor: str, number: Number,
                     data: PickupBody) -> PickedUp:
        """Check the shopper's pickup code at the counter; a match delivers the order,
        a wrong code changes nothing (422)."""
        require_scope(request, "fulfilment:write")
        shipment = await fulfilment.hand_over_pickup(shop.id, number, data.code,
                                                     actor=actor)
        async with db.shop_scope(shop.id):
            row = await get_order(shop.id, number)
            return {"shipment": shipment, "order": await order_view(shop.id, row, staff=True)}
