"""A shop's subscription: its plan, its status, and every transition between statuses.

Statuses: `trialing` (a new shop, on the default plan) → `active` (paid through Stripe);
`active` → `past_due` (a payment failed; a grace period, 7 days by default) → `restricted`
(no new products, the console read-only except billing) → `suspended` after 30 more days
(the storefront answers 403, as for a shop an operator suspended); paying at any point makes
it `active` again at once. `canceled` (the Stripe subscription ended) is restricted like
`restricted`, and suspended after the same 30 days. Nothing here deletes a shop's data.

Every transition writes the shop's audit log and the platform audit, and an outbox event
`billing.status_changed` (the merchant's email goes from there). Call inside the shop's
scope (`db.shop_scope`); the row is made on first use, so shops opened before billing
existed start their trial on the default plan from their creation time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from galleria.kernel.billing.plans import Plan, plans
from galleria.kernel.billing.tables import BillingEvent, PlatformAudit, Subscription
from galleria.kernel.events import emit
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.tables import Tenant

GRACE_DAYS = 7  # past due → restricted
RESTRICTED_DAYS = 30  # restricted (or canceled) → suspended
STATUSES = ("trialing", "active", "past_due", "restricted", "suspended", "canceled")
# Where the shop may not add to what it has (new products, staff, plugins, settings).
READ_ONLY = frozenset({"restricted", "suspended", "canceled"})


@dataclass(frozen=True)
class BillingState:
    tenant_id: int
    plan: Plan
    interval: str
    status: str
    trial_ends_at: dt.datetime | None
    current_period_end: dt.datetime | None
    cancel_at_period_end: bool
    grace_until: dt.datetime | None
    suspend_at: dt.datetime | None
    stripe_customer: str
    stripe_subscription: str
    operator_hold: bool

    @property
    def read_only(self) -> bool:
        return self.status in READ_ONLY


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def _row(tenant_id: int) -> dict[str, Any]:
    row = await Subscription.select().where(Subscription.tenant == tenant_id).first()
    if row is not None:
        return row
    tenant = await Tenant.select(Tenant.created_at).where(Tenant.id == tenant_id).first()
    started = _aware(tenant["created_at"]) if tenant else _now()
    default = plans().default
    # Two first requests of a shop may race here: the shop's one row is kept (unique key).
    await Subscription.insert(Subscription(
        tenant=tenant_id, plan=default.name, status="trialing",
        trial_ends_at=started + dt.timedelta(days=default.trial_days), updated_at=_now()),
    ).on_conflict(action="DO NOTHING")
    return await Subscription.select().where(Subscription.tenant == tenant_id).first()


def _state(row: dict[str, Any]) -> BillingState:
    catalogue = plans()
    return BillingState(
        tenant_id=row["tenant"], plan=catalogue.get(row["plan"]) or catalogue.default,
        interval=row["interval"], status=row["status"],
        trial_ends_at=_aware(row["trial_ends_at"]),
        current_period_end=_aware(row["current_period_end"]),
        cancel_at_period_end=bool(row["cancel_at_period_end"]),
        grace_until=_aware(row["grace_until"]), suspend_at=_aware(row["suspend_at"]),
        stripe_customer=row["stripe_customer"], stripe_subscription=row["stripe_subscription"],
        operator_hold=bool(row["operator_hold"]))


async def billing_state(tenant_id: int) -> BillingState:
    """The shop's plan and status (made on first use). Call inside the shop's scope."""
    return _state(await _row(tenant_id))


async def audit(tenant_id: int | None, actor: str, action: str, subject: str = "",
                data: dict[str, Any] | None = None) -> None:
    """The platform audit, and the shop's own log when a shop is concerned."""
    await PlatformAudit.insert(PlatformAudit(tenant_id=tenant_id, actor=actor, action=action,
                                             subject=subject, data=data or {}))
    if tenant_id is not None:
        await record(tenant_id, actor, action, subject, data)


async def _update(tenant_id: int, values: dict[Any, Any]) -> None:
    await Subscription.update({**values, Subscription.updated_at: _now()}).where(
        Subscription.tenant == tenant_id)


async def _gate(tenant_id: int, status: str, operator_hold: bool) -> None:
    """The shop's own `status` (what the storefront checks) follows the subscription."""
    gate = "suspended" if status == "suspended" or operator_hold else "active"
    await Tenant.update({Tenant.status: gate}).where(Tenant.id == tenant_id)


