"""Fulfilment: start fulfilling, ship (through the method's carrier), follow the parcel,
hand pickups over.

Every function takes the shop explicitly and runs inside its scope. An order moves
approved → fulfilling → shipped → delivered through `orders.service.transition` only, so the
state machine, the timeline and the events stay the one place that decides.

Shipping talks to a carrier: that call happens *between* two short transactions (read and
check, then write), never while one is open, and is safe to repeat because the shipment's
`reference` is stable (`{number}_S{n}`) and carriers deduplicate on it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.checkout.contracts import Address, ShippingMethod
from galleria.kernel.checkout.pricing import shipping_methods
from galleria.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from galleria.kernel.events import emit
from galleria.kernel.fulfilment.contracts import (
    DELIVERED,
    TRACKING_STATUSES,
    CarrierError,
    ShipmentCreated,
    ShipmentLine,
    ShipmentRequest,
    TrackedShipment,
    TrackingUpdate,
)
from galleria.kernel.fulfilment.picked import picked_lots
from galleria.kernel.fulfilment.tables import Shipment, TrackingEvent
from galleria.kernel.fulfilment.views import events_of, shipment_view
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.kernel.orders.tables import Order, OrderLine
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop

CARRIER_TIMEOUT = 20  # seconds a carrier call may take
SHIPPED, READY_FOR_PICKUP = "shipped", "ready_for_pickup"
ADDRESS_FIELDS = ("name", "phone", "country", "province", "city", "line1", "district",
                  "line2", "postal_code")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def _order_by_id(tenant_id: int, order_id: int) -> dict[str, Any]:
    row = await Order.select().where((Order.tenant == tenant_id) & (Order.id == order_id)).first()
    if row is None:
        raise NotFound(f"No order {order_id} in this shop")
    return row


async def start_fulfilling(tenant_id: int, number: str, *, actor: str) -> dict[str, Any]:
    """approved → fulfilling (picking and packing has begun)."""
    return await orders.transition(tenant_id, number, states.FULFILLING, actor=actor)


async def find_method(shop: Shop, host: PluginHost, code: str) -> ShippingMethod | None:
    """The shop's shipping method with `code`, from its enabled plugins (or None)."""
    methods = await shipping_methods(host, await enabled_plugins(shop.id), shop,
                                     offered_only=False)  # an order placed before a change
    return next((m for m in methods if m.code == code), None)


async def _unshipped(tenant_id: int, order_id: int) -> dict[int, dict[str, Any]]:
    """The order's lines by variant, with `remaining` = ordered − already in shipments."""
    lines = await (OrderLine.select().where(
        (OrderLine.tenant == tenant_id) & (OrderLine.order == order_id))
        .order_by(OrderLine.id))
    by_variant = {row["variant"]: {**row, "remaining": row["quantity"]
                                   - row["cancelled_quantity"]} for row in lines}
    shipped = await Shipment.select(Shipment.lines).where(
        (Shipment.tenant == tenant_id) & (Shipment.order == order_id))
    for shipment in shipped:
        for line in _json(shipment["lines"]):
            if line["variant_id"] in by_variant:
                by_variant[line["variant_id"]]["remaining"] -= line["quantity"]
    return by_variant


def _choose_lines(unshipped: dict[int, dict[str, Any]],
                  wanted: list[dict[str, Any]] | None) -> dict[int, int]:
    """{variant: quantity} for this parcel: everything left when `wanted` is None."""
    if wanted is None:
        chosen = {v: row["remaining"] for v, row in unshipped.items() if row["remaining"] > 0}
        if not chosen:
            raise Conflict("Everything in this order has been shipped already")
        return chosen
    problems, chosen = [], {}
    for i, item in enumerate(wanted):
        variant, quantity = item.get("variant_id"), item.get("quantity")
        row = unshipped.get(variant) if type(variant) is int else None
        if row is None:
            problems.append(FieldError(f"lines[{i}].variant_id", "not a line of this order"))
        elif type(quantity) is not int or not 1 <= quantity <= row["remaining"] - chosen.get(
                variant, 0):
            problems.append(FieldError(f"lines[{i}].quantity",
                                       f"1 to {row['remaining']} (not shipped yet)"))
        else:
            chosen[variant] = chosen.get(variant, 0) + quantity
    if problems or not chosen:
        raise ValidationFailed("These lines cannot be shipped",
                               errors=problems or [FieldError("lines", "empty")])
    return chosen


