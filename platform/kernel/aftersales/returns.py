"""Returns and exchanges (售后): a shopper asks to send delivered units back, the merchant
approves (with the return address) or rejects (with a reason), the shopper ships them back
with a tracking number, the merchant receives and inspects them — restocking or writing off
each unit — then refunds (a return) or ships the replacement (an exchange).

    requested ─► approved ─► (shipped_back ─►) received ─► refunded | replacement_shipped
        └─► rejected

The window (docs/aftersales.md): `return_window_days` after delivery (default 7) for any
reason on returnable products; `quality_window_days` (default 15) for a quality problem,
also on products marked not returnable, and then the shop pays the return shipping. Every
step is a conditional update of the request's status (a double click changes it once), an
entry on the order's timeline and an `order.return_updated` event (notifications).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel.aftersales.cancellation import refund_for
from galleria.kernel.catalog.common import json_value as _json
from galleria.kernel.catalog.images import check_photos, photo_view
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from galleria.kernel.events import emit
from galleria.kernel.fulfilment.tables import Shipment
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders import service as orders
from galleria.kernel.orders.aftersales_tables import ProductAftersales, ReturnRequest
from galleria.kernel.orders.tables import OrderAdjustment, OrderLine
from galleria.kernel.service import tickets
from galleria.kernel.tenancy.shops import Shop

KINDS = ("return", "exchange")
REASONS = ("no_reason", "quality", "wrong_item", "damaged")
SHOP_FAULT = frozenset({"quality", "wrong_item", "damaged"})  # the shop pays shipping back
REQUESTED, APPROVED, REJECTED = "requested", "approved", "rejected"
SHIPPED_BACK, RECEIVED = "shipped_back", "received"
REFUNDING, REFUNDED, REPLACEMENT_SHIPPED = "refunding", "refunded", "replacement_shipped"
OPEN = (REQUESTED, APPROVED, SHIPPED_BACK, RECEIVED, REFUNDING)
STATUSES = (*OPEN, REJECTED, REFUNDED, REPLACEMENT_SHIPPED)
TOPIC = "order.return_updated"
DEFAULT_WINDOW_DAYS, DEFAULT_QUALITY_DAYS = 7, 15


class ReturnNotAllowed(ValidationFailed):
    code, title = "return_not_allowed", "This cannot be returned"


class ReturnStateConflict(Conflict):
    code, title = "return_state", "The return is not at that step"


def windows(shop: Shop) -> tuple[int, int]:
    """(days for any reason, days for a quality problem) after delivery."""
    def days(key: str, default: int) -> int:
        value = shop.settings.get(key, default)
        return value if type(value) is int and 0 <= value <= 365 else default
    return days("return_window_days", DEFAULT_WINDOW_DAYS), days("quality_window_days",
                                                                 DEFAULT_QUALITY_DAYS)


def view(row: dict[str, Any], *, staff: bool = False) -> dict[str, Any]:
    def at(value: dt.datetime | None) -> str | None:
        return value.astimezone(dt.UTC).isoformat() if value else None
    shown = {"id": row["id"], "order_number": row["order_number"], "kind": row["kind"],
             "status": row["status"], "lines": _json(row["lines"]), "reason": row["reason"],
             "note": row["note"], "photos": [photo_view(str(key))
                                             for key in _json(row["photos"]) or []],
             "return_address": row["return_address"], "reject_reason": row["reject_reason"],
             "carrier": row["carrier"], "tracking_number": row["tracking_number"],
             "refund_amount": row["refund_amount"], "currency": row["currency"],
             "shop_pays_return_shipping": row["shop_pays_return_shipping"],
             "timeline": _json(row["history"]), "created_at": at(row["created_at"]),
             "updated_at": at(row["updated_at"])}
    if not staff:
        for entry in shown["timeline"]:
            entry.pop("actor", None)
    return shown


async def _delivered(tenant_id: int, order_id: int) -> tuple[dict[int, int], dt.datetime | None]:
    """({variant: units delivered}, when the last of them was delivered)."""
    units: dict[int, int] = {}
    last = None
    for row in await Shipment.select(Shipment.lines, Shipment.delivered_at).where(
            (Shipment.tenant == tenant_id) & (Shipment.order == order_id)
            & Shipment.delivered_at.is_not_null()):
        for line in _json(row["lines"]):
            units[line["variant_id"]] = units.get(line["variant_id"], 0) + line["quantity"]
        last = max(last, row["delivered_at"]) if last else row["delivered_at"]
    return units, last


async def _asked_before(tenant_id: int, order_id: int) -> dict[int, int]:
    """Units already in this order's returns that were not rejected."""
    asked: dict[int, int] = {}
    for row in await ReturnRequest.select(ReturnRequest.lines).where(
            (ReturnRequest.tenant == tenant_id) & (ReturnRequest.order == order_id)
            & (ReturnRequest.status != REJECTED)):
        for line in _json(row["lines"]):
            asked[line["variant_id"]] = asked.get(line["variant_id"], 0) + line["quantity"]
    return asked


