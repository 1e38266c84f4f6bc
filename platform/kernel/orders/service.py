"""Orders: reading them, moving them through the state machine, recording refunds.

Every function takes the shop's `tenant_id` and runs inside `shop_scope(tenant_id)` (the
ones that write open it themselves; a scope already open for the shop is joined). Orders are
created by `galleria.kernel.checkout.placement.place_order`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import Conflict, NotFound, ValidationFailed
from galleria.kernel.events import emit
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import states
from galleria.kernel.orders.states import IllegalTransition, check_transition
from galleria.kernel.orders.tables import Order, OrderAdjustment, OrderLine, TimelineEntry


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _time(value: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC (`2026-11-23T07:46:13.023078+00:00`): JSON-able as it is."""
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def get_order(tenant_id: int, number: str) -> dict[str, Any]:
    row = await Order.select().where(
        (Order.tenant == tenant_id) & (Order.number == str(number)[:20])).first()
    if row is None:
        raise NotFound(f"No order {number} in this shop")
    return row


async def find_for_guest(tenant_id: int, number: str, access_token: str | None) -> dict:
    """The order whose access token is `access_token`. A wrong or missing token is the same
    NotFound as a missing order: nobody learns that an order number exists."""
    if not access_token or len(access_token) > 100:
        raise NotFound(f"No order {number} in this shop")
    row = await Order.select().where(
        (Order.tenant == tenant_id) & (Order.number == str(number)[:20])
        & (Order.access_token_hash == hash_token(access_token))).first()
    if row is None:
        raise NotFound(f"No order {number} in this shop")
    return row


async def record_timeline(tenant_id: int, order_id: int, from_status: str, to_status: str,
                          actor: str, reason: str = "") -> dict[str, Any]:
    """Write a timeline entry; returns its row."""
    rows = await TimelineEntry.raw(_INSERT_TIMELINE, tenant_id, order_id, from_status,
                                   to_status, actor[:120], reason[:500],
                                   dt.datetime.now(dt.UTC))
    return rows[0]


# Written once (every order writes one or more: issue 14), all columns as piccolo gave them.
_INSERT_TIMELINE = ('INSERT INTO order_timeline (tenant, "order", from_status, to_status, '
                    "actor, reason, created_at) VALUES ({}, {}, {}, {}, {}, {}, {}) "
                    "RETURNING *")


def _day(value: Any) -> str | None:
    """A DATE column as YYYY-MM-DD (SQLite may hand back the text already)."""
    return value.isoformat() if isinstance(value, dt.date) else (value or None)


async def order_view(tenant_id: int, row: dict[str, Any], *, staff: bool) -> dict[str, Any]:
    """An order with lines, adjustments, totals and timeline; `staff` adds what only the
    merchant sees (actors, stock status, payments and shipments)."""
    lines = await (OrderLine.select().where(
        (OrderLine.tenant == tenant_id) & (OrderLine.order == row["id"])).order_by(OrderLine.id))
    adjustments = await (OrderAdjustment.select().where(
        (OrderAdjustment.tenant == tenant_id) & (OrderAdjustment.order == row["id"]))
        .order_by(OrderAdjustment.id))
    timeline = await (TimelineEntry.select().where(
        (TimelineEntry.tenant == tenant_id) & (TimelineEntry.order == row["id"]))
        .order_by(TimelineEntry.id))
    return await view_of(tenant_id, row, lines, adjustments, timeline, staff=staff)


