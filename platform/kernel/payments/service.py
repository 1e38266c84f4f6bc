"""Payments: starting one, applying what gateways report, and the merchant's mark-paid.

The rules (ARCHITECTURE §4, issue "Shopping" 5):
- only a verified gateway notification, a gateway query or a merchant's audited mark-paid
  marks a payment paid — never a browser's return URL;
- the amount and currency reported must equal the payment's, which equal the order's;
- each change of a payment is one conditional UPDATE, so duplicates and races apply once;
- money that arrives for an order that no longer wants it (cancelled meanwhile, or paid
  twice) is given back automatically (a `payment.orphaned` event, refunded by a listener).

Calls to gateways (network I/O) happen outside database transactions; the records are
written before (the payment row) and after (its outcome) in short ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import Conflict, DomainError, NotFound
from galleria.kernel.events import emit
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.kernel.orders.tables import Order
from galleria.kernel.payments import contracts as c
from galleria.kernel.payments import gateways
from galleria.kernel.payments.tables import GatewayNotification, Payment
from galleria.kernel.payments.views import (  # re-exported: callers read views from here too
    _json,
    payment_row,
    payment_view,
    payments_of,
    to_record,
)
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.audit import record as audit
from galleria.kernel.tenancy.shops import Shop

log = logging.getLogger("galleria.payments")

# A pending payment's action (QR code, redirect) is shown again instead of starting a new
# trade while it is this fresh: reloading the payment page must not open trade after trade.
REUSE_ACTION_FOR = dt.timedelta(minutes=10)
ORPHANED = "payment.orphaned"

# apply_update outcomes
APPLIED, DUPLICATE, IGNORED = "applied", "duplicate", "ignored"
UNKNOWN, MISMATCH, REJECTED = "unknown", "mismatch", "rejected"
ACCEPTED_OUTCOMES = frozenset({APPLIED, DUPLICATE, IGNORED})


class AlreadyPaid(Conflict):
    code, title = "already_paid", "Already paid"


class PaidOnline(Conflict):
    code, title = "online_payment", "Paid online"


# --- starting a payment ----------------------------------------------------------------------


async def start_payment(shop: Shop, host: PluginHost, number: str, method: str, *,
                        origin: str, scene: str = "",
                        client: dict[str, str] | None = None) -> dict[str, Any]:
    """Ask gateway `method` how the shopper pays order `number`; returns the payment with
    its `action`. `origin` is the shop's URL origin (`https://tea.example.com`): the
    gateway's notify and return URLs are built on it."""
    async with db.shop_scope(shop.id):
        order = await orders.get_order(shop.id, number)
        offered = await gateways.find(shop, host, method, new=True)
        _check_payable(order, offered)
        fresh = await _fresh_payment(shop.id, order["id"], method, scene)
        if fresh is not None:
            return payment_view(fresh)
        row = await _open_payment(shop.id, order, offered, scene, origin)
    request = c.PaymentRequest(
        shop=shop, reference=row["reference"], order_number=order["number"],
        amount=row["amount"], currency=row["currency"],
        description=f"{shop.name} {order['number']}"[:127],
        notify_url=f"{origin}/callbacks/{offered.plugin}/{offered.code}",
        return_url=f"{origin}/orders/{order['number']}",
        expires_at=order["payment_due_at"] or dt.datetime.now(dt.UTC) + dt.timedelta(hours=2),
        scene=scene, client=dict(client or {}))
    try:
        action = await offered.gateway.start_payment(request)
        if action.type not in c.ACTION_TYPES:
            raise c.GatewayError(f"{offered.code} answered an unknown action {action.type!r}")
    except DomainError:
        await _set_status(shop.id, row["id"], c.FAILED)
        raise
    async with db.shop_scope(shop.id):
        await Payment.update({
            Payment.action: {"type": action.type, "data": action.data},
            Payment.provider_reference: action.provider_reference[:128],
            Payment.updated_at: dt.datetime.now(dt.UTC),
        }).where((Payment.tenant == shop.id) & (Payment.id == row["id"]))
        return payment_view(await payment_row(shop.id, row["reference"]))


def _check_payable(order: dict[str, Any], offered: gateways.Offered) -> None:
    if order["paid_at"] is not None:
        raise AlreadyPaid(f"Order {order['number']} is paid already")
    if order["status"] in states.FINAL:
        raise Conflict(f"Order {order['number']} is {order['status']}: it cannot be paid")
    offline = offered.gateway.offline
    if order["status"] != states.PENDING_PAYMENT and not offline:
        raise Conflict(f"Order {order['number']} is {order['status']}: it is paid on delivery")
    if order["total"] <= 0:
        raise Conflict(f"Order {order['number']} has nothing to pay")


