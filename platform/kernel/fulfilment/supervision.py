"""Delivery supervision (配送监督): the shop's promises, and the orders and parcels that
break them.

Promises live in the shop's settings (`delivery_promises`): ship within `ship_within_hours`
of payment (of approval for cash on delivery, which is not paid first), and a parcel in
transit has news at least every `stale_tracking_days`. The shipping method's own promise —
the ETA its quote named at checkout (a template's `eta_days`), kept on the order as
`eta_max_days` — is kept when each parcel is delivered within that many days of being
shipped; a parcel still on its way after that is `late_delivery`. A parcel the carrier reports as
`delivery_failed` or `returned` is flagged at once. Each flag says why and how long it is
overdue. The hourly sweep `supervise_delivery` tells the shopper once per order and kind
(the `delayed` message, through the shop's channels: email, and SMS when it has one).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import FieldError, ValidationFailed
from galleria.kernel.events import emit
from galleria.kernel.fulfilment.contracts import DELIVERY_FAILED, RETURNED
from galleria.kernel.fulfilment.picking_tables import DelayNotice
from galleria.kernel.fulfilment.tables import Shipment, TrackingEvent
from galleria.kernel.orders import states
from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import Tenant

SETTINGS_KEY = "delivery_promises"
DEFAULTS = {"ship_within_hours": 48, "stale_tracking_days": 3}
LIMITS = {"ship_within_hours": (1, 24 * 30), "stale_tracking_days": (1, 60)}
NOT_SHIPPED = (states.PAID, states.UNDER_REVIEW, states.APPROVED, states.FULFILLING)
LATE_TO_SHIP, NO_TRACKING = "late_to_ship", "no_tracking_update"
LATE_DELIVERY = "late_delivery"
KINDS = (LATE_TO_SHIP, LATE_DELIVERY, NO_TRACKING, DELIVERY_FAILED, RETURNED)
DELAY_TOPIC = "order.delayed"


def promises(shop: Shop) -> dict[str, int]:
    stored = shop.settings.get(SETTINGS_KEY) or {}
    return {key: int(stored.get(key, default)) if isinstance(stored.get(key, default), int)
            else default for key, default in DEFAULTS.items()}


async def set_promises(tenant_id: int, values: dict[str, Any]) -> dict[str, int]:
    """Keep the shop's promises; each a whole number within its limits."""
    problems = []
    for key, (low, high) in LIMITS.items():
        value = values.get(key)
        if type(value) is not int or not low <= value <= high:
            problems.append(FieldError(key, f"a whole number from {low} to {high}"))
    if problems:
        raise ValidationFailed("These promises cannot be kept", errors=problems)
    chosen = {key: values[key] for key in DEFAULTS}
    row = await Tenant.select(Tenant.settings).where(Tenant.id == tenant_id).first()
    settings = (row or {}).get("settings") or {}
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    await Tenant.update({Tenant.settings: {**settings, SETTINGS_KEY: chosen}}).where(
        Tenant.id == tenant_id)
    return chosen


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _flag(kind: str, number: str, due: dt.datetime, now: dt.datetime, reason: str,
          shipment: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"kind": kind, "order_number": number, "due_at": due.isoformat(),
            "overdue_hours": max(int((now - due).total_seconds() // 3600), 0),
            "reason": reason, "shipment_id": shipment["id"] if shipment else None,
            "carrier": shipment["carrier"] if shipment else "",
            "tracking_number": shipment["tracking_number"] if shipment else ""}


async def _late_to_ship(shop: Shop, now: dt.datetime, hours: int) -> list[dict[str, Any]]:
    rows = await Order.select(Order.id, Order.number, Order.paid_at, Order.created_at,
                              Order.payment_method).where(
        (Order.tenant == shop.id) & Order.status.is_in(list(NOT_SHIPPED)))
    shipped = {r["order"] for r in await Shipment.select(Shipment.order).where(
        (Shipment.tenant == shop.id) & Shipment.order.is_in([r["id"] for r in rows] or [0]))}
    flags = []
    for row in rows:
        start = _aware(row["paid_at"]) or _aware(row["created_at"])
        due = start + dt.timedelta(hours=hours)
        if due < now and row["id"] not in shipped:
            flags.append(_flag(LATE_TO_SHIP, row["number"], due, now,
                               f"not shipped {hours} hours after payment"))
    return flags


async def _parcels(shop: Shop, now: dt.datetime, days: int) -> list[dict[str, Any]]:
    rows = await Shipment.select(
        Shipment.id, Shipment.carrier, Shipment.tracking_number, Shipment.shipped_at,
        Shipment.tracking_status, Shipment.order.number.as_alias("number"),
        Shipment.order.eta_max_days.as_alias("eta_days")).where(
        (Shipment.tenant == shop.id) & (Shipment.status == "shipped"))
    last: dict[int, dt.datetime] = {}
    for event in await TrackingEvent.select(TrackingEvent.shipment,
                                            TrackingEvent.occurred_at).where(
            (TrackingEvent.tenant == shop.id)
            & TrackingEvent.shipment.is_in([r["id"] for r in rows] or [0])):
        when = _aware(event["occurred_at"])
        last[event["shipment"]] = max(last.get(event["shipment"], when), when)
    flags = []
    for row in rows:
        news = last.get(row["id"]) or _aware(row["shipped_at"]) or now
        if row["tracking_status"] in (DELIVERY_FAILED, RETURNED):
            reason = ("the carrier could not deliver" if row["tracking_status"] ==
                      DELIVERY_FAILED else "returned to the sender")
            flags.append(_flag(row["tracking_status"], row["number"], news, now, reason, row))
            continue
        if news + dt.timedelta(days=days) < now:
            flags.append(_flag(NO_TRACKING, row["number"], news + dt.timedelta(days=days),
                               now, f"no tracking news for {days} days", row))
        promised = row["eta_days"]
        shipped = _aware(row["shipped_at"])
        if type(promised) is int and shipped is not None and (
                shipped + dt.timedelta(days=promised) < now):
            flags.append(_flag(LATE_DELIVERY, row["number"],
                               shipped + dt.timedelta(days=promised), now,
                               f"not delivered within the promised {promised} days", row))
    return flags


async def delivery_alerts(shop: Shop, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every broken promise of the shop, most overdue first."""
    now = now or dt.datetime.now(dt.UTC)
    kept = promises(shop)
    async with db.shop_scope(shop.id):
        flags = [*await _late_to_ship(shop, now, kept["ship_within_hours"]),
                 *await _parcels(shop, now, kept["stale_tracking_days"])]
    return sorted(flags, key=lambda f: (-f["overdue_hours"], f["order_number"]))


async def tell_shoppers(shop: Shop, now: dt.datetime | None = None) -> int:
    """Emit `order.delayed` once per order and kind of alert (the notification listener
    tells the shopper). Returns how many were new."""
    told = 0
    for flag in await delivery_alerts(shop, now):
        async with db.shop_scope(shop.id):
            key = f"{flag['kind']}:{flag['shipment_id'] or ''}"
            row = await Order.select(Order.id).where(
                (Order.tenant == shop.id) & (Order.number == flag["order_number"])).first()
            if row is None:
                continue
            marked = await _mark_told(shop.id, row["id"], key)
            if marked:
                await emit(shop.id, DELAY_TOPIC, {"number": flag["order_number"],
                                                  "kind": flag["kind"],
                                                  "reason": flag["reason"]})
                told += 1
    return told


async def _mark_told(tenant_id: int, order_id: int, key: str) -> bool:
    """Claim (tenant, order, key) with a unique key: a delay is told once."""
    inserted = await DelayNotice.insert(DelayNotice(
        tenant=tenant_id, order=order_id, key=key[:64])).on_conflict(
        action="DO NOTHING").returning(DelayNotice.id)
    return bool(inserted)


__all__ = ["DEFAULTS", "DELAY_TOPIC", "KINDS", "delivery_alerts", "promises", "set_promises",
           "tell_shoppers"]