async def _parcel_lines(tenant_id: int, unshipped: dict[int, dict[str, Any]],
                        chosen: dict[int, int]) -> tuple[ShipmentLine, ...]:
    weights = {row["id"]: row["weight_grams"] or 0 for row in await Variant.select(
        Variant.id, Variant.weight_grams).where(
        (Variant.tenant == tenant_id) & Variant.id.is_in(list(chosen)))}
    return tuple(ShipmentLine(variant_id=v, sku=unshipped[v]["sku"], name=unshipped[v]["name"],
                              quantity=q, weight_grams=weights.get(v, 0))
                 for v, q in sorted(chosen.items()))


async def _prepare(shop: Shop, host: PluginHost, number: str, method_code: str | None,
                   carrier: str, lines: list[dict[str, Any]] | None,
                   actor: str) -> tuple[dict, ShipmentRequest, Any]:
    async with db.shop_scope(shop.id):
        order = await orders.get_order(shop.id, number)
        if order["status"] == states.APPROVED:
            order = await start_fulfilling(shop.id, number, actor=actor)
        if order["status"] not in (states.FULFILLING, states.SHIPPED):
            raise states.IllegalTransition(
                f"Order {number} is {order['status']}: only approved or fulfilling orders "
                f"are shipped", from_status=order["status"], to_status=states.SHIPPED)
        unshipped = await _unshipped(shop.id, order["id"])
        parcel = await _parcel_lines(shop.id, unshipped, _choose_lines(unshipped, lines))
        count = await Shipment.count().where(
            (Shipment.tenant == shop.id) & (Shipment.order == order["id"]))
        code = method_code or order["shipping_method"] or ""
        method = await find_method(shop, host, code) if code else None
    address = _json(order["address"]) or None
    if address:  # the stored shape, minus anything an older or newer version added
        address = {name: str(address.get(name) or "") for name in ADDRESS_FIELDS}
    request = ShipmentRequest(
        shop=shop, reference=f"{number}_S{count + 1}", order_number=number,
        method=code or "manual", carrier=carrier, lines=parcel,
        address=Address(**address) if address else None, contact=_json(order["contact"]),
        note=order["note"] or "")
    return order, request, method


async def _book(method: ShippingMethod | None, request: ShipmentRequest, carrier: str,
                tracking_number: str) -> ShipmentCreated:
    if tracking_number:
        if not carrier:
            raise ValidationFailed("Name the carrier of this tracking number",
                                   errors=[FieldError("carrier", "required")])
        return ShipmentCreated(carrier=carrier, tracking_number=tracking_number)
    try:
        async with asyncio.timeout(CARRIER_TIMEOUT):
            created = None if method is None else await method.create_shipment(request.shop,
                                                                               request)
    except TimeoutError as exc:
        raise CarrierError("The carrier did not answer in time; try again") from exc
    if created is None:  # the base class's answer: this method books nothing itself
        raise ValidationFailed(
            "This shipping method books no waybill itself: give carrier and tracking_number",
            errors=[FieldError("tracking_number", "required for this method")])
    if not isinstance(created, ShipmentCreated):
        raise CarrierError(f"The shipping method answered {created!r}, not a ShipmentCreated")
    return created