async def _fresh_payment(tenant_id: int, order_id: int, method: str,
                         scene: str) -> dict[str, Any] | None:
    since = dt.datetime.now(dt.UTC) - REUSE_ACTION_FOR
    row = await Payment.select().where(
        (Payment.tenant == tenant_id) & (Payment.order == order_id)
        & (Payment.method == method) & (Payment.scene == scene)
        & (Payment.status == c.PENDING) & (Payment.created_at >= since)
    ).order_by(Payment.id, ascending=False).first()
    return row if row is not None and _json(row["action"]) else None


async def _open_payment(tenant_id: int, order: dict[str, Any], offered: gateways.Offered,
                        scene: str, origin: str) -> dict[str, Any]:
    """Insert the attempt `{number}_{nn}` (drawn again if a concurrent start took it)."""
    attempts = await Payment.count().where(
        (Payment.tenant == tenant_id) & (Payment.order == order["id"]))
    now = dt.datetime.now(dt.UTC)
    for attempt in range(attempts + 1, attempts + 9):
        reference = f"{order['number']}_{attempt:02d}"
        inserted = await Payment.insert(Payment(
            tenant=tenant_id, order=order["id"], order_number=order["number"],
            reference=reference, plugin=offered.plugin, method=offered.code, scene=scene,
            amount=order["total"], currency=order["currency"], origin=origin[:200],
            created_at=now, updated_at=now,
        )).on_conflict(action="DO NOTHING").returning(Payment.id)
        if inserted:
            return await payment_row(tenant_id, reference)
    raise Conflict("Too many payments started at once for this order; try again")


async def _set_status(tenant_id: int, payment_id: int, status: str) -> None:
    async with db.shop_scope(tenant_id):
        await Payment.update({Payment.status: status,
                              Payment.updated_at: dt.datetime.now(dt.UTC)}).where(
            (Payment.tenant == tenant_id) & (Payment.id == payment_id)
            & (Payment.status == c.PENDING))


# --- what gateways report --------------------------------------------------------------------


async def handle_callback(shop: Shop, host: PluginHost, plugin: str, code: str,
                          callback: c.CallbackRequest) -> c.CallbackResponse:
    """A gateway's callback: verified by the gateway before anything is read, then each
    update applied (at most once, amounts checked) and the gateway answered its way."""
    async with db.shop_scope(shop.id):
        offered = await gateways.find(shop, host, code, plugin=plugin)
    gateway = offered.gateway
    try:
        updates = await gateway.handle_notification(shop, callback)
    except c.NotificationRejected as exc:
        log.warning("shop %s: %s/%s notification rejected: %s", shop.id, plugin, code, exc)
        await _log(shop.id, plugin, code, None, REJECTED, str(exc),
                   hashlib.sha256(callback.body).hexdigest()[:64])
        return gateway.answer(False, str(exc))
    outcomes = []
    for update in updates:
        outcome, detail = await apply_update(shop, host, update, actor=f"gateway:{code}")
        await _log(shop.id, plugin, code, update, outcome, detail, update.notification_id)
        outcomes.append(outcome)
    accepted = all(outcome in ACCEPTED_OUTCOMES for outcome in outcomes)
    return gateway.answer(accepted, "" if accepted else ", ".join(outcomes))


async def _log(tenant_id: int, plugin: str, code: str,
               update: c.PaymentUpdate | c.RefundUpdate | None, outcome: str, detail: str,
               notification_id: str) -> None:
    async with db.shop_scope(tenant_id):
        await GatewayNotification.insert(GatewayNotification(
            tenant=tenant_id, plugin=plugin, method=code,
            reference=(update.reference if update else "")[:40],
            notification_id=(notification_id or "")[:128], outcome=outcome,
            detail=detail[:2000]))


async def apply_update(shop: Shop, host: PluginHost,
                       update: c.PaymentUpdate | c.RefundUpdate, *,
                       actor: str) -> tuple[str, str]:
    """Apply one verified gateway fact; returns (outcome, detail for the log)."""
    if isinstance(update, c.RefundUpdate):
        from galleria.kernel.payments import refunds

        return await refunds.apply_refund_update(shop, update, actor=actor)
    async with db.shop_scope(shop.id):
        payment = await payment_row(shop.id, update.reference)
        if payment is None:
            return UNKNOWN, f"no payment {update.reference!r} in this shop"
        if update.status == c.PAID:
            return await _apply_paid(shop, payment, update, actor)
        if update.status in (c.FAILED, c.CLOSED):
            won = await Payment.update({Payment.status: update.status,
                                        Payment.updated_at: dt.datetime.now(dt.UTC)}).where(
                (Payment.tenant == shop.id) & (Payment.id == payment["id"])
                & (Payment.status == c.PENDING)).returning(Payment.id)
            return (APPLIED if won else DUPLICATE), update.status
        return IGNORED, update.status


