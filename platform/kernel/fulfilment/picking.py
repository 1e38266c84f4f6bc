"""Pick lists: gather approved orders, plan which lot each unit comes from, walk the shelves.

A pick list holds orders that are approved (or fulfilling) and not on another list. Its
lines are planned when it is made: each order line's units are split over the variant's
lots first-expiry-first-out (expired lots and units other open lists already hold are left
out; units kept outside lots come last) and sorted into a walking route by shelf location.
Making a list starts fulfilling its orders (approved → fulfilling).

Two ways to pick (`mode`): `order` (摘果) — one order at a time, each scan names the order;
`wave` (播种) — the whole list at once, and each scan says which order's basket the units go
into. Scans are checked here, on the server (`picking_scan.scan`); the screen only shows it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import Variant
from galleria.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from galleria.kernel.fulfilment.picking_tables import PickLine, PickList
from galleria.kernel.fulfilment.service import find_method
from galleria.kernel.inventory.tables import Lot
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.kernel.orders.tables import Order, OrderLine
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import Membership, PlatformUser

MODES = ("order", "wave")
WAITING = (states.APPROVED, states.FULFILLING)
MAX_ORDERS = 200  # orders on one list: a walk a person can make


def route_key(shelf: str, sku: str) -> tuple:
    """Shelf locations in walking order: A-2 before A-10 (numbers compare as numbers);
    variants without a shelf location come last."""
    parts = [(0, int(p), "") if p.isdigit() else (1, 0, p.upper())
             for p in re.findall(r"\d+|[^\d\W]+", shelf)]
    return (not shelf, parts, sku)


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


async def _candidates(tenant_id: int, numbers: list[str] | None, method: str | None,
                      location: str | None = None) -> list[dict[str, Any]]:
    """Orders waiting for shipment that no pick list holds yet, oldest first; with
    `location`, those with every line at that location (门店/仓库)."""
    query = Order.select(Order.id, Order.number, Order.status, Order.shipping_method).where(
        (Order.tenant == tenant_id) & Order.status.is_in(list(WAITING)))
    if numbers:
        query = query.where(Order.number.is_in([str(n)[:20] for n in numbers]))
    if method:
        query = query.where(Order.shipping_method == method)
    if location is not None:
        elsewhere = OrderLine.select(OrderLine.order).where(
            (OrderLine.tenant == tenant_id) & (OrderLine.location != location))
        query = query.where(Order.id.not_in(elsewhere))
    rows = await query.order_by(Order.paid_at).order_by(Order.id).limit(MAX_ORDERS * 2)
    held = {row["order"] for row in await PickLine.select(PickLine.order).where(
        (PickLine.tenant == tenant_id) & PickLine.order.is_in([r["id"] for r in rows] or [0]))}
    return [row for row in rows if row["id"] not in held][:MAX_ORDERS]


async def _lots_free(tenant_id: int, variants: list[int],
                     today: dt.date) -> dict[tuple[int, str], list[dict[str, Any]]]:
    """Each variant's unexpired lots at each location, soonest expiry first, less what
    open lists hold; by (variant, location)."""
    lots = await Lot.select(Lot.id, Lot.variant, Lot.location, Lot.code, Lot.expires_on,
                            Lot.quantity).where(
        (Lot.tenant == tenant_id) & Lot.variant.is_in(variants or [0]) & (Lot.quantity > 0))
    held: dict[int, int] = defaultdict(int)
    for row in await PickLine.select(PickLine.lot, PickLine.quantity).where(
            (PickLine.tenant == tenant_id) & PickLine.lot.is_not_null()
            & (PickLine.order.stock_status == "reserved")):
        held[row["lot"]] += row["quantity"]
    out: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for lot in sorted(lots, key=lambda r: (r["expires_on"] is None,
                                           r["expires_on"] or dt.date.max, r["id"])):
        if lot["expires_on"] is not None and lot["expires_on"] < today:
            continue
        free = lot["quantity"] - held[lot["id"]]
        if free > 0:
            out[(lot["variant"], lot["location"])].append({**lot, "free": free})
    return out


def _split(quantity: int, lots: list[dict[str, Any]]) -> list[tuple[dict | None, int]]:
    """Take `quantity` from `lots` in order (mutating their `free`); the rest outside lots."""
    parts: list[tuple[dict | None, int]] = []
    for lot in lots:
        if quantity == 0:
            break
        take = min(quantity, lot["free"])
        if take > 0:
            lot["free"] -= take
            parts.append((lot, take))
            quantity -= take
    if quantity:
        parts.append((None, quantity))
    return parts


async def waiting_slots(shop: Shop, host: PluginHost) -> dict[str, list[str]]:
    """{delivery slot: numbers of its waiting orders}, slots in time order, for the orders
    no pick list holds yet whose shipping method has slots (same-city delivery):
    `ShippingMethod.delivery_slot` names each order's."""
    methods: dict[str, Any] = {}
    slots: dict[str, list[str]] = defaultdict(list)
    async with db.shop_scope(shop.id):  # the shop's plugins and bookings are behind RLS
        for order in await _candidates(shop.id, None, None):
            code = order["shipping_method"] or ""
            if code not in methods:
                methods[code] = await find_method(shop, host, code) if code else None
            slot = (await methods[code].delivery_slot(shop, order["number"])
                    if methods[code] is not None else None)
            if slot:
                slots[slot].append(order["number"])
    return dict(sorted(slots.items()))