async def not_returnable(tenant_id: int, variant_ids: list[int]) -> set[int]:
    """The variants among `variant_ids` whose product the merchant marked not returnable."""
    if not variant_ids:
        return set()
    products = {row["id"]: row["product"] for row in await Variant.select(
        Variant.id, Variant.product).where(
        (Variant.tenant == tenant_id) & Variant.id.is_in(variant_ids))}
    if not products:
        return set()
    closed = {row["product"] for row in await ProductAftersales.select(
        ProductAftersales.product).where(
        (ProductAftersales.tenant == tenant_id)
        & ProductAftersales.product.is_in(list(set(products.values())))
        & (ProductAftersales.returnable == False))}  # noqa: E712 - SQL, not Python
    return {variant for variant, product in products.items() if product in closed}


def _entry(status: str, actor: str, note: str = "") -> dict[str, Any]:
    return {"status": status, "at": dt.datetime.now(dt.UTC).isoformat(), "actor": actor[:120],
            "note": note[:500]}


async def request_return(shop: Shop, order: dict[str, Any], *, kind: str, lines: Any,
                         reason: str = "", note: str = "", photos: list[str] | None = None,
                         actor: str) -> dict[str, Any]:
    """The shopper asks to return or exchange delivered `lines` of `order` (a row). 422
    (ReturnNotAllowed) outside the window, for units not delivered (or already asked
    for), or for a product not returnable without a quality problem."""
    reason = reason or "no_reason"
    problems = []
    if kind not in KINDS:
        problems.append(FieldError("kind", "return or exchange"))
    if reason not in REASONS:
        problems.append(FieldError("reason", " / ".join(REASONS)))
    if not isinstance(lines, list) or not lines:
        problems.append(FieldError("lines", "at least one line"))
    if problems:
        raise ValidationFailed("This request is incomplete", errors=problems)
    tenant_id = shop.id
    photos = check_photos(tenant_id, "returns", photos)
    delivered, delivered_at = await _delivered(tenant_id, order["id"])
    any_days, quality_days = windows(shop)
    days = quality_days if reason in SHOP_FAULT else any_days
    now = dt.datetime.now(dt.UTC)
    if delivered_at is None:
        raise ReturnNotAllowed("Nothing of this order has been delivered yet",
                               errors=[FieldError("lines", "not delivered yet")])
    if now > delivered_at + dt.timedelta(days=days):
        raise ReturnNotAllowed(
            f"Returns are accepted within {days} days of delivery",
            errors=[FieldError("lines", f"more than {days} days since delivery")],
            window_days=days)
    rows = {row["variant"]: row for row in await OrderLine.select().where(
        (OrderLine.tenant == tenant_id) & (OrderLine.order == order["id"]))}
    asked = await _asked_before(tenant_id, order["id"])
    closed = await not_returnable(tenant_id, list(rows))
    wanted: dict[int, int] = {}
    for i, item in enumerate(lines):
        variant = item.get("variant_id") if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        left = delivered.get(variant, 0) - asked.get(variant, 0) - wanted.get(variant, 0)
        if variant not in rows:
            problems.append(FieldError(f"lines[{i}].variant_id", "not a line of this order"))
        elif variant in closed and reason not in SHOP_FAULT:
            problems.append(FieldError(f"lines[{i}].variant_id",
                                       "not returnable (only for a quality problem)"))
        elif type(quantity) is not int or not 1 <= quantity <= left:
            problems.append(FieldError(f"lines[{i}].quantity",
                                       f"1 to {max(left, 0)} (delivered, not yet returned)"))
        else:
            wanted[variant] = wanted.get(variant, 0) + quantity
    if problems:
        raise ReturnNotAllowed("These lines cannot be returned", errors=problems)
    copied = [{"variant_id": v, "sku": rows[v]["sku"], "name": rows[v]["name"],
               "unit_price": rows[v]["unit_price"], "quantity": q, "received": 0,
               "restocked": 0} for v, q in sorted(wanted.items())]
    inserted = await ReturnRequest.insert(ReturnRequest(
        tenant=tenant_id, order=order["id"], order_number=order["number"], kind=kind,
        status=REQUESTED, lines=copied, reason=reason, note=(note or "")[:2000],
        photos=photos, currency=order["currency"],
        shop_pays_return_shipping=reason in SHOP_FAULT,
        history=[_entry(REQUESTED, actor, note or "")], created_at=now, updated_at=now,
    )).returning(ReturnRequest.id)
    row = await get_return(tenant_id, inserted[0]["id"])
    await _announce(tenant_id, row, REQUESTED, "", actor, f"{kind} requested")
    # The request opens its ticket, so the conversation about it has a place.
    summary = ", ".join(f"{line['sku']} ×{line['quantity']}" for line in copied)
    await tickets.open_ticket(
        tenant_id, kind="return", subject=f"#{row['id']}", body=(note or "").strip() or summary,
        actor=actor, customer_id=order["customer"], order_number=order["number"],
        return_id=row["id"], contact=_json(order["contact"]) or {})
    return row


