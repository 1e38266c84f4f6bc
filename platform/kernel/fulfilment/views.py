"""Reading shipments and their tracking, for the order view (staff and shopper) and the API.

Reads only: nothing here writes, so the orders service can import it without a cycle.
Call inside the shop's scope.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel.fulfilment.tables import Shipment, TrackingEvent


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def event_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"status": row["status"], "raw_status": row["raw_status"],
            "description": row["description"], "location": row["location"],
            "occurred_at": _time(row["occurred_at"])}


async def events_of(tenant_id: int, shipment_ids: list[int]) -> dict[int, list[dict]]:
    """Tracking events per shipment, newest first."""
    if not shipment_ids:
        return {}
    rows = await (TrackingEvent.select().where(
        (TrackingEvent.tenant == tenant_id) & TrackingEvent.shipment.is_in(shipment_ids))
        .order_by(TrackingEvent.occurred_at, ascending=False)
        .order_by(TrackingEvent.id, ascending=False))
    out: dict[int, list[dict]] = {i: [] for i in shipment_ids}
    for row in rows:
        out[row["shipment"]].append(event_view(row))
    return out


def shipment_view(row: dict[str, Any], events: list[dict], *, staff: bool) -> dict[str, Any]:
    """A shipment as the API shows it. The pickup code is the shopper's to show at the
    counter, so it is in the shopper's view and, for the packing slip, in staff's."""
    label = _json(row["label"]) or {}
    view = {"id": row["id"], "method": row["method"], "carrier": row["carrier"],
            "carrier_name": label.get("carrier_name") or row["carrier"],
            "tracking_number": row["tracking_number"], "status": row["status"],
            "tracking_status": row["tracking_status"] or None,
            "lines": _json(row["lines"]), "shipped_at": _time(row["shipped_at"]),
            "delivered_at": _time(row["delivered_at"]), "events": events}
    if row["pickup_code"] and (staff or row["status"] == "ready_for_pickup"):
        view["pickup_code"] = row["pickup_code"]
    if staff:
        view.update(reference=row["reference"], label=label,
                    created_at=_time(row["created_at"]))
    return view


async def shipments_of(tenant_id: int, order_id: int, *, staff: bool) -> list[dict[str, Any]]:
    """The order's shipments, oldest first, each with its tracking events (newest first)."""
    rows = await (Shipment.select().where(
        (Shipment.tenant == tenant_id) & (Shipment.order == order_id)).order_by(Shipment.id))
    events = await events_of(tenant_id, [row["id"] for row in rows])
    return [shipment_view(row, events[row["id"]], staff=staff) for row in rows]


async def shipped_quantities(tenant_id: int, order_id: int) -> dict[int, int]:
    """{variant id: units in the order's shipments}: what has left the shop so far."""
    shipped: dict[int, int] = {}
    for row in await Shipment.select(Shipment.lines).where(
            (Shipment.tenant == tenant_id) & (Shipment.order == order_id)):
        for line in _json(row["lines"]):
            shipped[line["variant_id"]] = shipped.get(line["variant_id"], 0) + line["quantity"]
    return shipped


__all__ = ["event_view", "events_of", "shipment_view", "shipments_of", "shipped_quantities"]


async def tracking_numbers(tenant_id: int, order_numbers: list[str]) -> dict[str, list[str]]:
    """Each order's waybill numbers (parcels that have one), by order number, oldest first:
    for exports that put them beside the order."""
    rows = await (Shipment.select(Shipment.order.number.as_alias("number"),
                                  Shipment.tracking_number)
                  .where((Shipment.tenant == tenant_id)
                         & Shipment.order.number.is_in(order_numbers or [""])
                         & (Shipment.tracking_number != ""))
                  .order_by(Shipment.id))
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["number"], []).append(row["tracking_number"])
    return found
