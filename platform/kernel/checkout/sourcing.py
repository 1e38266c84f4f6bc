"""Which location (门店/仓库) an order ships from, in a shop with several.

Called by the placement, inside its transaction, instead of reserving everything at
`default` (a shop with one active location never comes here: `locations.MULTI_LOCATION`).

1. The active locations, nearest to the shipping address first (`locations.rank`).
2. The first that holds every line (read from its stock levels) reserves them all in one
   conditional update (`inventory.reserve_many`): it can still lose a race, and then what
   it reserved there is given back and the next location is tried.
3. When none holds everything: with the shop's `split_by_location` setting, each variant
   is reserved at the nearest location that holds it (the order is split by location);
   without it, or when some variant is short everywhere, one OutOfStock names the lines.

An order whose shipping method is tied to one location (`Quote.location`: the store whose
same-city area was quoted, the store it is picked up at) is not re-chosen: the pricing
records it on the order (`order.ship_from`, `ship_from` below) and every line is reserved
there, or the order is refused naming what that location lacks.

The order's lines record their location (`order_line.location`); picking, shipping and
releasing go there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from galleria.kernel.catalog.tables import StockLevel
from galleria.kernel.inventory import locations
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders.tables import Order, OrderLine


@dataclass(frozen=True)
class Need:
    """What one variant of the order needs: `quantity`, and `keep` more left (a gift)."""

    variant_id: int
    sku: str
    quantity: int
    keep: int = 0


async def reserve_at_locations(tenant_id: int, needs: list[Need], number: str, actor: str,
                               place: locations.Place, *, split: bool) -> dict[int, str]:
    """Reserve `needs` for order `number`; returns {variant id: location code}."""
    ranked = locations.rank(await locations.list_locations(tenant_id, active_only=True), place)
    codes = [location["code"] for location in ranked]
    pinned = await _pinned(tenant_id, number)
    if pinned:
        return await _reserve_pinned(tenant_id, needs, number, actor, pinned, ranked)
    held = await _available(tenant_id, [need.variant_id for need in needs], codes)
    for code in codes:
        has_all = all(held.get((n.variant_id, code), 0) >= n.quantity + n.keep for n in needs)
        if has_all and await _reserve_all_at(tenant_id, needs, code, number, actor):
            return await _record(tenant_id, number, {n.variant_id: code for n in needs})
    if not split:
        raise _short(needs, held, codes, [n.variant_id for n in needs])
    chosen: dict[int, str] = {}
    for need in needs:
        for code in codes:
            if held.get((need.variant_id, code), 0) < need.quantity + need.keep:
                continue
            if await _reserve_all_at(tenant_id, [need], code, number, actor):
                chosen[need.variant_id] = code
                break
    missing = [n.variant_id for n in needs if n.variant_id not in chosen]
    if missing:
        raise _short(needs, held, codes, missing)
    return await _record(tenant_id, number, chosen)


async def ship_from(tenant_id: int, number: str, code: str) -> None:
    """Order `number` ships from location `code`, the one its shipping quote was for."""
    await Order.update({Order.ship_from: code}).where(
        (Order.tenant == tenant_id) & (Order.number == number))


async def _pinned(tenant_id: int, number: str) -> str:
    row = await Order.select(Order.ship_from).where(
        (Order.tenant == tenant_id) & (Order.number == number)).first()
    return row["ship_from"] if row else ""


async def _reserve_pinned(tenant_id: int, needs: list[Need], number: str, actor: str,
                          code: str, active: list[dict[str, Any]]) -> dict[int, str]:
    """Every line at `code` (the quoted store), or OutOfStock naming what it lacks."""
    location = next((loc for loc in active if loc["code"] == code), None)
    if location is None:
        raise inventory.OutOfStock(
            f"Location {code} is closed: choose another shipping method", items=[
                {"variant_id": n.variant_id, "sku": n.sku, "requested": n.quantity,
                 "available": 0} for n in needs], skus=[n.sku for n in needs])
    if await _reserve_all_at(tenant_id, needs, code, number, actor):
        return await _record(tenant_id, number, {n.variant_id: code for n in needs})
    held = await _available(tenant_id, [need.variant_id for need in needs], [code])
    short = [n.variant_id for n in needs if held.get((n.variant_id, code), 0) < n.quantity + n.keep]
    raise _short(needs, held, [code], short or [n.variant_id for n in needs],
                 at=f"{location['name']} ({code})")


async def _available(tenant_id: int, variant_ids: list[int],
                     codes: list[str]) -> dict[tuple[int, str], int]:
    rows = await StockLevel.select(StockLevel.variant, StockLevel.location, StockLevel.on_hand,
                                   StockLevel.reserved).where(
        (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(variant_ids or [0])
        & StockLevel.location.is_in(codes or [""]))
    return {(r["variant"], r["location"]): r["on_hand"] - r["reserved"] for r in rows}


async def _reserve_all_at(tenant_id: int, needs: list[Need], code: str, number: str,
                          actor: str) -> bool:
    """Reserve every need at `code`, or none of them (`inventory.reserve_many`: one
    statement, and what it took is given back when a line falls short meanwhile)."""
    try:
        await inventory.reserve_many(
            tenant_id, [(need.variant_id, need.quantity, need.keep) for need in needs],
            reference=number, actor=actor, location=code)
    except inventory.OutOfStock:
        return False
    return True


def _short(needs: list[Need], held: dict[tuple[int, str], int], codes: list[str],
           variant_ids: list[int], at: str = "one location") -> inventory.OutOfStock:
    """One OutOfStock naming each short line with the most one location has of it."""
    short = []
    for need in needs:
        if need.variant_id in variant_ids:
            best = max([max(held.get((need.variant_id, c), 0) - need.keep, 0)
                        for c in codes] or [0])
            short.append({"variant_id": need.variant_id, "sku": need.sku,
                          "requested": need.quantity, "available": best})
    return inventory.OutOfStock(
        f"Not enough stock at {at}: " + ", ".join(
            f"{s['sku']} ({s['available']} left, {s['requested']} asked)" for s in short),
        items=short, skus=[s["sku"] for s in short])


async def _record(tenant_id: int, number: str, chosen: dict[int, str]) -> dict[int, str]:
    """Write each line's location (lines at `default` have it already)."""
    away = {variant: code for variant, code in chosen.items()
            if code != inventory.DEFAULT_LOCATION}
    if away:
        order = await Order.select(Order.id).where(
            (Order.tenant == tenant_id) & (Order.number == number)).first()
        for variant, code in away.items() if order else ():
            await OrderLine.update({OrderLine.location: code}).where(
                (OrderLine.tenant == tenant_id) & (OrderLine.order == order["id"])
                & (OrderLine.variant == variant))
    return chosen


def needs_of(wanted: list[tuple[Any, int]]) -> list[Need]:
    """[(priced line, keep)] → one Need per variant, in variant order (so that two orders
    never wait on each other)."""
    merged: dict[int, Need] = {}
    for line, keep in wanted:
        before = merged.get(line.variant_id)
        merged[line.variant_id] = Need(
            line.variant_id, line.sku, line.quantity + (before.quantity if before else 0),
            max(keep, before.keep if before else 0))
    return [merged[v] for v in sorted(merged)]


__all__ = ["Need", "needs_of", "reserve_at_locations", "ship_from"]