async def ship(shop: Shop, host: PluginHost, number: str, *, actor: str,
               method: str | None = None, carrier: str = "", tracking_number: str = "",
               lines: list[dict[str, Any]] | None = None,
               parcel: dict[str, Any] | None = None,
               pickup_window: tuple[dt.datetime, dt.datetime] | None = None
               ) -> dict[str, Any]:
    """Ship `lines` (default: all that is left) of order `number` as one shipment.
    `parcel` (box, weight from packing) is kept with the label; `pickup_window` asks the
    carrier for a courier pickup in that window (when it offers one).

    With a `tracking_number` the merchant booked the parcel elsewhere; without one the
    method's `create_shipment` books it (a waybill, or a pickup code for a pickup). The
    first shipment moves the order to shipped (`order.shipped` carries the carrier and
    waybill); later ones emit `order.shipped` again for the new parcel. Returns the shipment.
    """
    carrier, tracking_number = carrier.strip()[:32], tracking_number.strip()[:64]
    order, request, shipping_method = await _prepare(shop, host, number, method, carrier,
                                                     lines, actor)
    if pickup_window is not None:
        start, end = pickup_window
        if start.tzinfo is None or end.tzinfo is None or not start < end:
            raise ValidationFailed("A pickup window is a start before its end, with time "
                                   "zones", errors=[FieldError("courier_pickup", "from < until")])
        request = dataclasses.replace(request, pickup_window=(start, end))
    created = await _book(shipping_method, request, carrier, tracking_number)
    now = dt.datetime.now(dt.UTC)
    async with db.shop_scope(shop.id):
        unshipped = await _unshipped(shop.id, order["id"])  # again: another parcel may have won
        _choose_lines(unshipped, [line.to_json() for line in request.lines])
        status = READY_FOR_PICKUP if created.pickup_code else SHIPPED
        inserted = await Shipment.insert(Shipment(
            tenant=shop.id, order=order["id"], reference=request.reference,
            method=request.method, carrier=created.carrier[:32],
            tracking_number=created.tracking_number[:64], status=status,
            lines=[line.to_json() for line in request.lines],
            pickup_code=created.pickup_code[:12],
            label={**created.label, **({"parcel": parcel} if parcel else {})}, created_at=now,
            shipped_at=now)).on_conflict(action="DO NOTHING").returning(Shipment.id)
        if not inserted:
            raise Conflict(f"Order {number} was shipped meanwhile; reload and try again")
        await _take_out_of_stock(shop.id, await orders.get_order(shop.id, number),
                                 request.lines, unshipped, actor)
        details = {"carrier": created.carrier, "tracking_number": created.tracking_number,
                   "shipment_id": inserted[0]["id"], "method": request.method}
        if created.pickup_code:  # "ready for pickup": the code, where and when to come
            details.update(pickup_code=created.pickup_code,
                           pickup_point=str(created.label.get("point") or ""),
                           pickup_address=str(created.label.get("address") or ""),
                           pickup_hours=str(created.label.get("hours") or ""))
        current = await orders.get_order(shop.id, number)
        if current["status"] == states.FULFILLING:
            await orders.transition(shop.id, number, states.SHIPPED, actor=actor,
                                    reason=_shipped_reason(created), details=details)
        else:
            await orders.record_timeline(shop.id, order["id"], current["status"],
                                         current["status"], actor, _shipped_reason(created))
            await emit(shop.id, "order.shipped", {"number": number, **details})
        return await get_shipment(shop.id, inserted[0]["id"], staff=True)


async def _take_out_of_stock(tenant_id: int, order: dict[str, Any],
                             parcel: tuple[ShipmentLine, ...],
                             unshipped: dict[int, dict[str, Any]], actor: str) -> None:
    """Exactly the parcel's units leave the shop (a partial shipment keeps the rest
    reserved); once nothing is left to ship, the order's stock is `shipped`."""
    if order["stock_status"] != "reserved":
        return  # released already (an order refunded meanwhile ships nothing of stock)
    lots = await picked_lots(tenant_id, order["id"])  # what the picker took, if picked
    for line in parcel:  # from those lots first, the rest first-expiry-first-out
        await inventory.ship(tenant_id, line.variant_id, line.quantity,
                             reference=order["number"], actor=actor,
                             lots=lots.get(line.variant_id),
                             location=unshipped[line.variant_id]["location"])
    taken = {line.variant_id: line.quantity for line in parcel}
    if all(row["remaining"] - taken.get(v, 0) <= 0 for v, row in unshipped.items()):
        await Order.update({Order.stock_status: SHIPPED}).where(
            (Order.tenant == tenant_id) & (Order.id == order["id"])
            & (Order.stock_status == "reserved"))


