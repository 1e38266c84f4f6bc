"""Keeping `ShopDay` true: recompute a shop's days from its orders.

The same function computes a day for the event listener (the days one order touches) and
for a rebuild (every day the shop has orders), so the rollups equal a rebuild from scratch
by construction. Recomputing is idempotent, which is what a retried listener needs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from galleria.kernel import db
from galleria.kernel.orders.tables import Order
from galleria.kernel.reports.periods import Period, local_day, zone_of
from galleria.kernel.reports.tables import ShopDay
from galleria.kernel.tenancy.tables import Tenant

ORDER_FIGURES = ("orders", "cancelled_orders", "paid_orders", "paid_total", "refunded_total")


async def day_figures(tenant_id: int, timezone: str,
                      period: Period) -> dict[str, dict[str, int]]:
    """Each local day of `period` that has figures → its order figures, from the orders."""
    zone = zone_of(timezone)
    start, end = period.utc_bounds(zone)
    days: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ORDER_FIGURES, 0))
    placed = await Order.select(Order.created_at, Order.status).where(
        (Order.tenant == tenant_id) & (Order.created_at >= start) & (Order.created_at < end))
    for row in placed:
        figures = days[local_day(row["created_at"], zone).isoformat()]
        figures["orders"] += 1
        figures["cancelled_orders"] += row["status"] == "cancelled"
    paid = await Order.select(Order.paid_at, Order.total, Order.refunded_total).where(
        (Order.tenant == tenant_id) & (Order.paid_at >= start) & (Order.paid_at < end))
    for row in paid:
        figures = days[local_day(row["paid_at"], zone).isoformat()]
        figures["paid_orders"] += 1
        figures["paid_total"] += row["total"]
        figures["refunded_total"] += row["refunded_total"]
    return dict(days)


async def write_days(tenant_id: int, figures: dict[str, dict[str, int]],
                     days: list[str]) -> None:
    """Upsert the order figures of `days` (zeros for a day without any); visitors stay."""
    columns = ", ".join(ORDER_FIGURES)
    updates = ", ".join(f"{name} = excluded.{name}" for name in ORDER_FIGURES)
    for day in days:
        values = figures.get(day) or dict.fromkeys(ORDER_FIGURES, 0)
        await ShopDay.raw(
            f"INSERT INTO report_shop_day (tenant, day, visitors, {columns}) "  # noqa: S608
            "VALUES ({}, {}, 0, {}, {}, {}, {}, {}) "
            f"ON CONFLICT (tenant, day) DO UPDATE SET {updates}",
            tenant_id, day, *(values[name] for name in ORDER_FIGURES))


async def _lock_day(tenant_id: int, day: str) -> None:
    """Hold the day's row until the transaction ends, so that two listeners recomputing the
    same day one after the other each read the orders committed before they write: without
    it, one that read earlier could write last and undo the other's newer figures. (SQLite
    takes its write lock when the scope begins: `BEGIN IMMEDIATE`.)"""
    if not db.database().is_postgres:
        return
    await ShopDay.raw(
        "INSERT INTO report_shop_day (tenant, day, visitors, orders, cancelled_orders, "
        "paid_orders, paid_total, refunded_total) VALUES ({}, {}, 0, 0, 0, 0, 0, 0) "
        "ON CONFLICT (tenant, day) DO NOTHING", tenant_id, day)
    await ShopDay.raw("SELECT id FROM report_shop_day WHERE tenant = {} AND day = {} "
                      "FOR UPDATE", tenant_id, day)


async def refresh_days(tenant_id: int, timezone: str, days: set[dt.date]) -> None:
    for day in sorted(days):  # one transaction per day: days are locked in order
        async with db.shop_scope(tenant_id):
            await _lock_day(tenant_id, day.isoformat())
            figures = await day_figures(tenant_id, timezone, Period(day, day))
            await write_days(tenant_id, figures, [day.isoformat()])


async def refresh_order(tenant_id: int, number: str) -> None:
    """Recompute the days an order counts on: the day it was placed and the day it was
    paid (a refund or cancellation changes the figures of those days)."""
    timezone = await _timezone(tenant_id)
    zone = zone_of(timezone)
    async with db.shop_scope(tenant_id):
        row = await Order.select(Order.created_at, Order.paid_at).where(
            (Order.tenant == tenant_id) & (Order.number == number)).first()
    if row is None:
        return
    days = {local_day(row["created_at"], zone)}
    if row["paid_at"] is not None:
        days.add(local_day(row["paid_at"], zone))
    await refresh_days(tenant_id, timezone, days)


async def rebuild(tenant_id: int) -> int:
    """Recompute every day of one shop from its orders; returns how many days have figures.

    Days are recomputed a month at a time so that a large shop's rebuild never holds all of
    its orders in memory at once.
    """
    timezone = await _timezone(tenant_id)
    zone = zone_of(timezone)
    async with db.shop_scope(tenant_id):
        span = await Order.raw(
            "SELECT MIN(created_at) AS first, MAX(created_at) AS last, "
            "MAX(paid_at) AS last_paid FROM shop_order WHERE tenant = {}", tenant_id)
        await ShopDay.update({name: 0 for name in _columns()}).where(
            ShopDay.tenant == tenant_id)
    first, last = (_moment(span[0]["first"]), _moment(span[0]["last"])) if span else (None,) * 2
    if first is None or last is None:
        return 0
    last_paid = _moment(span[0]["last_paid"])
    day, end = local_day(first, zone), local_day(max(last, last_paid or last), zone)
    written = 0
    while day <= end:
        chunk = Period(day, min(day + dt.timedelta(days=30), end))
        async with db.shop_scope(tenant_id):  # one transaction per month of days
            figures = await day_figures(tenant_id, timezone, chunk)
            await write_days(tenant_id, figures, sorted(figures))
        written += len(figures)
        day = chunk.last + dt.timedelta(days=1)
    return written


def _columns() -> list[Any]:
    return [getattr(ShopDay, name) for name in ORDER_FIGURES]


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


async def _timezone(tenant_id: int) -> str:
    row = await Tenant.select(Tenant.timezone).where(Tenant.id == tenant_id).first()
    return row["timezone"] if row else "UTC"
