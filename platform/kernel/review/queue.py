"""The review queue: held orders and what the merchant does with them.

Every function takes the shop and opens its scope. Decisions are recorded on the order's
review record (who, when, why) and move the order through the state machine; address edits
and payment switches keep the order's state and leave a timeline entry and an audit entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import FieldError, ValidationFailed
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.kernel.orders.tables import Order
from galleria.kernel.payments.refunds import refund_order
from galleria.kernel.plugins import PluginHost
from galleria.kernel.review import history
from galleria.kernel.review.runner import APPROVED, REJECTED, gateway_for
from galleria.kernel.review.tables import OrderReview
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop


async def held_orders(tenant_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """Orders waiting in the queue, oldest first, with the reasons they were held."""
    async with db.shop_scope(tenant_id):
        rows = await (Order.select(Order.id, Order.number, Order.total, Order.currency,
                                   Order.contact, Order.payment_method, Order.created_at)
                      .where((Order.tenant == tenant_id)
                             & (Order.status == states.UNDER_REVIEW))
                      .order_by(Order.id).limit(limit))
        reviews = {r["order"]: r for r in await OrderReview.select().where(
            (OrderReview.tenant == tenant_id)
            & OrderReview.order.is_in([r["id"] for r in rows] or [0]))}
    return [{"number": r["number"], "total": r["total"], "currency": r["currency"],
             "contact_name": (history.parse_json(r["contact"]) or {}).get("name", ""),
             "payment_method": r["payment_method"], "placed_at": r["created_at"],
             "held_since": (reviews.get(r["id"]) or {}).get("started_at"),
             "reasons": _held_reasons(reviews.get(r["id"]))} for r in rows]


def _held_reasons(review: dict[str, Any] | None) -> list[str]:
    if review is None:
        return []
    return [r["reason"] for r in history.parse_json(review["reasons"]) or []
            if r.get("verdict") in ("hold", "reject") and r.get("reason")]


async def review_of(tenant_id: int, number: str) -> dict[str, Any]:
    """An order with its review record and the shopper's history, for the queue's detail."""
    async with db.shop_scope(tenant_id):
        row = await orders.get_order(tenant_id, number)
        view = await orders.order_view(tenant_id, row, staff=True)
        review = await _review_row(tenant_id, row["id"])
        view["history"] = await history.customer_history(tenant_id, row)
        view["earlier_orders"] = await history.earlier_orders(tenant_id, row)
    view["review"] = None if review is None else {
        "outcome": review["outcome"], "decided_by": review["decided_by"],
        "started_at": review["started_at"], "decided_at": review["decided_at"],
        "reasons": history.parse_json(review["reasons"]) or []}
    return view


async def _review_row(tenant_id: int, order_id: int) -> dict[str, Any] | None:
    return await OrderReview.select().where(
        (OrderReview.tenant == tenant_id) & (OrderReview.order == order_id)).first()


async def _pays_on_delivery(shop: Shop, host: PluginHost, method: str) -> bool:
    enabled = await enabled_plugins(shop.id)
    gateway = gateway_for(host, shop, enabled, method)
    return gateway is not None and gateway.pays_on_delivery


async def approve(shop: Shop, host: PluginHost, number: str, *, actor: str,
                  note: str = "") -> dict[str, Any]:
    """Approve a held order (or an unpaid cash-on-delivery one)."""
    async with db.shop_scope(shop.id):
        row = await _decidable(shop, host, number)
        await _record_decision(shop.id, row, APPROVED, actor, note.strip())
        return await orders.transition(shop.id, number, states.APPROVED, actor=actor,
                                       reason=note.strip() or "approved in the review queue")


async def reject(shop: Shop, host: PluginHost, number: str, *, actor: str,
                 reason: str) -> dict[str, Any]:
    """Reject a held order: cancelled (stock released) when unpaid; refunded when paid,
    through the payments service (Conflict until the shop's payments can refund)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A rejection needs a reason",
                               errors=[FieldError("reason", "required")])
    async with db.shop_scope(shop.id):
        row = await _decidable(shop, host, number)
        if row["paid_at"] is None:
            await _record_decision(shop.id, row, REJECTED, actor, reason)
            return await orders.transition(shop.id, number, states.CANCELLED, actor=actor,
                                           reason=f"rejected: {reason}")
    # The refund talks to the gateway (outside any transaction) and moves the order; the
    # decision is recorded once it went through, so a refused refund leaves it held.
    await refund_order(shop, host, number, row["total"] - row["refunded_total"], actor=actor,
                       reason=f"rejected: {reason}")
    async with db.shop_scope(shop.id):
        await _record_decision(shop.id, row, REJECTED, actor, reason)
        return await orders.get_order(shop.id, number)


async def _decidable(shop: Shop, host: PluginHost, number: str) -> dict[str, Any]:
    row = await orders.get_order(shop.id, number)
    if row["status"] == states.PENDING_PAYMENT and await _pays_on_delivery(
            shop, host, row["payment_method"]):
        return row
    if row["status"] != states.UNDER_REVIEW:
        raise orders.IllegalTransition(
            f"Order {number} is {row['status']}, not waiting for review",
            from_status=row["status"], to_status=states.APPROVED)
    return row


async def _record_decision(tenant_id: int, row: dict[str, Any], outcome: str, actor: str,
                           note: str) -> None:
    now = dt.datetime.now(dt.UTC)
    entry = {"rule": "merchant", "name": actor, "verdict": outcome, "reason": note}
    review = await _review_row(tenant_id, row["id"])
    if review is None:  # never reviewed automatically (a payment switched by hand)
        await OrderReview.insert(OrderReview(
            tenant=tenant_id, order=row["id"], outcome=outcome, reasons=[entry],
            decided_by=actor, started_at=now, decided_at=now))
        return
    reasons = [*(history.parse_json(review["reasons"]) or []), entry]
    await OrderReview.update({OrderReview.outcome: outcome, OrderReview.reasons: reasons,
                              OrderReview.decided_by: actor, OrderReview.decided_at: now}).where(
        (OrderReview.tenant == tenant_id) & (OrderReview.id == review["id"]))


__all__ = ["approve", "held_orders", "reject", "review_of"]