def _shipped_reason(created: ShipmentCreated) -> str:
    if created.pickup_code:
        return "ready for pickup"
    return f"shipped: {created.carrier} {created.tracking_number}".strip()


async def get_shipment(tenant_id: int, shipment_id: int, *, staff: bool) -> dict[str, Any]:
    row = await Shipment.select().where(
        (Shipment.tenant == tenant_id) & (Shipment.id == shipment_id)).first()
    if row is None:
        raise NotFound(f"No shipment {shipment_id} in this shop")
    events = await events_of(tenant_id, [shipment_id])
    return shipment_view(row, events[shipment_id], staff=staff)


def _dedupe_key(update: TrackingUpdate) -> str:
    text = "\x1f".join((update.occurred_at.astimezone(dt.UTC).isoformat(), update.raw_status,
                        update.description))
    return hashlib.sha256(text.encode()).hexdigest()


def check_update(update: Any) -> TrackingUpdate:
    if not isinstance(update, TrackingUpdate) or update.status not in TRACKING_STATUSES:
        raise ValidationFailed(f"Not a tracking update with a status among "
                               f"{', '.join(TRACKING_STATUSES)}: {update!r}")
    if update.occurred_at.tzinfo is None:
        raise ValidationFailed("A tracking event's time needs a time zone")
    return update


async def record_tracking(tenant_id: int, shipment_id: int, updates: Iterable[TrackingUpdate],
                          *, source: str) -> int:
    """Keep `updates` for the shipment, each once; returns how many were new.

    Each new event becomes an order timeline entry; a new `delivered` event marks the
    shipment delivered, and the order too once everything is shipped and delivered.
    """
    checked = sorted((check_update(u) for u in updates), key=lambda u: u.occurred_at)
    async with db.shop_scope(tenant_id):
        shipment = await Shipment.select().where(
            (Shipment.tenant == tenant_id) & (Shipment.id == shipment_id)).first()
        if shipment is None:
            raise NotFound(f"No shipment {shipment_id} in this shop")
        order = await _order_by_id(tenant_id, shipment["order"])
        added = []
        for update in checked:
            new = await TrackingEvent.insert(TrackingEvent(
                tenant=tenant_id, shipment=shipment_id, status=update.status,
                raw_status=update.raw_status[:32], description=update.description[:500],
                location=update.location[:120], occurred_at=update.occurred_at,
                source=source[:32], dedupe_key=_dedupe_key(update),
            )).on_conflict(action="DO NOTHING").returning(TrackingEvent.id)
            if new:
                added.append(update)
                reason = f"{update.status}: {update.description}"
                await orders.record_timeline(tenant_id, order["id"], order["status"],
                                             order["status"], source, reason)
        if added:
            await Shipment.update({Shipment.tracking_status: added[-1].status}).where(
                (Shipment.tenant == tenant_id) & (Shipment.id == shipment_id))
        if any(u.status == DELIVERED for u in added) and shipment["delivered_at"] is None:
            await _deliver(tenant_id, shipment, order, source)
        return len(added)


