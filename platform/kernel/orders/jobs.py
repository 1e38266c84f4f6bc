"""Delayed order work: cancelling orders left unpaid past the shop's payment timeout, and
completing delivered orders after the shop's `auto_complete_days` (default 7).

Placing an order writes a `job.cancel_unpaid_order` outbox row due at the payment deadline;
the row is the durable record, run by whichever job runner the deployment has. The sweep
`cancel_overdue_orders` catches what a lost or given-up row missed. Both are idempotent:
an order paid or cancelled meanwhile is left alone, and the transition is conditional, so
the job, the sweep and a payment may race and exactly one of them wins.

Auto-complete works the same way: the kernel listener on `order.delivered` writes a
`job.complete_delivered_order` row due N days later, and the sweep `complete_delivered_orders`
completes whatever is overdue. "Delivered N days ago" is read from the order's `updated_at`
(set by every transition and refund), so an order whose after-sales refund came in after
delivery waits N days from that; the job and the sweep apply the same rule.
"""

from __future__ import annotations

import datetime as dt
import logging

from galleria.kernel import db
from galleria.kernel.events import Event, Listener, enqueue
from galleria.kernel.orders import cancellation, states
from galleria.kernel.orders.service import IllegalTransition, transition
from galleria.kernel.orders.tables import Order
from galleria.kernel.plugins import JobSpec, PluginHost
from galleria.kernel.tenancy.shops import Shop, get_shop_by_id, list_shops

log = logging.getLogger("galleria.orders")
TIMEOUT_REASON = "not paid in time"
DEFAULT_AUTO_COMPLETE_DAYS = 7
COMPLETE_JOB = "complete_delivered_order"
AUTO_COMPLETE_ACTOR = "job:auto_complete"


async def cancel_unpaid_order(tenant_id: int, number: str) -> bool:
    """Cancel order `number` if it is still waiting for payment; True when it was."""
    async with db.shop_scope(tenant_id):
        row = await Order.select(Order.status).where(
            (Order.tenant == tenant_id) & (Order.number == number)).first()
        if row is None or row["status"] != states.PENDING_PAYMENT:
            return False  # paid, cancelled or reviewed meanwhile: nothing to do
        try:
            await transition(tenant_id, number, states.CANCELLED,
                             actor="job:cancel_unpaid_order", reason=TIMEOUT_REASON)
        except IllegalTransition:
            return False  # a payment won the race
    return True


async def cancel_overdue_orders(now: dt.datetime | None = None) -> int:
    """Cancel every shop's orders still unpaid past their deadline; returns how many.

    Row-level security admits one shop's rows per transaction, so shops are visited one
    by one (an index on (tenant, status, payment_due_at) makes each visit a lookup).
    """
    now = now or dt.datetime.now(dt.UTC)
    cancelled = 0
    for shop in await list_shops():
        async with db.shop_scope(shop.id):
            overdue = await Order.select(Order.number).where(
                (Order.tenant == shop.id) & (Order.status == states.PENDING_PAYMENT)
                & (Order.payment_due_at <= now))
        for row in overdue:
            try:
                cancelled += await cancel_unpaid_order(shop.id, row["number"])
            except Exception:  # one bad order must not stop the sweep of the others
                log.exception("could not cancel overdue order %s of shop %s",
                              row["number"], shop.id)
    if cancelled:
        log.info("sweep cancelled %d overdue unpaid orders", cancelled)
    return cancelled


async def _sweep() -> None:
    await cancel_overdue_orders()


# -- auto-complete --------------------------------------------------------------------------
def auto_complete_days(shop: Shop) -> int:
    """The shop's setting `auto_complete_days` (1–365), else 7."""
    value = shop.settings.get("auto_complete_days", DEFAULT_AUTO_COMPLETE_DAYS)
    if type(value) is not int or not 1 <= value <= 365:
        return DEFAULT_AUTO_COMPLETE_DAYS
    return value


async def schedule_auto_complete(event: Event, host: PluginHost | None = None) -> None:
    """Listener on `order.delivered`: the job that completes the order N days later."""
    if event.tenant_id is None or not event.payload.get("number"):
        return
    shop = await get_shop_by_id(event.tenant_id)
    async with db.shop_scope(shop.id):
        await enqueue(shop.id, COMPLETE_JOB, delay=dt.timedelta(days=auto_complete_days(shop)),
                      tenant_id=shop.id, number=str(event.payload["number"]))


async def complete_delivered_order(tenant_id: int, number: str,
                                   now: dt.datetime | None = None) -> bool:
    """Complete order `number` if it is delivered and was last changed at least the shop's
    `auto_complete_days` ago; True when it was. Anything else is left alone."""
    shop = await get_shop_by_id(tenant_id)
    days = auto_complete_days(shop)
    due = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    async with db.shop_scope(tenant_id):
        row = await Order.select(Order.status, Order.updated_at).where(
            (Order.tenant == tenant_id) & (Order.number == number)).first()
        if row is None or row["status"] != states.DELIVERED or row["updated_at"] > due:
            return False  # completed, refunded or changed since: the sweep looks again
        try:
            await transition(tenant_id, number, states.COMPLETED, actor=AUTO_COMPLETE_ACTOR,
                             reason=f"completed {days} days after delivery")
        except IllegalTransition:
            return False  # a refund won the race
    return True


async def complete_delivered_orders(now: dt.datetime | None = None) -> int:
    """Complete every shop's orders delivered at least its `auto_complete_days` ago (the
    safety net for lost job rows); returns how many. One (tenant, status, updated_at)
    index lookup per shop."""
    now = now or dt.datetime.now(dt.UTC)
    completed = 0
    for shop in await list_shops():
        due = now - dt.timedelta(days=auto_complete_days(shop))
        async with db.shop_scope(shop.id):
            rows = await Order.select(Order.number).where(
                (Order.tenant == shop.id) & (Order.status == states.DELIVERED)
                & (Order.updated_at <= due))
        for row in rows:
            try:
                completed += await complete_delivered_order(shop.id, row["number"], now)
            except Exception:  # one bad order must not stop the sweep of the others
                log.exception("could not complete delivered order %s of shop %s",
                              row["number"], shop.id)
    if completed:
        log.info("sweep completed %d delivered orders", completed)
    return completed


async def _complete_sweep() -> None:
    await complete_delivered_orders()


JOBS = [
    JobSpec("cancel_unpaid_order", cancel_unpaid_order),
    JobSpec("cancel_overdue_orders", _sweep),
    JobSpec(COMPLETE_JOB, complete_delivered_order),
    JobSpec("complete_delivered_orders", _complete_sweep),
]
# (job name, how often each runner process runs it): the safety net for lost rows.
SWEEPS = [("cancel_overdue_orders", dt.timedelta(minutes=5)),
          ("complete_delivered_orders", dt.timedelta(hours=1))]
# The kernel's own reactions to order events (registered in galleria.jobs.tasks).
LISTENERS = [Listener("auto_complete", "order.delivered", schedule_auto_complete),
             Listener("refund_cancellation", cancellation.TOPIC,
                      cancellation.refund_cancellation)]

__all__ = ["JOBS", "LISTENERS", "SWEEPS", "auto_complete_days", "cancel_overdue_orders",
           "cancel_unpaid_order", "complete_delivered_order", "complete_delivered_orders",
           "schedule_auto_complete"]