async def get_return(tenant_id: int, return_id: int, *,
                     order_id: int | None = None) -> dict[str, Any]:
    query = ReturnRequest.select().where(
        (ReturnRequest.tenant == tenant_id) & (ReturnRequest.id == return_id))
    if order_id is not None:
        query = query.where(ReturnRequest.order == order_id)
    row = await query.first()
    if row is None:
        raise NotFound(f"No return request {return_id} in this shop")
    return row


async def returns_of(tenant_id: int, order_id: int) -> list[dict[str, Any]]:
    return await (ReturnRequest.select().where(
        (ReturnRequest.tenant == tenant_id) & (ReturnRequest.order == order_id))
        .order_by(ReturnRequest.id))


async def list_returns(tenant_id: int, status: str | None = None,
                       limit: int = 100) -> list[dict[str, Any]]:
    query = ReturnRequest.select().where(ReturnRequest.tenant == tenant_id)
    if status:
        query = query.where(ReturnRequest.status == status)
    return await query.order_by(ReturnRequest.id, ascending=False).limit(limit)


async def _announce(tenant_id: int, row: dict[str, Any], status: str, previous: str,
                    actor: str, what: str) -> None:
    order = await orders.get_order(tenant_id, row["order_number"])
    await orders.record_timeline(tenant_id, order["id"], order["status"], order["status"],
                                 actor, f"return #{row['id']}: {what}")
    if status == REFUNDING:
        return  # the refund's own `order.refunded` tells, and `refunded` follows at once
    await emit(tenant_id, TOPIC, {
        "number": row["order_number"], "return_id": row["id"], "kind": row["kind"],
        "status": status, "from_status": previous or None,
        "amount": row["refund_amount"], "currency": row["currency"],
        "reason": row["reject_reason"] if status == REJECTED else row["reason"]})


async def advance(tenant_id: int, return_id: int, *, expected: tuple[str, ...], to: str,
                  actor: str, note: str = "", what: str = "", order_id: int | None = None,
                  **values: Any) -> dict[str, Any]:
    """Move the request from one of `expected` to `to` with `values`, once: a conditional
    update, so of two clicks one wins and the other is told the step is done."""
    row = await get_return(tenant_id, return_id, order_id=order_id)
    if row["status"] not in expected:
        raise ReturnStateConflict(
            f"Return {return_id} is {row['status']}; this step needs it "
            f"{' or '.join(expected)}", return_status=row["status"])
    history = [*_json(row["history"]), _entry(to, actor, note)]
    changes = {ReturnRequest.status: to, ReturnRequest.history: history,
               ReturnRequest.updated_at: dt.datetime.now(dt.UTC)}
    changes.update({getattr(ReturnRequest, k): v for k, v in values.items()})
    won = await ReturnRequest.update(changes).where(
        (ReturnRequest.tenant == tenant_id) & (ReturnRequest.id == return_id)
        & (ReturnRequest.status == row["status"])).returning(ReturnRequest.id)
    if not won:
        raise ReturnStateConflict(f"Return {return_id} changed meanwhile; reload it")
    updated = await get_return(tenant_id, return_id)
    await _announce(tenant_id, updated, to, row["status"], actor, what or to)
    return updated