async def _deliver(tenant_id: int, shipment: dict[str, Any], order: dict[str, Any],
                   actor: str) -> None:
    await Shipment.update({Shipment.status: DELIVERED,
                           Shipment.delivered_at: dt.datetime.now(dt.UTC)}).where(
        (Shipment.tenant == tenant_id) & (Shipment.id == shipment["id"]))
    pending = await Shipment.count().where(
        (Shipment.tenant == tenant_id) & (Shipment.order == order["id"])
        & Shipment.delivered_at.is_null())
    left = sum(max(row["remaining"], 0) for row in (
        await _unshipped(tenant_id, order["id"])).values())
    current = await _order_by_id(tenant_id, order["id"])
    if pending == 0 and left == 0 and current["status"] == states.SHIPPED:
        await orders.transition(tenant_id, current["number"], states.DELIVERED, actor=actor,
                                reason="delivered")


async def record_tracking_by_number(tenant_id: int, tracking_number: str,
                                    updates: Iterable[TrackingUpdate], *, source: str) -> int:
    """For carrier pushes: record `updates` on the shop's shipment(s) with this waybill
    number. Raises NotFound for a number the shop never shipped with."""
    updates = list(updates)
    async with db.shop_scope(tenant_id):
        rows = await Shipment.select(Shipment.id).where(
            (Shipment.tenant == tenant_id)
            & (Shipment.tracking_number == str(tracking_number)[:64]))
        if not rows or not tracking_number:
            raise NotFound(f"No shipment with waybill {tracking_number} in this shop")
        return sum([await record_tracking(tenant_id, row["id"], updates, source=source)
                    for row in rows])


async def refresh_tracking(shop: Shop, host: PluginHost, shipment_id: int) -> int:
    """Poll the carrier through the method's `track`; returns how many events were new."""
    async with db.shop_scope(shop.id):
        row = await Shipment.select().where(
            (Shipment.tenant == shop.id) & (Shipment.id == shipment_id)).first()
        if row is None:
            raise NotFound(f"No shipment {shipment_id} in this shop")
        order = await _order_by_id(shop.id, row["order"])
        method = await find_method(shop, host, row["method"])
    untracked = Conflict("This shipment's method cannot be tracked from here")
    if method is None or not row["tracking_number"]:
        raise untracked
    phone = (_json(order["address"]) or {}).get("phone", "")
    try:
        async with asyncio.timeout(CARRIER_TIMEOUT):
            updates = await method.track(shop, TrackedShipment(
                row["carrier"], row["tracking_number"], phone))
    except TimeoutError as exc:
        raise CarrierError("The carrier did not answer in time; try again") from exc
    if updates is None:  # the base class's answer: not trackable from here
        raise untracked
    return await record_tracking(shop.id, shipment_id, updates, source=f"poll:{row['carrier']}")


async def hand_over_pickup(tenant_id: int, number: str, code: str, *, actor: str) -> dict:
    """Staff check the shopper's pickup code at the counter: the matching shipment is
    delivered (and with it the order). A wrong code changes nothing (422)."""
    async with db.shop_scope(tenant_id):
        order = await orders.get_order(tenant_id, number)
        waiting = await Shipment.select().where(
            (Shipment.tenant == tenant_id) & (Shipment.order == order["id"])
            & (Shipment.status == READY_FOR_PICKUP))
        if not waiting:
            raise Conflict(f"Order {number} has nothing waiting for pickup")
        given = str(code or "").strip()
        match = next((s for s in waiting if s["pickup_code"] and hmac.compare_digest(
            s["pickup_code"].encode(), given.encode())), None)
        if match is None:
            raise ValidationFailed("The pickup code does not match this order",
                                   errors=[FieldError("code", "wrong pickup code")])
        await record_tracking(tenant_id, match["id"], [TrackingUpdate(
            status=DELIVERED, occurred_at=dt.datetime.now(dt.UTC), raw_status="pickup",
            description="picked up at the counter")], source=actor)
        return await get_shipment(tenant_id, match["id"], staff=True)


__all__ = ["find_method", "get_shipment", "hand_over_pickup", "record_tracking",
           "record_tracking_by_number", "refresh_tracking", "ship", "start_fulfilling"]
