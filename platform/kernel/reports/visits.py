"""The storefront's light visitor counter: one upsert per visitor and day.

The storefront gives each browser a cookie holding the shop-local day it was last counted
on; only a request without today's cookie calls `record_visit`, so a visitor costs one
write a day however many pages they open, and no request pays more than one upsert.
"""

from __future__ import annotations

import datetime as dt

from galleria.kernel import db
from galleria.kernel.reports.periods import local_day, zone_of
from galleria.kernel.reports.tables import ShopDay

VISIT_COOKIE = "gv"  # value: the shop-local day (YYYY-MM-DD) this browser was counted on


def visit_day(timezone: str, now: dt.datetime | None = None) -> str:
    return local_day(now or dt.datetime.now(dt.UTC), zone_of(timezone)).isoformat()


async def record_visit(tenant_id: int, day: str) -> None:
    async with db.shop_scope(tenant_id):
        await ShopDay.raw(
            "INSERT INTO report_shop_day (tenant, day, visitors, orders, cancelled_orders, "
            "paid_orders, paid_total, refunded_total) VALUES ({}, {}, 1, 0, 0, 0, 0, 0) "
            "ON CONFLICT (tenant, day) DO UPDATE SET visitors = report_shop_day.visitors + 1",
            tenant_id, day)
