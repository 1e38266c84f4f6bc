"""Sales over time: the rollups grouped by day, week or month, with totals and the previous
period's totals for comparison."""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import db
from galleria.kernel.reports.overview import SUMMED, day_rows
from galleria.kernel.reports.periods import Period, bucket

SERIES = ("orders", "paid_orders", "paid_total", "refunded_total", "sales", "visitors")


def _empty() -> dict[str, int]:
    return dict.fromkeys(SERIES, 0)


def _add(into: dict[str, int], row: dict[str, Any]) -> None:
    for name in SUMMED:
        if name in into:
            into[name] += row[name]
    into["sales"] += row["paid_total"] - row["refunded_total"]


async def _totals(tenant_id: int, period: Period) -> dict[str, int]:
    totals = _empty()
    for row in await day_rows(tenant_id, period):
        _add(totals, row)
    return totals


async def sales_report(tenant_id: int, period: Period, group_by: str) -> dict[str, Any]:
    """`series`: one entry per day/week/month of the period, empty ones included."""
    async with db.shop_scope(tenant_id):
        rows = await day_rows(tenant_id, period)
        previous = await _totals(tenant_id, period.previous())
    buckets: dict[str, dict[str, int]] = {}
    for day in period.each_day():
        buckets.setdefault(bucket(day, group_by).isoformat(), _empty())
    totals = _empty()
    for row in rows:
        key = bucket(dt.date.fromisoformat(row["day"]), group_by).isoformat()
        _add(buckets[key], row)
        _add(totals, row)
    return {"series": [{"period": key, **values} for key, values in buckets.items()],
            "totals": totals, "previous": previous}
