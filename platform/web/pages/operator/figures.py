"""What the operator console shows: every shop with its plan, status, usage, last activity
and sales, and the platform's figures (shops by plan, MRR, churn, signups per day).

Each shop's own rows are read inside its scope (row-level security admits one shop at a
time); shops and subscriptions are platform reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from galleria.kernel import db
from galleria.kernel.billing.plans import plans
from galleria.kernel.billing.subscriptions import billing_state
from galleria.kernel.billing.tables import PlatformAudit, Subscription
from galleria.kernel.orders.tables import Order
from galleria.kernel.tenancy.shops import Shop, get_shop_by_id
from galleria.kernel.tenancy.tables import AuditLog, Tenant
from galleria.web.billing_usage import usage

PLATFORM_ZONE = ZoneInfo("Asia/Shanghai")
PAYING = ("active", "past_due")


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def shop_row(shop: Shop, now: dt.datetime) -> dict[str, Any]:
    async with db.shop_scope(shop.id):
        state = await billing_state(shop.id)
        used = await usage(shop)
        last = await AuditLog.select(AuditLog.created_at).where(
            AuditLog.tenant == shop.id).order_by(AuditLog.id, ascending=False).first()
        paid = await Order.select(Order.total).where(
            (Order.tenant == shop.id) & (Order.paid_at >= now - dt.timedelta(days=30)))
    return {"shop": shop, "state": state, "usage": used,
            "last_activity": _aware(last["created_at"]) if last else None,
            "sales_30d": sum(r["total"] for r in paid)}


async def list_shop_rows(query: str = "", limit: int = 200) -> list[dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    select = Tenant.select(Tenant.id).order_by(Tenant.id, ascending=False).limit(limit)
    if query.strip():
        like = f"%{query.strip().replace('%', '')}%"
        select = select.where(Tenant.slug.ilike(like) | Tenant.name.ilike(like))
    return [await shop_row(await get_shop_by_id(r["id"]), now) for r in await select]


def monthly(plan_name: str, interval: str) -> int:
    plan = plans().get(plan_name)
    if plan is None:
        return 0
    return plan.price_month if interval == "month" else round(plan.price_year / 12)


async def platform_figures(days: int = 14) -> dict[str, Any]:
    """Shops by plan, MRR (fen, CNY), churn over the last 30 days, signups per day."""
    now = dt.datetime.now(dt.UTC)
    tenants = await Tenant.select(Tenant.id, Tenant.created_at)
    subs = {r["tenant"]: r for r in await Subscription.select()}
    default = plans().default.name
    by_plan = {p.name: 0 for p in plans().plans}
    mrr = 0
    for tenant in tenants:
        sub = subs.get(tenant["id"])
        by_plan[sub["plan"] if sub else default] = by_plan.get(
            sub["plan"] if sub else default, 0) + 1
        if sub and sub["status"] in PAYING and sub["stripe_subscription"]:
            mrr += monthly(sub["plan"], sub["interval"])
    since = now - dt.timedelta(days=30)
    churned = await PlatformAudit.count().where(
        (PlatformAudit.action == "billing.canceled") & (PlatformAudit.created_at >= since))
    paying = sum(1 for s in subs.values() if s["status"] in PAYING and s["stripe_subscription"])
    churn = churned / (paying + churned) if paying + churned else 0.0
    today = now.astimezone(PLATFORM_ZONE).date()
    signups = {today - dt.timedelta(days=n): 0 for n in range(days)}
    for tenant in tenants:
        day = _aware(tenant["created_at"]).astimezone(PLATFORM_ZONE).date()
        if day in signups:
            signups[day] += 1
    return {"shops": len(tenants), "by_plan": by_plan, "mrr": mrr, "churn": churn,
            "churned": churned, "paying": paying,
            "signups": sorted(signups.items())}


async def platform_audit(tenant_id: int | None = None, limit: int = 100) -> list[dict]:
    select = PlatformAudit.select().order_by(PlatformAudit.id, ascending=False).limit(limit)
    if tenant_id is not None:
        select = select.where(PlatformAudit.tenant_id == tenant_id)
    return await select


__all__ = ["PLATFORM_ZONE", "list_shop_rows", "monthly", "platform_audit", "platform_figures",
           "shop_row"]
