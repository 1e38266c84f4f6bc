"""Returns and cancellations, with their reasons, from the after-sales tables.

Counted by when they were asked for (`created_at`, in the shop's time zone):

- returns and exchanges (`order_return`) a shopper requested in the period, except the ones
  the shop rejected (counted apart as `rejected`); their amount is the refund given for
  them (set when the shop refunds: nothing while a return is under way, nor for an
  exchange), their units the units asked back;
- lines cancelled before shipping (`order_line_cancellation`, partial cancellations with
  their partial refund); their amount is what is refunded (nothing when nothing was paid).

Reasons are returned as stored: a return's code (`quality`, `damaged`, …) which pages
translate, a cancellation's words as the merchant or shopper gave them.
"""

from __future__ import annotations

import json
from typing import Any

from galleria.kernel import db
from galleria.kernel.orders.aftersales_tables import LineCancellation, ReturnRequest
from galleria.kernel.reports.periods import Period, bucket, local_day, zone_of

FIGURES = ("returns", "exchanges", "return_amount", "returned_units", "cancellations",
           "cancellation_amount", "cancelled_units", "amount", "rejected")


def _empty() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def _units(lines: Any) -> int:
    if not isinstance(lines, list):
        return 0
    return sum(int(line.get("quantity") or 0) for line in lines if isinstance(line, dict))


async def _rows(tenant_id: int, timezone: str, period: Period) -> list[dict[str, Any]]:
    """One row per return/exchange or cancellation of the period, with its local day."""
    zone = zone_of(timezone)
    start, end = period.utc_bounds(zone)
    returns = await ReturnRequest.select(
        ReturnRequest.kind, ReturnRequest.status, ReturnRequest.reason, ReturnRequest.lines,
        ReturnRequest.refund_amount, ReturnRequest.created_at).where(
        (ReturnRequest.tenant == tenant_id) & (ReturnRequest.created_at >= start)
        & (ReturnRequest.created_at < end))
    cancellations = await LineCancellation.select(
        LineCancellation.reason, LineCancellation.lines, LineCancellation.amount,
        LineCancellation.created_at).where(
        (LineCancellation.tenant == tenant_id) & (LineCancellation.created_at >= start)
        & (LineCancellation.created_at < end))
    rows = [{"kind": row["kind"] if row["kind"] == "exchange" else "return",
             "rejected": row["status"] == "rejected", "reason": row["reason"] or "",
             "units": _units(_json(row["lines"])), "amount": row["refund_amount"] or 0,
             "day": local_day(row["created_at"], zone)} for row in returns]
    rows += [{"kind": "cancellation", "rejected": False,
              "reason": (row["reason"] or "").strip(), "units": _units(_json(row["lines"])),
              "amount": row["amount"] or 0, "day": local_day(row["created_at"], zone)}
             for row in cancellations]
    return rows


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return []
    return value


def _add(into: dict[str, int], row: dict[str, Any]) -> None:
    if row["rejected"]:
        into["rejected"] += 1
        return
    if row["kind"] == "cancellation":
        into["cancellations"] += 1
        into["cancellation_amount"] += row["amount"]
        into["cancelled_units"] += row["units"]
    else:
        into["returns" if row["kind"] == "return" else "exchanges"] += 1
        into["return_amount"] += row["amount"]
        into["returned_units"] += row["units"]
    into["amount"] += row["amount"]


async def returns_report(tenant_id: int, timezone: str, period: Period,
                         group_by: str = "day") -> dict[str, Any]:
    """`series`: one entry per day/week/month (empty ones included); `by_reason`: one row
    per (kind, reason), largest amount first."""
    async with db.shop_scope(tenant_id):
        current = await _rows(tenant_id, timezone, period)
        earlier = await _rows(tenant_id, timezone, period.previous())
    buckets: dict[str, dict[str, int]] = {}
    for day in period.each_day():
        buckets.setdefault(bucket(day, group_by).isoformat(), _empty())
    totals, previous = _empty(), _empty()
    reasons: dict[tuple[str, str], dict[str, Any]] = {}
    for row in current:
        _add(buckets[bucket(row["day"], group_by).isoformat()], row)
        _add(totals, row)
        if row["rejected"]:
            continue
        kind = "cancellation" if row["kind"] == "cancellation" else "return"
        group = reasons.setdefault((kind, row["reason"]), {
            "kind": kind, "reason": row["reason"], "count": 0, "units": 0, "amount": 0})
        group["count"] += 1
        group["units"] += row["units"]
        group["amount"] += row["amount"]
    for row in earlier:
        _add(previous, row)
    by_reason = sorted(reasons.values(),
                       key=lambda r: (-r["amount"], -r["count"], r["kind"], r["reason"]))
    return {"series": [{"period": key, **values} for key, values in buckets.items()],
            "totals": totals, "previous": previous, "by_reason": by_reason}


__all__ = ["FIGURES", "returns_report"]
