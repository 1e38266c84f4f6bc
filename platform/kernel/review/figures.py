"""The console's review figures: how many orders went through on their own, and how long
the others waited for a person."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from typing import Any

from galleria.kernel import db
from galleria.kernel.review.runner import APPROVED, AUTOMATIC, HELD
from galleria.kernel.review.tables import OrderReview


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of `values` (not empty): the smallest value with at least
    `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


async def review_figures(tenant_id: int, *, days: int = 30,
                         now: dt.datetime | None = None) -> dict[str, Any]:
    """Over the reviews started in the last `days`: `reviewed`, `approved_automatically`
    and their `automatic_share` (0–1, None without reviews), `held_now`, and for the orders
    a person decided, `decided_by_hand` with the `median_seconds` and `p90_seconds` they
    spent in review (None when there are none)."""
    now = now or dt.datetime.now(dt.UTC)
    async with db.shop_scope(tenant_id):
        rows = await OrderReview.select(
            OrderReview.outcome, OrderReview.decided_by, OrderReview.started_at,
            OrderReview.decided_at).where(
            (OrderReview.tenant == tenant_id)
            & (OrderReview.started_at >= now - dt.timedelta(days=days)))
    automatic = sum(1 for r in rows if r["outcome"] == APPROVED
                    and r["decided_by"] == AUTOMATIC)
    waits = [(r["decided_at"] - r["started_at"]).total_seconds() for r in rows
             if r["decided_at"] is not None and r["decided_by"] != AUTOMATIC]
    return {
        "days": days, "reviewed": len(rows), "approved_automatically": automatic,
        "automatic_share": automatic / len(rows) if rows else None,
        "held_now": sum(1 for r in rows if r["outcome"] == HELD),
        "decided_by_hand": len(waits),
        "median_seconds": statistics.median(waits) if waits else None,
        "p90_seconds": percentile(waits, 0.9) if waits else None,
    }


__all__ = ["percentile", "review_figures"]
