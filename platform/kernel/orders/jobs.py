"""Delayed order work: cancelling orders left unpaid past the shop's payment timeout.

Placing an order writes a `job.cancel_unpaid_order` outbox row due at the payment deadline;
the row is the durable record, run by whichever job runner the deployment has. The sweep
`cancel_overdue_orders` catches what a lost or given-up row missed. Both are idempotent:
an order paid or cancelled meanwhile is left alone, and the transition is conditional, so
the job, the sweep and a payment may race and exactly one of them wins.
"""

from __future__ import annotations

import datetime as dt
import logging

from galleria.kernel import db
from galleria.kernel.orders import states
from galleria.kernel.orders.service import IllegalTransition, transition
from galleria.kernel.orders.tables import Order
from galleria.kernel.plugins import JobSpec
from galleria.kernel.tenancy.shops import list_shops

log = logging.getLogger("galleria.orders")
TIMEOUT_REASON = "not paid in time"


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


JOBS = [
    JobSpec("cancel_unpaid_order", cancel_unpaid_order),
    JobSpec("cancel_overdue_orders", _sweep),
]
# (job name, how often each runner process runs it): the safety net for lost rows.
SWEEPS = [("cancel_overdue_orders", dt.timedelta(minutes=5))]

__all__ = ["JOBS", "SWEEPS", "cancel_overdue_orders", "cancel_unpaid_order"]
