"""Refunds: the merchant's (partial or full), and the automatic ones for money an order no
longer wants. The amount is reserved on the payment with a conditional update before the
gateway is asked, so two refunds at once can never give back more than was paid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.columns.combination import WhereRaw

from galleria.kernel import db
from galleria.kernel.errors import Conflict, DomainError, ValidationFailed
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.kernel.payments import contracts as c
from galleria.kernel.payments import gateways
from galleria.kernel.payments.service import (
    APPLIED,
    DUPLICATE,
    IGNORED,
    UNKNOWN,
    payment_row,
    to_record,
)
from galleria.kernel.payments.tables import Payment, Refund
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.audit import record as audit
from galleria.kernel.tenancy.shops import Shop


def refund_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"refund_id": row["reference"], "amount": row["amount"],
            "currency": row["currency"], "status": row["status"], "reason": row["reason"],
            "created_at": row["created_at"].astimezone(dt.UTC).isoformat(),
            "settled_at": (row["settled_at"].astimezone(dt.UTC).isoformat()
                           if row["settled_at"] else None)}


async def refunds_of(tenant_id: int, number: str) -> list[dict[str, Any]]:
    rows = await Refund.select().where(
        (Refund.tenant == tenant_id) & (Refund.order_number == number)).order_by(Refund.id)
    return [refund_view(row) for row in rows]


async def refund_order(shop: Shop, host: PluginHost, number: str, amount: Any, *,
                       actor: str, reason: str) -> dict[str, Any]:
    """Give back `amount` (minor units) of paid order `number` through the gateway that
    took it. A partial refund keeps the order's state; the one that completes the total
    makes it `refunded` (through `refunding` while the gateway is still at work)."""
    if type(amount) is not int or amount <= 0:
        raise ValidationFailed("A refund is a whole number of minor units above 0")
    if not reason or not reason.strip():
        raise ValidationFailed("A refund needs a reason")
    async with db.shop_scope(shop.id):
        order = await orders.get_order(shop.id, number)
        if order["paid_at"] is None:
            raise Conflict(f"Order {number} is not paid: cancel it instead")
        states.check_transition(order["status"], states.REFUNDED)
        left = order["total"] - order["refunded_total"]
        if amount > left:
            raise Conflict(f"Order {number} has {left} left to refund, not {amount}",
                           refundable=left)
        payment = await Payment.select().where(
            (Payment.tenant == shop.id) & (Payment.order == order["id"])
            & (Payment.status == c.PAID) & WhereRaw("refunded + {} <= amount", amount)
        ).order_by(Payment.id).first()
        if payment is None:
            raise Conflict(f"No payment of order {number} has {amount} left to refund")
        await audit(shop.id, actor, "order.refund", number,
                    {"amount": amount, "reason": reason.strip()[:500]})
    return await refund_payment(shop, host, payment, amount, actor=actor,
                                reason=reason.strip(), counts_for_order=True)


async def refund_payment(shop: Shop, host: PluginHost, payment: dict[str, Any], amount: int,
                         *, actor: str, reason: str, counts_for_order: bool) -> dict[str, Any]:
    """Reserve `amount` on `payment`, ask its gateway, apply the answer; returns the
    refund. A gateway error releases the reservation and is raised."""
    async with db.shop_scope(shop.id):
        offered = await gateways.find(shop, host, payment["method"], plugin=payment["plugin"])
        reserved = await Payment.raw(
            "UPDATE payment SET refunded = refunded + {} WHERE tenant = {} AND id = {} "
            "AND refunded + {} <= amount RETURNING id", amount, shop.id, payment["id"], amount)
        if not reserved:
            raise Conflict(f"Payment {payment['reference']} has less than {amount} left")
        count = await Refund.count().where(
            (Refund.tenant == shop.id) & (Refund.payment == payment["id"]))
        reference = f"{payment['reference']}_R{count + 1}"
        await Refund.insert(Refund(
            tenant=shop.id, payment=payment["id"], order_number=payment["order_number"],
            reference=reference, amount=amount, currency=payment["currency"],
            reason=reason[:500], actor=actor[:120], counts_for_order=counts_for_order))
    request = c.RefundRequest(
        shop=shop, reference=reference, payment=to_record(payment), amount=amount,
        currency=payment["currency"], reason=reason[:80],
        notify_url=f"{payment['origin']}/callbacks/{offered.plugin}/{offered.code}")
    try:
        update = await offered.gateway.refund(request)
    except DomainError:
        await apply_refund_update(shop, c.RefundUpdate(reference, c.FAILED), actor=actor)
        raise
    await apply_refund_update(shop, update, actor=actor)
    async with db.shop_scope(shop.id):
        row = await Refund.select().where(
            (Refund.tenant == shop.id) & (Refund.reference == reference)).first()
        return refund_view(row)


async def apply_refund_update(shop: Shop, update: c.RefundUpdate, *,
                              actor: str) -> tuple[str, str]:
    """Apply a refund's outcome once: succeeded → the order's refunded total (and state);
    failed → the amount is free to refund again; pending → a full refund shows
    `refunding` until the gateway tells."""
    async with db.shop_scope(shop.id):
        refund = await Refund.select().where(
            (Refund.tenant == shop.id) & (Refund.reference == update.reference[:40])).first()
        if refund is None:
            return UNKNOWN, f"no refund {update.reference!r} in this shop"
        if update.amount is not None and update.amount != refund["amount"]:
            return "mismatch", f"reported {update.amount}, expected {refund['amount']}"
        if update.status == c.PENDING:
            await _show_refunding(shop.id, refund, actor)
            return IGNORED, "pending"
        if update.status not in (c.SUCCEEDED, c.FAILED):
            return IGNORED, update.status
        won = await Refund.update({
            Refund.status: update.status, Refund.settled_at: dt.datetime.now(dt.UTC),
            Refund.provider_reference: update.provider_reference[:128],
        }).where((Refund.tenant == shop.id) & (Refund.id == refund["id"])
                 & (Refund.status == c.PENDING)).returning(Refund.id)
        if not won:
            return DUPLICATE, refund["status"]
        if update.status == c.FAILED:
            await Payment.raw("UPDATE payment SET refunded = refunded - {} "
                              "WHERE tenant = {} AND id = {}", refund["amount"], shop.id,
                              refund["payment"])
            return APPLIED, "failed"
        if refund["counts_for_order"]:
            await orders.record_refund(shop.id, refund["order_number"], refund["amount"],
                                       actor=actor, reason=refund["reason"])
        return APPLIED, "succeeded"


async def _show_refunding(tenant_id: int, refund: dict[str, Any], actor: str) -> None:
    if not refund["counts_for_order"]:
        return
    order = await orders.get_order(tenant_id, refund["order_number"])
    completes = order["refunded_total"] + refund["amount"] >= order["total"]
    if completes and states.can_transition(order["status"], states.REFUNDING):
        await orders.transition(tenant_id, order["number"], states.REFUNDING, actor=actor,
                                reason=f"refund {refund['reference']} under way")


async def refund_orphaned(shop: Shop, host: PluginHost, reference: str, reason: str) -> None:
    """Give back all of a payment the order did not count (see service.settle_order)."""
    async with db.shop_scope(shop.id):
        payment = await payment_row(shop.id, reference)
    if payment is None or payment["refunded"] >= payment["amount"]:
        return  # gone, or refunded already (this runs again after a failure)
    await refund_payment(shop, host, payment, payment["amount"] - payment["refunded"],
                         actor="system", reason=reason, counts_for_order=False)


__all__ = ["apply_refund_update", "refund_order", "refund_orphaned", "refund_payment",
           "refund_view", "refunds_of"]