async def view_of(tenant_id: int, row: dict[str, Any], lines: list[dict[str, Any]],
                  adjustments: list[dict[str, Any]], timeline: list[dict[str, Any]], *,
                  staff: bool, new: bool = False) -> dict[str, Any]:
    """`order_view` of rows the caller has already (each list in id order): placing an
    order builds its view from what it has just written instead of reading it back.
    `new`: the order was written in this transaction a moment ago, so the sections that
    say what they are for such an order (NEW_ORDER_SECTIONS) are not read either."""
    view = {
        "number": row["number"], "status": row["status"], "currency": row["currency"],
        "subtotal": row["subtotal"], "shipping_fee": row["shipping_fee"],
        "discount_total": row["discount_total"], "total": row["total"],
        "refunded_total": row["refunded_total"],
        "contact": _json(row["contact"]), "address": _json(row["address"]),
        "shipping_method": row["shipping_method"] or None,
        "payment_method": row["payment_method"], "coupon_code": row["coupon_code"] or None,
        "points": row["points"], "note": row["note"], "invoice": _json(row["invoice"]),
        "requested_delivery_date": _day(row.get("requested_delivery_date")),
        "created_at": _time(row["created_at"]),
        "payment_due_at": _time(row["payment_due_at"]), "paid_at": _time(row["paid_at"]),
        "cancelled_at": _time(row["cancelled_at"]),
        "lines": [{"variant_id": line["variant"], "sku": line["sku"], "name": line["name"],
                   "options": _json(line["options"]), "unit_price": line["unit_price"],
                   "quantity": line["quantity"], "line_total": line["line_total"],
                   "cancelled_quantity": line["cancelled_quantity"],
                   "location": line["location"]}  # the 门店/仓库 it ships from
                  for line in lines],
        "adjustments": [{"source": a["source"], "code": a["code"], "label": a["label"],
                         "target": a["target"], "amount": a["amount"]} for a in adjustments],
        "timeline": [_entry(entry, staff) for entry in timeline],
    }
    if staff:
        view.update(customer_id=row["customer"], stock_status=row["stock_status"],
                    channel=row["channel"], external_id=row["external_id"])
    for key, section in (STAFF_SECTIONS if staff else SHOPPER_SECTIONS).items():
        if new and key in NEW_ORDER_SECTIONS:
            view[key] = NEW_ORDER_SECTIONS[key]()
        else:
            view[key] = await section(tenant_id, row["id"])
    return view


# Parts of the order view that the areas built on orders contribute (payments, shipments:
# `{"payments": payments_of}`), each `await section(tenant_id, order_id)`. They register
# themselves in galleria.kernel.reactions, so that orders imports none of them.
OrderSection = Callable[[int, int], Awaitable[Any]]
STAFF_SECTIONS: dict[str, OrderSection] = {}
SHOPPER_SECTIONS: dict[str, OrderSection] = {}
# What a section is for an order written a moment ago in the same transaction, to which
# nothing has happened yet (no payment, no parcel): `{"tracking": list}`, called for a
# fresh value. Placing answers with it instead of reading the section (issue 14).
NEW_ORDER_SECTIONS: dict[str, Callable[[], Any]] = {}
# The units an order's parcels took out of stock so far, by variant (fulfilment's
# shipments): `await source(tenant_id, order_id)`, registered in galleria.kernel.reactions
# too. A cancelled or refunded order releases only what is still reserved.
SHIPPED_UNITS: list[Callable[[int, int], Awaitable[dict[int, int]]]] = []


def _entry(entry: dict[str, Any], staff: bool) -> dict[str, Any]:
    shown = {"from_status": entry["from_status"] or None, "to_status": entry["to_status"],
             "reason": entry["reason"], "at": _time(entry["created_at"])}
    if staff:
        shown["actor"] = entry["actor"]
    return shown


