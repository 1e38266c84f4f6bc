"""Cancelling lines of an order before they ship (a short pick, 缺货取消), and giving their
money back through the gateway that took it.

The apportioning rule (docs/aftersales.md):
- the cancelled units are refunded at their unit price, less their share of the order's
  item discounts (coupon, full-reduction, points…), shared in proportion to value;
- shares are computed on the running total of everything cancelled so far, so that
  rounding never drifts: all the cancellations of an order together refund exactly what
  cancelling it at once would;
- shipping is refunded only when the last unit is cancelled (nothing travels any more):
  that cancellation refunds whatever of the order's total is left, shipping included.

`cancel_lines` changes the lines, releases their reservation and records the cancellation
in one transaction, then emits `order.lines_cancelled`; the kernel's listener
`refund_cancellation` asks the gateway. The listener claims the cancellation's refund with
a conditional update first, so running it twice (a retry, two workers) refunds once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import Conflict, DomainError, FieldError, ValidationFailed
from galleria.kernel.events import Event, emit
from galleria.kernel.fulfilment.views import shipped_quantities
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.kernel.orders.aftersales_tables import LineCancellation
from galleria.kernel.orders.tables import Order, OrderAdjustment, OrderLine
from galleria.kernel.payments.refunds import refund_order
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import get_shop_by_id

log = logging.getLogger("galleria.orders")
TOPIC = "order.lines_cancelled"
# Lines can be cancelled while something of the order is still to ship.
CANCELLABLE = frozenset({states.PENDING_PAYMENT, states.PAID, states.UNDER_REVIEW,
                         states.APPROVED, states.FULFILLING, states.SHIPPED})
NONE, PENDING, REFUNDING, REFUNDED = "none", "pending", "refunding", "refunded"


class MoreThanUnshipped(Conflict):
    code, title = "more_than_unshipped", "More than is left to ship"


def _wanted(lines: Any) -> dict[int, int]:
    """{variant: quantity} from the request's lines; 422 for anything malformed."""
    if not isinstance(lines, list) or not lines:
        raise ValidationFailed("Name the lines to cancel",
                               errors=[FieldError("lines", "at least one line")])
    wanted: dict[int, int] = {}
    problems = []
    for i, item in enumerate(lines):
        variant = item.get("variant_id") if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        if type(variant) is not int:
            problems.append(FieldError(f"lines[{i}].variant_id", "a variant id"))
        elif type(quantity) is not int or quantity < 1:
            problems.append(FieldError(f"lines[{i}].quantity", "a whole number from 1"))
        else:
            wanted[variant] = wanted.get(variant, 0) + quantity
    if problems:
        raise ValidationFailed("These lines cannot be cancelled", errors=problems)
    return wanted


def refund_for(value: int, subtotal: int, items_net: int) -> int:
    """The refund owed for `value` (minor units at unit prices) of an order whose lines
    cost `subtotal` and, after item discounts, `items_net`: the value's proportional share,
    rounded down (the running-total rule makes the last cancellation square it)."""
    if subtotal <= 0:
        return 0
    return value * items_net // subtotal


async def _amount(tenant_id: int, order: dict[str, Any], lines: list[dict[str, Any]]) -> int:
    """What this cancellation refunds, by the rule in the module docstring. `lines` are
    the order's lines after this cancellation was applied."""
    before = await LineCancellation.select(LineCancellation.amount).where(
        (LineCancellation.tenant == tenant_id) & (LineCancellation.order == order["id"]))
    already = sum(row["amount"] for row in before)
    if all(line["cancelled_quantity"] >= line["quantity"] for line in lines):
        return max(order["total"] - already, 0)
    item_discounts = sum(row["amount"] for row in await OrderAdjustment.select(
        OrderAdjustment.amount).where(
        (OrderAdjustment.tenant == tenant_id) & (OrderAdjustment.order == order["id"])
        & (OrderAdjustment.target == "items")))
    value = sum(line["unit_price"] * line["cancelled_quantity"] for line in lines)
    owed = refund_for(value, order["subtotal"], order["subtotal"] + item_discounts)
    return max(owed - already, 0)