async def refundable_amount(tenant_id: int, order: dict[str, Any],
                            lines: list[dict[str, Any]]) -> int:
    """What returning `lines` gives back by default: their value less their share of item
    discounts (the rule of cancellation.py); when this brings every unit of the order back
    (returned or cancelled), the order's whole remaining total, shipping included."""
    order_lines = await OrderLine.select().where(
        (OrderLine.tenant == tenant_id) & (OrderLine.order == order["id"]))
    returned: dict[int, int] = {}
    for row in await returns_of(tenant_id, order["id"]):
        if row["status"] in (REFUNDED,):
            for line in _json(row["lines"]):
                returned[line["variant_id"]] = returned.get(line["variant_id"], 0) + line[
                    "quantity"]
    for line in lines:
        returned[line["variant_id"]] = returned.get(line["variant_id"], 0) + line["quantity"]
    left = order["total"] - order["refunded_total"]
    if all(returned.get(ol["variant"], 0) + ol["cancelled_quantity"] >= ol["quantity"]
           for ol in order_lines):
        return left
    discounts = sum(row["amount"] for row in await OrderAdjustment.select(
        OrderAdjustment.amount).where(
        (OrderAdjustment.tenant == tenant_id) & (OrderAdjustment.order == order["id"])
        & (OrderAdjustment.target == "items")))
    value = sum(line["unit_price"] * line["quantity"] for line in lines)
    return min(refund_for(value, order["subtotal"], order["subtotal"] + discounts), left)


async def receive(tenant_id: int, return_id: int, lines: list[dict[str, Any]], *,
                  actor: str) -> dict[str, Any]:
    """The parcel came back: each unit is restocked (a `return` ledger entry) or written
    off (a `write_off` entry: it stays out of stock). Lines not named are received in
    full and restocked."""
    row = await get_return(tenant_id, return_id)
    asked = {line["variant_id"]: line for line in _json(row["lines"])}
    told = {}
    for i, item in enumerate(lines or []):
        variant, quantity = item.get("variant_id"), item.get("quantity")
        if variant not in asked or type(quantity) is not int or not (
                0 <= quantity <= asked[variant]["quantity"]):
            raise ValidationFailed("These lines are not in this return", errors=[
                FieldError(f"lines[{i}]", "a variant of the return, 0 to its quantity")])
        told[variant] = (quantity, bool(item.get("restock", True)))
    received = []
    for variant, line in asked.items():
        quantity, restock = told.get(variant, (line["quantity"], True))
        received.append({**line, "received": quantity, "restocked": quantity if restock else 0})
    updated = await advance(tenant_id, return_id, expected=(APPROVED, SHIPPED_BACK),
                            to=RECEIVED, actor=actor, what="received", lines=received)
    shipped_from = await _shipped_from(tenant_id, row["order"])
    for line in received:
        location = shipped_from.get(line["variant_id"], inventory.DEFAULT_LOCATION)
        if line["restocked"]:
            await inventory.restock(tenant_id, line["variant_id"], line["restocked"],
                                    reference=row["order_number"], actor=actor,
                                    reason=f"return #{return_id}", location=location)
        if line["received"] - line["restocked"] > 0:
            await inventory.write_off(tenant_id, line["variant_id"],
                                      line["received"] - line["restocked"],
                                      reference=row["order_number"], actor=actor,
                                      reason=f"return #{return_id}: not resellable",
                                      location=location)
    return updated


async def _shipped_from(tenant_id: int, order_id: int) -> dict[int, str]:
    """{variant id: the location its line shipped from} — returned units go back there."""
    rows = await OrderLine.select(OrderLine.variant, OrderLine.location).where(
        (OrderLine.tenant == tenant_id) & (OrderLine.order == order_id))
    return {row["variant"]: row["location"] or inventory.DEFAULT_LOCATION for row in rows}


__all__ = ["KINDS", "REASONS", "STATUSES", "ReturnNotAllowed", "ReturnStateConflict", "advance",
           "get_return", "list_returns", "not_returnable", "receive", "refundable_amount",
           "request_return", "returns_of", "view", "windows"]