async def transition(tenant_id: int, status: str, *, actor: str, reason: str = "",
                     values: dict[Any, Any] | None = None) -> BillingState:
    """Move the shop to `status` (with `values` for the row), audited and notified when the
    status changes."""
    if status not in STATUSES:
        raise ValueError(f"unknown subscription status {status!r}")
    before = _state(await _row(tenant_id))
    await _update(tenant_id, {Subscription.status: status, **(values or {})})
    after = await billing_state(tenant_id)
    if before.status != status:
        await _gate(tenant_id, status, after.operator_hold)
        await audit(tenant_id, actor, f"billing.{status}", after.plan.name,
                    {"from": before.status, "to": status, "reason": reason})
        await emit(tenant_id, "billing.status_changed",
                   {"from": before.status, "to": status, "plan": after.plan.name,
                    "reason": reason,
                    "grace_until": after.grace_until.isoformat() if after.grace_until else None,
                    "suspend_at": after.suspend_at.isoformat() if after.suspend_at else None})
    return after


async def restore(tenant_id: int, *, actor: str, reason: str) -> BillingState:
    """Paid: active at once, whatever dunning had done."""
    return await transition(tenant_id, "active", actor=actor, reason=reason, values={
        Subscription.past_due_since: None, Subscription.grace_until: None,
        Subscription.suspend_at: None})


async def fall_past_due(tenant_id: int, *, actor: str, reason: str,
                        since: dt.datetime | None = None) -> BillingState:
    """A payment failed (or the trial ended unpaid): past due, with the grace period.
    A shop already further down the dunning path stays where it is."""
    state = await billing_state(tenant_id)
    if state.status in ("past_due", "restricted", "suspended"):
        return state
    since = since or _now()
    return await transition(tenant_id, "past_due", actor=actor, reason=reason, values={
        Subscription.past_due_since: since,
        Subscription.grace_until: since + dt.timedelta(days=GRACE_DAYS)})


async def advance_dunning(tenant_id: int, now: dt.datetime | None = None) -> BillingState:
    """Take the shop one step further on the dunning path when its date has come:
    trial over unpaid → past due; grace over → restricted; 30 more days → suspended."""
    now = now or _now()
    state = await billing_state(tenant_id)
    if state.status == "trialing" and state.trial_ends_at and state.trial_ends_at <= now:
        state = await fall_past_due(tenant_id, actor="system", reason="trial_ended",
                                    since=state.trial_ends_at)
    if state.status == "past_due" and state.grace_until and state.grace_until <= now:
        state = await transition(
            tenant_id, "restricted", actor="system", reason="grace_period_over",
            values={Subscription.suspend_at:
                    state.grace_until + dt.timedelta(days=RESTRICTED_DAYS)})
    if state.status == "canceled" and state.suspend_at is None:
        await _update(tenant_id, {Subscription.suspend_at:
                                  now + dt.timedelta(days=RESTRICTED_DAYS)})
        state = await billing_state(tenant_id)
    if state.status in ("restricted", "canceled") and state.suspend_at \
            and state.suspend_at <= now:
        state = await transition(tenant_id, "suspended", actor="system",
                                 reason="restricted_period_over")
    return state


async def due_for_dunning(now: dt.datetime | None = None) -> list[int]:
    """Shops whose subscription may move on now (platform read, before any shop's scope)."""
    now = now or _now()
    rows = await Subscription.select(Subscription.tenant).where(
        ((Subscription.status == "trialing") & (Subscription.trial_ends_at <= now))
        | ((Subscription.status == "past_due") & (Subscription.grace_until <= now))
        | (Subscription.status.is_in(["restricted", "canceled"])
           & (Subscription.suspend_at.is_null() | (Subscription.suspend_at <= now))))
    return [r["tenant"] for r in rows]


async def first_time(event_id: str, kind: str, tenant_id: int | None) -> bool:
    """Record a Stripe event as applied; False when it was already (a duplicate delivery).
    Call in the transaction that applies it, so a failed apply is retried."""
    if await BillingEvent.exists().where(BillingEvent.event_id == event_id):
        return False
    await BillingEvent.insert(BillingEvent(event_id=event_id, kind=kind, tenant_id=tenant_id))
    return True


async def tenant_for_stripe(customer: str = "", subscription: str = "") -> int | None:
    """The shop a Stripe customer or subscription belongs to (platform read)."""
    for column, value in ((Subscription.stripe_subscription, subscription),
                          (Subscription.stripe_customer, customer)):
        if value:
            row = await Subscription.select(Subscription.tenant).where(column == value).first()
            if row:
                return row["tenant"]
    return None