async def create_pick_list(tenant_id: int, *, actor: str, mode: str = "order",
                           numbers: list[str] | None = None, method: str | None = None,
                           label: str = "", today: dt.date | None = None,
                           location: str | None = None) -> dict[str, Any]:
    """Gather the waiting orders (`numbers`, or all with shipping `method`, or all; with
    `location`, only orders shipping wholly from there) into a new pick list. Each line
    is picked from lots at its own location. Raises Conflict when no order is waiting."""
    if mode not in MODES:
        raise ValidationFailed("Unknown picking mode", errors=[FieldError(
            "mode", "order or wave")])
    today = today or dt.date.today()
    async with db.shop_scope(tenant_id):
        chosen = await _candidates(tenant_id, numbers, method, location)
        if not chosen:
            raise Conflict("No approved order is waiting to be picked")
        lines = await (OrderLine.select().where(
            (OrderLine.tenant == tenant_id)
            & OrderLine.order.is_in([o["id"] for o in chosen])).order_by(OrderLine.id))
        variants = sorted({line["variant"] for line in lines})
        shelves = {row["id"]: row["shelf_location"] for row in await Variant.select(
            Variant.id, Variant.shelf_location).where(
            (Variant.tenant == tenant_id) & Variant.id.is_in(variants or [0]))}
        lots = await _lots_free(tenant_id, variants, today)
        created = await PickList.insert(PickList(
            tenant=tenant_id, mode=mode, created_by=actor[:120],
            group_label=(label or method or "")[:64])).returning(PickList.id)
        list_id = created[0]["id"]
        numbers_by_id = {o["id"]: o["number"] for o in chosen}
        planned = []
        for line in lines:
            for lot, quantity in _split(line["quantity"],
                                        lots.get((line["variant"], line["location"]), [])):
                planned.append(PickLine(
                    tenant=tenant_id, pick_list=list_id, order=line["order"],
                    order_number=numbers_by_id[line["order"]], variant=line["variant"],
                    sku=line["sku"], name=line["name"],
                    shelf_location=shelves.get(line["variant"], ""),
                    lot=lot["id"] if lot else None, lot_code=lot["code"] if lot else "",
                    expires_on=lot["expires_on"] if lot else None, quantity=quantity,
                    gift=line["unit_price"] == 0))
        planned.sort(key=lambda p: (route_key(p.shelf_location, p.sku), p.order_number))
        for position, line in enumerate(planned):
            line.position = position
        if planned:
            await PickLine.insert(*planned)
        for order in chosen:
            if order["status"] == states.APPROVED:
                await orders.transition(tenant_id, order["number"], states.FULFILLING,
                                        actor=actor, reason="picking")
        return await get_pick_list(tenant_id, list_id)


