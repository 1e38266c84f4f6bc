"""The storefront's light visitor counter: one upsert per visitor and day.

The storefront gives each browser a cookie holding the shop-local day it was last counted
on; only a request without today's cookie calls `record_visit` (or, in a page's own
transaction, `record_visit_on_commit`), so a visitor costs one write a day however many
pages they open, and no request pays more than one upsert.
"""

from __future__ import annotations

import datetime as dt

from galleria.kernel import db
from galleria.kernel.reports.periods import local_day, zone_of
from galleria.kernel.reports.tables import ShopDay

VISIT_COOKIE = "gv"  # value: the shop-local day (YYYY-MM-DD) this browser was counted on


def visit_day(timezone: str, now: dt.datetime | None = None) -> str:
    return local_day(now or dt.datetime.now(dt.UTC), zone_of(timezone)).isoformat()


_UPSERT = ("INSERT INTO report_shop_day (tenant, day, visitors, orders, cancelled_orders, "
           "paid_orders, paid_total, refunded_total) VALUES ({}, {}, 1, 0, 0, 0, 0, 0) "
           "ON CONFLICT (tenant, day) DO UPDATE SET visitors = report_shop_day.visitors + 1")


async def record_visit(tenant_id: int, day: str) -> None:
    """One visit, in the shop's scope (its own transaction when none is open)."""
    async with db.shop_scope(tenant_id):
        await ShopDay.raw(_UPSERT, tenant_id, day)


def record_visit_on_commit(tenant_id: int, day: str) -> None:
    """One visit, written by the open shop scope's transaction as its last statement, just
    before it commits (a page's reads then cost no second transaction; issue 14). Last, so
    the day's row stays locked for the commit's round trip only, as with a transaction of
    its own; nothing is counted if the transaction rolls back."""
    async def upsert() -> None:
        await ShopDay.raw(_UPSERT, tenant_id, day)

    db.before_commit(upsert)
