"""Payment work after the fact: closing what a cancelled order left open, giving back
money an order no longer wants, and asking gateways about payments pending too long.

All three are idempotent (conditional updates underneath), so a listener run twice, a
sweep in two processes, and a notification arriving meanwhile change each thing once.
"""

from __future__ import annotations

import datetime as dt
import logging

from galleria.kernel import db
from galleria.kernel.errors import DomainError
from galleria.kernel.events import Event, Listener
from galleria.kernel.payments import contracts as c
from galleria.kernel.payments import gateways
from galleria.kernel.payments.refunds import refund_orphaned
from galleria.kernel.payments.service import ORPHANED, apply_update, to_record
from galleria.kernel.payments.tables import Payment
from galleria.kernel.plugins import JobSpec, PluginHost
from galleria.kernel.tenancy.shops import Shop, get_shop_by_id, list_shops

log = logging.getLogger("galleria.payments")
ASK_AFTER = dt.timedelta(minutes=2)  # a payment pending this long is asked about…
ASK_EVERY = dt.timedelta(minutes=5)  # …at most this often…
GIVE_UP_AFTER = dt.timedelta(days=2)  # …until it is this old (gateways close trades sooner)


async def _pending_of(tenant_id: int, number: str) -> list[dict]:
    return await Payment.select().where(
        (Payment.tenant == tenant_id) & (Payment.order_number == number)
        & (Payment.status == c.PENDING)).order_by(Payment.id)


async def close_payments_of_cancelled(event: Event, host: PluginHost) -> None:
    """An order was cancelled: close its open payments at their gateways, so the shopper
    cannot pay a dead order. If one was paid meanwhile, the query finds out and the money
    goes back (service.settle_order)."""
    shop = await get_shop_by_id(event.tenant_id)
    async with db.shop_scope(shop.id):
        open_payments = await _pending_of(shop.id, event.payload["number"])
    for payment in open_payments:
        await _close(shop, host, payment)


async def _close(shop: Shop, host: PluginHost, payment: dict) -> None:
    async with db.shop_scope(shop.id):
        offered = await gateways.find(shop, host, payment["method"], plugin=payment["plugin"])
    try:
        await offered.gateway.close(shop, to_record(payment))
    except DomainError as exc:
        log.info("closing payment %s failed (%s); asking its state", payment["reference"], exc)
        update = await offered.gateway.query(shop, to_record(payment))
        if update.status != c.PENDING:
            await apply_update(shop, host, update, actor=f"gateway:{offered.code}")
            return
        raise
    await apply_update(shop, host, c.PaymentUpdate(payment["reference"], c.CLOSED),
                       actor="system")


async def refund_orphaned_payment(event: Event, host: PluginHost) -> None:
    shop = await get_shop_by_id(event.tenant_id)
    await refund_orphaned(shop, host, event.payload["reference"], event.payload["reason"])


async def check_pending_payments(host: PluginHost, now: dt.datetime | None = None) -> int:
    """Ask the gateways about online payments pending longer than ASK_AFTER (a lost
    notification must not leave a paid order unpaid); returns how many changed."""
    now = now or dt.datetime.now(dt.UTC)
    changed = 0
    for shop in await list_shops():
        async with db.shop_scope(shop.id):
            due = await Payment.select().where(
                (Payment.tenant == shop.id) & (Payment.status == c.PENDING)
                & (Payment.created_at <= now - ASK_AFTER)
                & (Payment.created_at >= now - GIVE_UP_AFTER)
                & (Payment.checked_at.is_null() | (Payment.checked_at <= now - ASK_EVERY)))
            offered = {(o.plugin, o.code): o for o in await gateways.offered(
                shop, host, available_only=False)}
        for payment in due:
            gateway = offered.get((payment["plugin"], payment["method"]))
            if gateway is None or gateway.gateway.offline:
                continue  # plugin disabled, or nothing to ask: the merchant confirms
            try:
                update = await gateway.gateway.query(shop, to_record(payment))
                outcome, _ = await apply_update(shop, host, update,
                                                actor=f"sweep:{gateway.code}")
                changed += outcome == "applied"
            except Exception:  # one gateway down must not stop the sweep of the others
                log.exception("querying payment %s of shop %s failed", payment["reference"],
                              shop.id)
            async with db.shop_scope(shop.id):
                await Payment.update({Payment.checked_at: now}).where(
                    (Payment.tenant == shop.id) & (Payment.id == payment["id"]))
    return changed


JOBS = [JobSpec("check_pending_payments", check_pending_payments)]
SWEEPS = [("check_pending_payments", dt.timedelta(minutes=1))]
LISTENERS = [
    Listener("close_payments_of_cancelled", "order.cancelled", close_payments_of_cancelled),
    Listener("refund_orphaned_payment", ORPHANED, refund_orphaned_payment),
]

__all__ = ["JOBS", "LISTENERS", "SWEEPS", "check_pending_payments",
           "close_payments_of_cancelled", "refund_orphaned_payment"]