async def _apply_paid(shop: Shop, payment: dict[str, Any], update: c.PaymentUpdate,
                      actor: str) -> tuple[str, str]:
    currency = (update.currency or "").upper()
    if update.amount != payment["amount"] or currency != payment["currency"]:
        log.warning("shop %s: payment %s reported paid %s %s, expected %s %s", shop.id,
                    payment["reference"], update.amount, currency, payment["amount"],
                    payment["currency"])
        return MISMATCH, (f"reported {update.amount} {currency}, "
                          f"expected {payment['amount']} {payment['currency']}")
    now = dt.datetime.now(dt.UTC)
    won = await Payment.update({
        Payment.status: c.PAID, Payment.paid_at: now, Payment.updated_at: now,
        Payment.provider_reference: (update.provider_reference
                                     or payment["provider_reference"])[:128],
        Payment.payer_ref: (f"{payment['method']}:{update.payer_ref}" if update.payer_ref
                            else payment.get("payer_ref") or "")[:128],
    }).where((Payment.tenant == shop.id) & (Payment.id == payment["id"])
             & (Payment.status != c.PAID)).returning(Payment.id)
    if not won:
        return DUPLICATE, "paid before"
    await settle_order(shop, payment, actor)
    return APPLIED, "paid"


async def settle_order(shop: Shop, payment: dict[str, Any], actor: str) -> None:
    """Money for `payment` arrived: the order becomes paid — or, when it no longer wants
    the money (cancelled meanwhile, or paid by another payment), the money goes back."""
    order = await orders.get_order(shop.id, payment["order_number"])
    reason = f"{payment['method']} payment {payment['reference']}"
    if order["paid_at"] is None and order["status"] not in states.FINAL:
        await Order.update({Order.payment_method: payment["method"]}).where(
            (Order.tenant == shop.id) & (Order.id == order["id"]))
        if order["status"] == states.PENDING_PAYMENT:
            await orders.transition(shop.id, order["number"], states.PAID, actor=actor,
                                    reason=reason, details={"payment": payment["reference"]})
        else:  # paid on delivery: reviewed and moving already, only the money is new
            await Order.update({Order.paid_at: dt.datetime.now(dt.UTC)}).where(
                (Order.tenant == shop.id) & (Order.id == order["id"]))
            await orders.record_timeline(shop.id, order["id"], order["status"],
                                         order["status"], actor, "paid: " + reason)
        return
    why = ("paid twice" if order["paid_at"] is not None
           else f"paid after the order was {order['status']}")
    await orders.record_timeline(shop.id, order["id"], order["status"], order["status"], actor,
                                 f"{reason} {why}: refunded automatically")
    await emit(shop.id, ORPHANED, {"reference": payment["reference"], "reason": why})


# --- the merchant's hand ---------------------------------------------------------------------


async def mark_paid(shop: Shop, host: PluginHost, number: str, *, actor: str,
                    note: str = "") -> dict[str, Any]:
    """The merchant received the money of an offline method (cash on delivery, bank
    transfer): record the payment, move the order on, write the audit log."""
    async with db.shop_scope(shop.id):
        order = await orders.get_order(shop.id, number)
        try:
            offered = await gateways.find(shop, host, order["payment_method"])
        except NotFound:
            raise Conflict(f"Order {number} is paid by {order['payment_method']!r}, whose "
                           "plugin this shop no longer has enabled") from None
        if not offered.gateway.offline:
            raise PaidOnline(f"Order {number} is paid online ({offered.code}): the gateway "
                             "confirms it, not a click")
        if order["paid_at"] is not None:
            raise AlreadyPaid(f"Order {number} is paid already")
        if order["status"] in states.FINAL:
            raise Conflict(f"Order {number} is {order['status']}")
        pending = await Payment.select().where(
            (Payment.tenant == shop.id) & (Payment.order == order["id"])
            & (Payment.method == offered.code) & (Payment.status == c.PENDING)).first()
        payment = pending or await _open_payment(shop.id, order, offered, "", "")
        now = dt.datetime.now(dt.UTC)
        await Payment.update({Payment.status: c.PAID, Payment.paid_at: now,
                              Payment.updated_at: now}).where(
            (Payment.tenant == shop.id) & (Payment.id == payment["id"]))
        await audit(shop.id, actor, "order.mark_paid", number,
                    {"method": offered.code, "amount": order["total"], "note": note[:500]})
        await settle_order(shop, payment, actor + (f" ({note[:200]})" if note else ""))
        return await orders.get_order(shop.id, number)


__all__ = ["ACCEPTED_OUTCOMES", "APPLIED", "DUPLICATE", "IGNORED", "MISMATCH", "ORPHANED",
           "REJECTED", "UNKNOWN", "AlreadyPaid", "PaidOnline", "apply_update", "handle_callback",
           "mark_paid", "payment_row", "payment_view", "payments_of",
           "settle_order", "start_payment", "to_record"]
