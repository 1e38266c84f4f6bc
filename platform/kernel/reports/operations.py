"""How fast orders move and why money went back: fulfilment times and refunds by reason.

Fulfilment times are measured on the orders paid in the period, from the order's timeline:
payment (`paid_at`) → first `shipped` entry → first `delivered` entry, in hours. Refunds are
the gateway refunds that succeeded in the period (by `settled_at`), grouped by the reason
the merchant gave; money returned that the order never counted (paid twice, paid after
cancelling) is left out, as it is from sales.
"""

from __future__ import annotations

import statistics
from typing import Any

from galleria.kernel import db
from galleria.kernel.orders.tables import Order, TimelineEntry
from galleria.kernel.payments.tables import Refund
from galleria.kernel.reports.periods import Period, zone_of
from galleria.kernel.reports.rollups import _moment


def _hours(values: list[float]) -> dict[str, Any]:
    return {"count": len(values),
            "average_hours": round(statistics.fmean(values), 1) if values else None,
            "median_hours": round(statistics.median(values), 1) if values else None}


async def _times(tenant_id: int, timezone: str, period: Period) -> dict[str, Any]:
    start, end = period.utc_bounds(zone_of(timezone))
    paid = {row["id"]: _moment(row["paid_at"]) for row in await Order.select(
        Order.id, Order.paid_at).where(
        (Order.tenant == tenant_id) & (Order.paid_at >= start) & (Order.paid_at < end))}
    reached: dict[tuple[int, str], Any] = {}
    for entry in await TimelineEntry.select(
            TimelineEntry.order, TimelineEntry.to_status, TimelineEntry.created_at).where(
            (TimelineEntry.tenant == tenant_id) & TimelineEntry.order.is_in(list(paid) or [0])
            & TimelineEntry.to_status.is_in(["shipped", "delivered"])
            & (TimelineEntry.from_status != TimelineEntry.to_status)).order_by(
            TimelineEntry.id):
        reached.setdefault((entry["order"], entry["to_status"]), _moment(entry["created_at"]))
    to_ship, to_deliver, total = [], [], []
    for order, paid_at in paid.items():
        shipped, delivered = reached.get((order, "shipped")), reached.get((order, "delivered"))
        if shipped:
            to_ship.append((shipped - paid_at).total_seconds() / 3600)
        if shipped and delivered:
            to_deliver.append((delivered - shipped).total_seconds() / 3600)
            total.append((delivered - paid_at).total_seconds() / 3600)
    return {"paid_orders": len(paid), "payment_to_shipment": _hours(to_ship),
            "shipment_to_delivery": _hours(to_deliver), "payment_to_delivery": _hours(total)}


async def fulfilment_report(tenant_id: int, timezone: str, period: Period) -> dict[str, Any]:
    async with db.shop_scope(tenant_id):
        return {"series": [], "totals": await _times(tenant_id, timezone, period),
                "previous": await _times(tenant_id, timezone, period.previous())}


async def _refunds(tenant_id: int, timezone: str, period: Period) -> list[dict[str, Any]]:
    start, end = period.utc_bounds(zone_of(timezone))
    return await Refund.select(Refund.reason, Refund.amount).where(
        (Refund.tenant == tenant_id) & (Refund.status == "succeeded")
        & (Refund.counts_for_order == True)  # noqa: E712 (a column, not a bool)
        & (Refund.settled_at >= start) & (Refund.settled_at < end))


def _sum(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {"refunds": len(rows), "amount": sum(r["amount"] for r in rows)}


async def refunds_report(tenant_id: int, timezone: str, period: Period) -> dict[str, Any]:
    async with db.shop_scope(tenant_id):
        current = await _refunds(tenant_id, timezone, period)
        previous = await _refunds(tenant_id, timezone, period.previous())
    reasons: dict[str, dict[str, Any]] = {}
    for row in current:
        reason = (row["reason"] or "").strip()
        group = reasons.setdefault(reason, {"reason": reason, "refunds": 0, "amount": 0})
        group["refunds"] += 1
        group["amount"] += row["amount"]
    series = sorted(reasons.values(), key=lambda r: (-r["amount"], r["reason"]))
    return {"series": series, "totals": _sum(current), "previous": _sum(previous)}