async def cancel_lines(tenant_id: int, number: str, lines: Any, *, reason: str,
                       actor: str) -> dict[str, Any]:
    """Cancel `lines` ([{variant_id, quantity}]) of order `number` that have not shipped.

    409 (MoreThanUnshipped) when a quantity is more than is left to ship of that line,
    422 for a variant that is not in the order. The reservation of the cancelled units is
    released; a paid order's refund is started (`order.lines_cancelled`, then the
    listener). Cancelling every unit of an unpaid order cancels the order. Returns the
    order row.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A cancellation needs a reason",
                               errors=[FieldError("reason", "required")])
    wanted = _wanted(lines)
    async with db.shop_scope(tenant_id):
        order = await orders.get_order(tenant_id, number)
        if order["status"] not in CANCELLABLE:
            raise states.IllegalTransition(
                f"Order {number} is {order['status']}: nothing of it can be cancelled",
                from_status=order["status"], to_status=order["status"])
        rows = {row["variant"]: row for row in await OrderLine.select().where(
            (OrderLine.tenant == tenant_id) & (OrderLine.order == order["id"]))}
        unknown = [v for v in wanted if v not in rows]
        if unknown:
            raise ValidationFailed("Not lines of this order", errors=[
                FieldError("lines", f"variant {v} is not in order {number}") for v in unknown])
        shipped = await shipped_quantities(tenant_id, order["id"])
        for variant, quantity in sorted(wanted.items()):
            left = (rows[variant]["quantity"] - rows[variant]["cancelled_quantity"]
                    - shipped.get(variant, 0))
            won = quantity <= left and await OrderLine.update({
                OrderLine.cancelled_quantity: OrderLine.cancelled_quantity + quantity}).where(
                (OrderLine.tenant == tenant_id) & (OrderLine.id == rows[variant]["id"])
                & (OrderLine.cancelled_quantity == rows[variant]["cancelled_quantity"])
            ).returning(OrderLine.id)
            if not won:
                raise MoreThanUnshipped(
                    f"Only {max(left, 0)} of {rows[variant]['sku']} are left to ship",
                    variant_id=variant, unshipped=max(left, 0))
            if order["stock_status"] == "reserved":
                await inventory.release(tenant_id, variant, quantity, reference=number,
                                        actor=actor, reason="lines cancelled",
                                        location=rows[variant]["location"])
        after = await OrderLine.select().where(
            (OrderLine.tenant == tenant_id) & (OrderLine.order == order["id"]))
        paid = order["paid_at"] is not None
        amount = await _amount(tenant_id, order, after) if paid else 0
        cancelled = [{"variant_id": v, "sku": rows[v]["sku"], "name": rows[v]["name"],
                      "unit_price": rows[v]["unit_price"], "quantity": q}
                     for v, q in sorted(wanted.items())]
        inserted = await LineCancellation.insert(LineCancellation(
            tenant=tenant_id, order=order["id"], order_number=number, lines=cancelled,
            reason=reason[:500], amount=amount, currency=order["currency"],
            refund_status=PENDING if amount > 0 else NONE, actor=actor[:120],
            created_at=dt.datetime.now(dt.UTC))).returning(LineCancellation.id)
        everything = all(line["cancelled_quantity"] >= line["quantity"] for line in after)
        summary = ", ".join(f"{line['sku']} ×{line['quantity']}" for line in cancelled)
        await orders.record_timeline(tenant_id, order["id"], order["status"], order["status"],
                                     actor, f"lines cancelled: {summary}: {reason}")
        await Order.update({Order.updated_at: dt.datetime.now(dt.UTC)}).where(
            (Order.tenant == tenant_id) & (Order.id == order["id"]))
        await emit(tenant_id, TOPIC, {
            "number": number, "cancellation_id": inserted[0]["id"], "lines": cancelled,
            "amount": amount, "currency": order["currency"], "reason": reason,
            "all_cancelled": everything, "customer_id": order["customer"],
            "coupon_code": order["coupon_code"] or None, "points": order["points"]})
        if everything and not paid:
            return await orders.transition(tenant_id, number, states.CANCELLED, actor=actor,
                                           reason=reason)
        return await orders.get_order(tenant_id, number)


async def cancellations_of(tenant_id: int, order_id: int) -> list[dict[str, Any]]:
    rows = await (LineCancellation.select().where(
        (LineCancellation.tenant == tenant_id) & (LineCancellation.order == order_id))
        .order_by(LineCancellation.id))
    return [{"id": row["id"], "lines": row["lines"], "reason": row["reason"],
             "amount": row["amount"], "currency": row["currency"],
             "refund_status": row["refund_status"],
             "created_at": row["created_at"].astimezone(dt.UTC).isoformat()} for row in rows]


async def refund_cancellation(event: Event, host: PluginHost) -> None:
    """Kernel listener of `order.lines_cancelled`: refund the cancellation through the
    order's gateway, once. Claimed (pending → refunding) before the gateway is asked; a
    gateway error puts it back to pending and raises, so the outbox retries it."""

    tenant_id, cancellation_id = event.tenant_id, event.payload["cancellation_id"]
    async with db.shop_scope(tenant_id):
        claimed = await LineCancellation.update({LineCancellation.refund_status: REFUNDING}).where(
            (LineCancellation.tenant == tenant_id) & (LineCancellation.id == cancellation_id)
            & (LineCancellation.refund_status == PENDING)).returning(
            LineCancellation.amount, LineCancellation.order_number, LineCancellation.reason)
    if not claimed:
        return  # nothing owed, or refunded (or being refunded) by an earlier run
    row = claimed[0]
    shop = await get_shop_by_id(tenant_id)
    try:
        refund = await refund_order(shop, host, row["order_number"], row["amount"],
                                    actor="job:refund_cancellation",
                                    reason=f"lines cancelled: {row['reason']}")
    except DomainError:
        async with db.shop_scope(tenant_id):
            await LineCancellation.update({LineCancellation.refund_status: PENDING}).where(
                (LineCancellation.tenant == tenant_id)
                & (LineCancellation.id == cancellation_id))
        raise
    async with db.shop_scope(tenant_id):
        await LineCancellation.update({LineCancellation.refund_status: REFUNDED,
                                       LineCancellation.refund_reference: refund["refund_id"]}
                                      ).where((LineCancellation.tenant == tenant_id)
                                              & (LineCancellation.id == cancellation_id))




CONTACT_CHANNELS = ("phone", "sms", "wechat", "email")
CONTACT_OUTCOMES = ("reached", "no_answer", "left_message", "waiting_reply")


async def log_contact(tenant_id: int, number: str, *, channel: str, outcome: str,
                      note: str = "", actor: str) -> dict[str, Any]:
    """Record an attempt to reach the shopper (before cancelling short lines, the merchant
    may ask whether they would wait) on the order's timeline. Returns the order row."""
    problems = []
    if channel not in CONTACT_CHANNELS:
        problems.append(FieldError("channel", " / ".join(CONTACT_CHANNELS)))
    if outcome not in CONTACT_OUTCOMES:
        problems.append(FieldError("outcome", " / ".join(CONTACT_OUTCOMES)))
    if problems:
        raise ValidationFailed("Say how and with what outcome", errors=problems)
    async with db.shop_scope(tenant_id):
        order = await orders.get_order(tenant_id, number)
        text = f"contact: {channel}, {outcome}" + (f": {note.strip()}" if note.strip() else "")
        await orders.record_timeline(tenant_id, order["id"], order["status"], order["status"],
                                     actor, text[:500])
        return order

__all__ = ["MoreThanUnshipped", "cancel_lines", "cancellations_of", "log_contact",
           "refund_cancellation",
           "refund_for"]