async def apply_stripe_subscription(tenant_id: int, sub: dict[str, Any], *,
                                    actor: str = "stripe") -> BillingState:
    """Make the shop's row say what Stripe's subscription object says now.

    The caller passes the subscription as retrieved from Stripe at the time of applying (not
    the copy inside an event), so events delivered late or out of order change nothing
    wrong: whatever arrives, the shop ends in Stripe's current state.
    """
    catalogue = plans()
    items = (sub.get("items") or {}).get("data") or []
    price = ((items[0].get("price") or {}).get("id") if items else "") or ""
    plan, interval = catalogue.by_price.get(price, (None, "month"))
    period_end = sub.get("current_period_end") or (items[0].get("current_period_end")
                                                   if items else None)
    values: dict[Any, Any] = {
        Subscription.stripe_subscription: sub.get("id", ""),
        Subscription.stripe_customer: sub.get("customer") or "",
        Subscription.cancel_at_period_end: bool(sub.get("cancel_at_period_end")),
        Subscription.current_period_end:
            dt.datetime.fromtimestamp(int(period_end), dt.UTC) if period_end else None,
    }
    if plan is not None:
        values[Subscription.plan] = plan.name
        values[Subscription.interval] = interval
    before = await billing_state(tenant_id)
    await _update(tenant_id, values)
    status = sub.get("status")
    if status in ("active", "trialing"):
        state = await restore(tenant_id, actor=actor, reason="paid")
    elif status in ("past_due", "unpaid"):
        state = await fall_past_due(tenant_id, actor=actor, reason="payment_failed")
    elif status in ("canceled", "incomplete_expired"):
        state = await transition(tenant_id, "canceled", actor=actor, reason="canceled")
    else:  # incomplete: the first payment is still being made
        state = await billing_state(tenant_id)
    if plan is not None and before.plan.name != plan.name:
        await audit(tenant_id, actor, "billing.plan_changed", plan.name,
                    {"from": before.plan.name, "to": plan.name, "interval": interval})
    return state


async def link_customer(tenant_id: int, customer: str, subscription: str) -> None:
    """A Checkout Session completed: remember the shop's Stripe customer and subscription."""
    values: dict[Any, Any] = {Subscription.stripe_customer: customer}
    if subscription:
        values[Subscription.stripe_subscription] = subscription
    await billing_state(tenant_id)
    await _update(tenant_id, values)


# -- what operators do ---------------------------------------------------------------------
async def operator_suspend(tenant_id: int, *, actor: str, reason: str) -> None:
    await billing_state(tenant_id)
    await _update(tenant_id, {Subscription.operator_hold: True,
                              Subscription.hold_reason: reason})
    await Tenant.update({Tenant.status: "suspended"}).where(Tenant.id == tenant_id)
    await audit(tenant_id, actor, "shop.suspended", "", {"reason": reason})
    await emit(tenant_id, "billing.status_changed", {"from": "", "to": "suspended",
                                                     "reason": reason})


async def operator_resume(tenant_id: int, *, actor: str, reason: str) -> None:
    state = await billing_state(tenant_id)
    await _update(tenant_id, {Subscription.operator_hold: False, Subscription.hold_reason: ""})
    await _gate(tenant_id, state.status, False)
    await audit(tenant_id, actor, "shop.resumed", "", {"reason": reason})


async def override_plan(tenant_id: int, plan_name: str, *, actor: str, reason: str) -> None:
    plan = plans().get(plan_name)
    if plan is None:
        raise ValueError(f"no plan named {plan_name!r}")
    before = await billing_state(tenant_id)
    await _update(tenant_id, {Subscription.plan: plan.name})
    await audit(tenant_id, actor, "billing.plan_overridden", plan.name,
                {"from": before.plan.name, "to": plan.name, "reason": reason})


async def extend_trial(tenant_id: int, days: int, *, actor: str, reason: str) -> BillingState:
    state = await billing_state(tenant_id)
    start = max(state.trial_ends_at or _now(), _now())
    ends = start + dt.timedelta(days=days)
    await audit(tenant_id, actor, "billing.trial_extended", state.plan.name,
                {"days": days, "trial_ends_at": ends.isoformat(), "reason": reason})
    return await transition(tenant_id, "trialing", actor=actor, reason=reason, values={
        Subscription.trial_ends_at: ends, Subscription.past_due_since: None,
        Subscription.grace_until: None, Subscription.suspend_at: None})


__all__ = ["GRACE_DAYS", "READ_ONLY", "RESTRICTED_DAYS", "STATUSES", "BillingState",
           "advance_dunning", "apply_stripe_subscription", "audit", "billing_state",
           "due_for_dunning", "extend_trial", "fall_past_due", "first_time", "link_customer",
           "operator_resume", "operator_suspend", "override_plan", "restore",
           "tenant_for_stripe", "transition"]