async def transition(tenant_id: int, number: str, to: str, *, actor: str, reason: str = "",
                     details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Move order `number` to `to`, if the transition table allows it from its state.

    One conditional UPDATE (`WHERE status = <from>`), so of two concurrent transitions only
    one wins; the other raises IllegalTransition naming the state it found. Writes the
    timeline entry, returns or ships reserved stock where the state says so, and emits
    `order.<to>` for the states that have an event hook (`details` join its payload).
    Returns the updated order row.
    """
    async with db.shop_scope(tenant_id):
        order = await get_order(tenant_id, number)
        check_transition(order["status"], to)
        now = dt.datetime.now(dt.UTC)
        values: dict[Any, Any] = {Order.status: to, Order.updated_at: now}
        if to == states.PAID:
            values[Order.paid_at] = now
        elif to == states.CANCELLED:
            values[Order.cancelled_at] = now
        elif to == states.REFUNDED:
            values[Order.refunded_total] = order["total"]
        won = await Order.update(values).where(
            (Order.tenant == tenant_id) & (Order.id == order["id"])
            & (Order.status == order["status"])).returning(Order.id)
        if not won:
            current = await get_order(tenant_id, number)
            raise IllegalTransition(
                f"Order {number} changed meanwhile: it is {current['status']} now and cannot "
                f"become {to} from there" if not states.can_transition(current["status"], to)
                else f"Order {number} changed meanwhile (now {current['status']}); try again",
                from_status=current["status"], to_status=to)
        await record_timeline(tenant_id, order["id"], order["status"], to, actor, reason)
        await _move_stock(tenant_id, order, to, actor)
        if to in states.EVENTS:
            await emit(tenant_id, states.EVENTS[to], _payload(order, to, reason, details))
        return await get_order(tenant_id, number)


async def _move_stock(tenant_id: int, order: dict[str, Any], to: str, actor: str) -> None:
    """Cancelled or refunded: release what is still reserved — each line's quantity less
    what was shipped or cancelled line by line before. Shipping moves no stock here: each
    parcel takes exactly its own lines out (fulfilment.service.ship), so a partial shipment
    leaves the rest reserved."""
    if to not in (states.CANCELLED, states.REFUNDED):
        return
    claimed = await Order.update({Order.stock_status: "released"}).where(
        (Order.tenant == tenant_id) & (Order.id == order["id"])
        & (Order.stock_status == "reserved")).returning(Order.id)
    if not claimed:
        return  # released or shipped before
    shipped: dict[int, int] = {}
    for source in SHIPPED_UNITS:
        for variant, units in (await source(tenant_id, order["id"])).items():
            shipped[variant] = shipped.get(variant, 0) + units
    lines = await (OrderLine.select(OrderLine.variant, OrderLine.quantity,
                                    OrderLine.cancelled_quantity, OrderLine.location).where(
        (OrderLine.tenant == tenant_id) & (OrderLine.order == order["id"]))
        .order_by(OrderLine.variant))
    for line in lines:
        held = line["quantity"] - line["cancelled_quantity"] - shipped.get(line["variant"], 0)
        if held > 0:
            await inventory.release(tenant_id, line["variant"], held,
                                    reference=order["number"], actor=actor, reason=to,
                                    location=line["location"])


def _payload(order: dict[str, Any], to: str, reason: str,
             details: dict[str, Any] | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"number": order["number"], "from_status": order["status"],
                               "status": to, "currency": order["currency"]}
    if to == states.PAID:
        payload.update(amount=order["total"], gateway=order["payment_method"])
    elif to == states.SHIPPED:
        payload.update(carrier="", tracking_number="")
    elif to == states.CANCELLED:
        payload.update(reason=reason)
    elif to == states.REFUNDED:
        payload.update(amount=order["total"] - order["refunded_total"], full=True)
    payload.update(details or {})
    return payload


async def cancel_order(tenant_id: int, number: str, *, actor: str, reason: str) -> dict:
    """Cancel an unpaid order and release its stock. A paid order is refunded instead
    (its money goes back with the stock), so cancelling one is refused."""
    if not reason or not reason.strip():
        raise ValidationFailed("A cancellation needs a reason")
    async with db.shop_scope(tenant_id):
        order = await get_order(tenant_id, number)
        if order["paid_at"] is not None:
            raise IllegalTransition(f"Order {number} is paid: refund it instead of cancelling",
                                    from_status=order["status"], to_status=states.CANCELLED)
        return await transition(tenant_id, number, states.CANCELLED, actor=actor,
                                reason=reason.strip())


async def record_refund(tenant_id: int, number: str, amount: int, *, actor: str,
                        reason: str = "") -> dict[str, Any]:
    """Record money refunded (by a gateway, or by hand). A partial refund keeps the order's
    state, with a timeline entry and an `order.refunded` event (`full: false`); the refund
    that brings the refunded total to the order total moves it to `refunded`."""
    if type(amount) is not int or amount <= 0:
        raise ValidationFailed("A refund is a whole number of minor units above 0")
    async with db.shop_scope(tenant_id):
        order = await get_order(tenant_id, number)
        check_transition(order["status"], states.REFUNDED)
        rows = await Order.raw(
            "UPDATE shop_order SET refunded_total = refunded_total + {} "
            "WHERE tenant = {} AND id = {} AND status = {} AND refunded_total + {} <= total "
            "RETURNING refunded_total, total", amount, tenant_id, order["id"], order["status"],
            amount)
        if not rows:
            raise Conflict(f"Refunding {amount} would exceed what order {number} was paid, "
                           f"or the order changed meanwhile", number=number)
        if rows[0]["refunded_total"] == rows[0]["total"]:
            return await transition(tenant_id, number, states.REFUNDED, actor=actor,
                                    reason=reason, details={"amount": amount, "full": True})
        await Order.update({Order.updated_at: dt.datetime.now(dt.UTC)}).where(
            Order.id == order["id"])
        await record_timeline(tenant_id, order["id"], order["status"], order["status"], actor,
                              f"partial refund of {amount}" + (f": {reason}" if reason else ""))
        await emit(tenant_id, "order.refunded", {
            "number": number, "amount": amount, "currency": order["currency"], "full": False})
        return await get_order(tenant_id, number)


__all__ = ["IllegalTransition", "cancel_order", "find_for_guest", "get_order", "hash_token",
           "order_view", "record_refund", "record_timeline", "transition", "view_of"]
