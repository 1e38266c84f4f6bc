"""Dunning as a scheduled job: each runner sweeps every few minutes, moving each shop whose
date has come one step on (trial over → past due → restricted → suspended). Idempotent:
the steps are transitions on dates, so two runners sweeping at once move a shop once."""

from __future__ import annotations

import datetime as dt
import logging

from galleria.kernel import db
from galleria.kernel.billing.subscriptions import advance_dunning, due_for_dunning
from galleria.kernel.plugins import JobSpec

log = logging.getLogger("galleria.billing")


async def advance_all_dunning(now: dt.datetime | None = None) -> int:
    """Advance every shop that is due; returns how many were looked at."""
    due = await due_for_dunning(now)
    for tenant_id in due:
        async with db.shop_scope(tenant_id):
            await advance_dunning(tenant_id, now)
    return len(due)


JOBS = [JobSpec("advance_dunning", advance_all_dunning)]
SWEEPS = [("advance_dunning", dt.timedelta(minutes=10))]

__all__ = ["JOBS", "SWEEPS", "advance_all_dunning"]