def line_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "order_number": row["order_number"], "variant_id": row["variant"],
            "sku": row["sku"], "name": row["name"], "shelf_location": row["shelf_location"],
            "lot_id": row["lot"], "lot_code": row["lot_code"],
            "expires_on": row["expires_on"].isoformat() if row["expires_on"] else None,
            "quantity": row["quantity"], "picked": row["picked"], "gift": row["gift"]}


async def get_pick_list(tenant_id: int, list_id: int) -> dict[str, Any]:
    """The list with its lines in route order, and per order how far picking has come."""
    async with db.shop_scope(tenant_id):
        row = await PickList.select().where(
            (PickList.tenant == tenant_id) & (PickList.id == list_id)).first()
        if row is None:
            raise NotFound(f"No pick list {list_id} in this shop")
        lines = await PickLine.select().where(
            (PickLine.tenant == tenant_id) & (PickLine.pick_list == list_id)).order_by(
            PickLine.position)
    progress: dict[str, dict[str, int]] = {}
    for line in lines:
        entry = progress.setdefault(line["order_number"], {"quantity": 0, "picked": 0})
        entry["quantity"] += line["quantity"]
        entry["picked"] += line["picked"]
    return {**list_view(row), "lines": [line_view(line) for line in lines],
            "orders": [{"number": n, **p, "complete": p["picked"] >= p["quantity"]}
                       for n, p in progress.items()]}


def list_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "mode": row["mode"], "group_label": row["group_label"],
            "status": row["status"], "assignee_id": row["assignee"],
            "assignee_name": row["assignee_name"], "created_by": row["created_by"],
            "created_at": _time(row["created_at"]), "picked_at": _time(row["picked_at"])}


async def list_pick_lists(tenant_id: int, status: str | None = None,
                          limit: int = 100) -> list[dict[str, Any]]:
    async with db.shop_scope(tenant_id):
        query = PickList.select().where(PickList.tenant == tenant_id)
        if status:
            query = query.where(PickList.status == status)
        rows = await query.order_by(PickList.id, ascending=False).limit(limit)
        counts: dict[int, set[str]] = defaultdict(set)
        for line in await PickLine.select(PickLine.pick_list, PickLine.order_number).where(
                (PickLine.tenant == tenant_id)
                & PickLine.pick_list.is_in([r["id"] for r in rows] or [0])):
            counts[line["pick_list"]].add(line["order_number"])
    return [{**list_view(r), "order_count": len(counts[r["id"]])} for r in rows]


async def assign(tenant_id: int, list_id: int, user_id: int | None) -> dict[str, Any]:
    """Give the list to a staff member of the shop (None: to nobody)."""
    async with db.shop_scope(tenant_id):
        name = ""
        if user_id is not None:
            member = await Membership.select(Membership.id).where(
                (Membership.tenant == tenant_id) & (Membership.user == user_id)).first()
            if member is None:
                raise ValidationFailed("Not a staff member of this shop", errors=[
                    FieldError("user_id", "not staff of this shop")])
            user = await PlatformUser.select(PlatformUser.name, PlatformUser.email).where(
                PlatformUser.id == user_id).first()
            name = (user["name"] or user["email"]) if user else ""
        updated = await PickList.update({PickList.assignee: user_id,
                                         PickList.assignee_name: name[:120]}).where(
            (PickList.tenant == tenant_id) & (PickList.id == list_id)).returning(PickList.id)
        if not updated:
            raise NotFound(f"No pick list {list_id} in this shop")
        return await get_pick_list(tenant_id, list_id)


async def staff_choices(tenant_id: int) -> list[dict[str, Any]]:
    """The shop's staff, for the assignee picker."""
    async with db.shop_scope(tenant_id):
        members = await Membership.select(Membership.user).where(Membership.tenant == tenant_id)
        ids = [m["user"] for m in members]
        users = await PlatformUser.select(PlatformUser.id, PlatformUser.name,
                                          PlatformUser.email).where(
            PlatformUser.id.is_in(ids or [0])).order_by(PlatformUser.id)
    return [{"id": u["id"], "name": u["name"] or u["email"]} for u in users]


__all__ = ["MODES", "assign", "create_pick_list", "get_pick_list", "line_view",
           "list_pick_lists", "route_key", "staff_choices"]
