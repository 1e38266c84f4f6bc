"""Stock movements: receive, reserve, release, ship, adjust, return — each one conditional
UPDATE (never read-then-write) plus a ledger row, inside the caller's shop scope.

Stock is kept per location (a `Location` code of the shop; `default` unless one is named):
every function takes `location`, and the ledger row names it.

`available = on_hand − reserved`. A reservation succeeds only when the update's condition
`on_hand − reserved >= quantity` holds at the moment it runs, so no concurrency can oversell.
Crossing the safety stock emits one `stock.low` event (not one per sale).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from galleria.kernel import db
from galleria.kernel.catalog.tables import Barcode, StockLevel, Variant
from galleria.kernel.errors import Conflict, NotFound, ValidationFailed
from galleria.kernel.events import emit
from galleria.kernel.inventory.tables import Location, Lot, StockMovement

DEFAULT_LOCATION = "default"


class OutOfStock(Conflict):
    code, title = "out_of_stock", "Not enough stock"


@dataclass(frozen=True)
class Level:
    variant_id: int
    on_hand: int
    reserved: int
    safety_stock: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def _positive(quantity: int) -> None:
    if type(quantity) is not int or quantity <= 0:
        raise ValidationFailed(f"quantity must be a whole number above 0, got {quantity!r}")


async def _move(tenant_id: int, variant_id: int, *, on_hand: int = 0, reserved: int = 0,
                condition: str = "", condition_args: tuple = (),
                location: str = DEFAULT_LOCATION) -> Level | None:
    """Apply deltas to one stock level if `condition` holds; None when it does not."""
    # `condition` is one of this module's constant fragments; values go in as parameters.
    sql = ("UPDATE stock_level SET on_hand = on_hand + {}, reserved = reserved + {} "  # noqa: S608
           "WHERE tenant = {} AND variant = {} AND location = {}"
           + (f" AND {condition}" if condition else "")
           + " RETURNING variant, on_hand, reserved, safety_stock")
    rows = await StockLevel.raw(sql, on_hand, reserved, tenant_id, variant_id, location,
                                *condition_args)
    if not rows:
        return None
    row = rows[0]
    return Level(row["variant"], row["on_hand"], row["reserved"], row["safety_stock"])


async def _ledger(tenant_id: int, level: Level, kind: str, *, on_hand: int = 0,
                  reserved: int = 0, reason: str = "", reference: str = "",
                  actor: str = "system", lot: int | None = None,
                  location: str = DEFAULT_LOCATION) -> None:
    await StockMovement.insert(StockMovement(
        tenant=tenant_id, variant=level.variant_id, location=location, kind=kind,
        on_hand_change=on_hand, reserved_change=reserved, on_hand_after=level.on_hand,
        reserved_after=level.reserved,
        reason=reason[:200], reference=reference[:64], actor=actor[:120], lot=lot,
    ))
    before_available = level.available + reserved - on_hand
    if before_available > level.safety_stock >= level.available:
        await emit(tenant_id, "stock.low", {
            "variant_id": level.variant_id, "available": level.available,
            "safety_stock": level.safety_stock, "location": location,
        })


async def _missing(tenant_id: int, variant_id: int) -> NotFound:
    return NotFound(f"No variant {variant_id} in this shop")


async def reserve(tenant_id: int, variant_id: int, quantity: int, *, reference: str = "",
                  actor: str = "system", keep: int = 0,
                  location: str = DEFAULT_LOCATION) -> Level:
    """Hold `quantity` for an order, only if `keep` more stay available afterwards (a gift's
    safety level). Raises OutOfStock when fewer are available (`available` counts what may
    be taken: what is there beyond `keep`)."""
    _positive(quantity)
    level = await _move(tenant_id, variant_id, reserved=quantity,
                        condition="on_hand - reserved >= {}",
                        condition_args=(quantity + max(keep, 0),), location=location)
    if level is None:
        current = await get_level(tenant_id, variant_id, location=location, missing_ok=True)
        left = max(current.available - max(keep, 0), 0)
        raise OutOfStock(f"Only {left} left of variant {variant_id}",
                         variant_id=variant_id, available=left)
    await _ledger(tenant_id, level, "reserve", reserved=quantity, reference=reference,
                  actor=actor, location=location)
    return level


# Reserving several variants in one round trip. On PostgreSQL the rows are locked first in
# variant order (the CTE's FOR UPDATE below a sort), so two orders never wait on each other;
# the UPDATE then rechecks its condition on the newest version of each row, as a single
# conditional UPDATE does. SQLite has one writer at a time: no lock order to keep.
_RESERVE_MANY_PG = """
WITH wanted AS (
    SELECT * FROM unnest({}::integer[], {}::integer[], {}::integer[]) AS w(variant, quantity, keep)
), locked AS (
    SELECT s.id FROM stock_level s JOIN wanted w ON w.variant = s.variant
    WHERE s.tenant = {} AND s.location = {} ORDER BY s.variant FOR UPDATE OF s
)
UPDATE stock_level s SET reserved = s.reserved + w.quantity
FROM wanted w, locked l
WHERE s.id = l.id AND s.variant = w.variant AND s.on_hand - s.reserved >= w.quantity + w.keep
RETURNING s.variant, s.on_hand, s.reserved, s.safety_stock"""

_UNRESERVE_MANY_PG = """
UPDATE stock_level s SET reserved = s.reserved - w.quantity
FROM unnest({}::integer[], {}::integer[]) AS w(variant, quantity)
WHERE s.tenant = {} AND s.location = {} AND s.variant = w.variant"""


async def reserve_many(tenant_id: int, needs: list[tuple[int, int, int]], *,
                       reference: str = "", actor: str = "system",
                       location: str = DEFAULT_LOCATION) -> dict[int, Level]:
    """`reserve` for several variants at once: `needs` is [(variant id, quantity, keep)],
    one entry per variant. All or none: when any falls short, what this call reserved is
    given back and OutOfStock is raised with `items` [{variant_id, requested, available}]
    for every short variant. One UPDATE and one multi-row ledger INSERT however many lines
    (plus a stock.low event for each level that crosses its safety stock)."""
    if not needs:
        return {}
    for _variant, quantity, _keep in needs:
        _positive(quantity)
    if len({variant for variant, _q, _k in needs}) != len(needs):
        raise ValueError("reserve_many takes one entry per variant")
    wanted = {variant: (quantity, max(keep, 0)) for variant, quantity, keep in needs}
    rows = await _reserve_rows(tenant_id, wanted, location)
    levels = {row["variant"]: Level(row["variant"], row["on_hand"], row["reserved"],
                                    row["safety_stock"]) for row in rows}
    if len(levels) < len(wanted):
        await _unreserve_rows(tenant_id, {v: wanted[v][0] for v in levels}, location)
        raise await _shortage(tenant_id, wanted, set(levels), location)
    await StockMovement.insert(*(StockMovement(
        tenant=tenant_id, variant=variant, location=location, kind="reserve",
        on_hand_change=0, reserved_change=wanted[variant][0], on_hand_after=level.on_hand,
        reserved_after=level.reserved, reason="", reference=reference[:64],
        actor=actor[:120], lot=None) for variant, level in sorted(levels.items())))
    for variant, level in sorted(levels.items()):
        before_available = level.available + wanted[variant][0]
        if before_available > level.safety_stock >= level.available:
            await emit(tenant_id, "stock.low", {
                "variant_id": level.variant_id, "available": level.available,
                "safety_stock": level.safety_stock, "location": location,
            })
    return levels


async def _reserve_rows(tenant_id: int, wanted: dict[int, tuple[int, int]],
                        location: str) -> list[dict[str, Any]]:
    variants = sorted(wanted)
    if db.database().is_postgres:
        return await StockLevel.raw(
            _RESERVE_MANY_PG, variants, [wanted[v][0] for v in variants],
            [wanted[v][1] for v in variants], tenant_id, location)
    values = ", ".join("({}, {}, {})" for _ in variants)
    sql = (f"WITH wanted(variant, quantity, keep) AS (VALUES {values}) "  # noqa: S608
           "UPDATE stock_level SET reserved = reserved + (SELECT w.quantity FROM wanted w "
           "WHERE w.variant = stock_level.variant) "
           "WHERE tenant = {} AND location = {} AND variant IN (SELECT variant FROM wanted) "
           "AND on_hand - reserved >= (SELECT w.quantity + w.keep FROM wanted w "
           "WHERE w.variant = stock_level.variant) "
           "RETURNING variant, on_hand, reserved, safety_stock")
    args = [x for v in variants for x in (v, *wanted[v])]
    return await StockLevel.raw(sql, *args, tenant_id, location)


async def _unreserve_rows(tenant_id: int, taken: dict[int, int], location: str) -> None:
    if not taken:
        return
    variants = sorted(taken)
    if db.database().is_postgres:
        await StockLevel.raw(_UNRESERVE_MANY_PG, variants, [taken[v] for v in variants],
                             tenant_id, location)
        return
    for variant in variants:
        await _move(tenant_id, variant, reserved=-taken[variant], location=location)


async def _shortage(tenant_id: int, wanted: dict[int, tuple[int, int]], reserved: set[int],
                    location: str) -> Exception:
    """OutOfStock naming each variant that fell short, with what may be taken of it (what
    is there beyond its `keep`); NotFound for a variant with no stock at `default`."""
    short = sorted(set(wanted) - reserved)
    rows = await StockLevel.select(StockLevel.variant, StockLevel.on_hand,
                                   StockLevel.reserved).where(
        (StockLevel.tenant == tenant_id) & StockLevel.variant.is_in(short)
        & (StockLevel.location == location))
    held = {row["variant"]: row["on_hand"] - row["reserved"] for row in rows}
    if location == DEFAULT_LOCATION and any(v not in held for v in short):
        return await _missing(tenant_id, next(v for v in short if v not in held))
    items = [{"variant_id": v, "requested": wanted[v][0],
              "available": max(held.get(v, 0) - wanted[v][1], 0)} for v in short]
    return OutOfStock("Not enough stock of variants " + ", ".join(map(str, short)),
                      items=items)


async def release(tenant_id: int, variant_id: int, quantity: int, *, reference: str = "",
                  actor: str = "system", reason: str = "",
                  location: str = DEFAULT_LOCATION) -> Level:
    """Give back a reservation (order cancelled, cart expired)."""
    _positive(quantity)
    level = await _move(tenant_id, variant_id, reserved=-quantity,
                        condition="reserved >= {}", condition_args=(quantity,),
                        location=location)
    if level is None:
        raise Conflict(f"Variant {variant_id} has fewer than {quantity} reserved")
    await _ledger(tenant_id, level, "release", reserved=-quantity, reference=reference,
                  actor=actor, reason=reason, location=location)
    return level


async def ship(tenant_id: int, variant_id: int, quantity: int, *, reference: str = "",
               actor: str = "system",
               lots: list[tuple[int | None, int]] | None = None,
               location: str = DEFAULT_LOCATION) -> Level:
    """Reserved stock leaves the shop. `lots` — [(lot id, units)], the lots the units were
    picked from (None: units kept outside lots) — are drawn first; the rest first-expiry-
    first-out. The ledger names the lot of every unit."""
    _positive(quantity)
    level = await _move(tenant_id, variant_id, on_hand=-quantity, reserved=-quantity,
                        condition="reserved >= {} AND on_hand >= {}",
                        condition_args=(quantity, quantity), location=location)
    if level is None:
        raise Conflict(f"Variant {variant_id} has fewer than {quantity} reserved to ship")
    for lot_id, taken in await _draw_lots(tenant_id, variant_id, quantity, lots or [],
                                          on_hand_before=level.on_hand + quantity,
                                          location=location):
        await _ledger(tenant_id, level, "ship", on_hand=-taken, reserved=-taken,
                      reference=reference, actor=actor, lot=lot_id, location=location)
    return level


async def _draw_lots(tenant_id: int, variant_id: int, quantity: int,
                     preferred: list[tuple[int | None, int]], *, on_hand_before: int,
                     location: str = DEFAULT_LOCATION) -> list[tuple[int | None, int]]:
    """Take `quantity` from the `preferred` lots (as far as they hold it; None is the units
    outside lots), then from the others, soonest expiry first; units outside lots come
    last."""
    lots = await (Lot.select(Lot.id, Lot.quantity, Lot.expires_on).where(
        (Lot.tenant == tenant_id) & (Lot.variant == variant_id) & (Lot.location == location)
        & (Lot.quantity > 0))
        .order_by(Lot.expires_on).order_by(Lot.id))
    lots.sort(key=lambda lot: (lot["expires_on"] is None, lot["expires_on"] or dt.date.max,
                               lot["id"]))
    held: dict[int | None, int] = {lot["id"]: lot["quantity"] for lot in lots}
    held[None] = max(on_hand_before - sum(lot["quantity"] for lot in lots), 0)
    plan = [*((lot_id, units) for lot_id, units in preferred if units > 0),
            *((lot["id"], lot["quantity"]) for lot in lots)]
    drawn: dict[int | None, int] = {}
    left = quantity
    for lot_id, most in plan:
        take = min(left, most, held.get(lot_id, 0) - drawn.get(lot_id, 0))
        if take <= 0:
            continue
        if lot_id is None:  # outside lots: nothing to draw down but the level itself
            drawn[None] = drawn.get(None, 0) + take
            left -= take
            continue
        taken = await Lot.raw("UPDATE stock_lot SET quantity = quantity - {} "
                              "WHERE id = {} AND tenant = {} AND variant = {} "
                              "AND quantity >= {} RETURNING id",
                              take, lot_id, tenant_id, variant_id, take)
        if taken:
            drawn[lot_id] = drawn.get(lot_id, 0) + take
            left -= take
    if left:
        drawn[None] = drawn.get(None, 0) + left
    return list(drawn.items())


async def receive(tenant_id: int, variant_id: int, quantity: int, *, actor: str = "system",
                  reason: str = "", reference: str = "", lot_code: str = "",
                  produced_on: dt.date | None = None, expires_on: dt.date | None = None,
                  location: str = DEFAULT_LOCATION) -> Level:
    """Stock arrives at `location`; with dates or a lot code it is kept as a lot there."""
    _positive(quantity)
    if produced_on and expires_on and expires_on < produced_on:
        raise ValidationFailed("a lot cannot expire before it was produced")
    level = await _move_into(tenant_id, variant_id, quantity, location)
    lot_id = None
    if lot_code or expires_on or produced_on:
        lot_id = (await Lot.insert(Lot(
            tenant=tenant_id, variant=variant_id, location=location, code=lot_code,
            produced_on=produced_on, expires_on=expires_on, quantity=quantity)))[0]["id"]
    await _ledger(tenant_id, level, "receive", on_hand=quantity, reason=reason,
                  reference=reference, actor=actor, lot=lot_id, location=location)
    return level


async def send_away(tenant_id: int, variant_id: int, quantity: int, *, location: str,
                    reference: str, actor: str = "system") -> Level:
    """Units leave `location` for another (a transfer shipped: `transfer_out`), only from
    what is available there (never what orders hold); drawn from its lots first-expiry-
    first-out. Raises OutOfStock when fewer are available."""
    _positive(quantity)
    level = await _move(tenant_id, variant_id, on_hand=-quantity,
                        condition="on_hand - reserved >= {}", condition_args=(quantity,),
                        location=location)
    if level is None:
        current = await get_level(tenant_id, variant_id, location=location, missing_ok=True)
        raise OutOfStock(f"Only {max(current.available, 0)} of variant {variant_id} at "
                         f"{location}", variant_id=variant_id,
                         available=max(current.available, 0))
    for lot_id, taken in await _draw_lots(tenant_id, variant_id, quantity, [],
                                          on_hand_before=level.on_hand + quantity,
                                          location=location):
        await _ledger(tenant_id, level, "transfer_out", on_hand=-taken, reference=reference,
                      actor=actor, lot=lot_id, location=location)
    return level


async def take_in(tenant_id: int, variant_id: int, quantity: int, *, location: str,
                  reference: str, actor: str = "system", kind: str = "transfer_in") -> Level:
    """Units arrive at `location` from another (`transfer_in`), or come back to where they
    were sent from (`transfer_back`, a transfer cancelled on the way)."""
    _positive(quantity)
    level = await _move_into(tenant_id, variant_id, quantity, location)
    await _ledger(tenant_id, level, kind, on_hand=quantity, reference=reference, actor=actor,
                  location=location)
    return level


async def restock(tenant_id: int, variant_id: int, quantity: int, *, reference: str = "",
                  actor: str = "system", reason: str = "",
                  location: str = DEFAULT_LOCATION) -> Level:
    """Returned units go back on the shelf (a `return` ledger entry)."""
    _positive(quantity)
    level = await _move_into(tenant_id, variant_id, quantity, location)
    await _ledger(tenant_id, level, "return", on_hand=quantity, reason=reason,
                  reference=reference, actor=actor, location=location)
    return level


async def write_off(tenant_id: int, variant_id: int, quantity: int, *, reference: str = "",
                    actor: str = "system", reason: str = "",
                    location: str = DEFAULT_LOCATION) -> Level:
    """Returned units that cannot be sold again: recorded (`write_off`, `quantity` units in
    the reason) without coming back into stock — they left it when they were shipped."""
    _positive(quantity)
    level = await get_level(tenant_id, variant_id, location=location, missing_ok=True)
    await _ledger(tenant_id, level, "write_off", reason=f"{quantity} × {reason}",
                  reference=reference, actor=actor, location=location)
    return level


async def receive_by_barcode(tenant_id: int, code: str, count: int = 1, *,
                             actor: str = "system", **lot: Any) -> tuple[int, Level]:
    """Scan a barcode `count` times: a case barcode adds its units each time.
    Returns (variant id, level)."""
    _positive(count)
    row = await Barcode.select(Barcode.variant, Barcode.units).where(
        (Barcode.tenant == tenant_id) & (Barcode.code == code.strip())).first()
    if row is None:
        raise NotFound(f"No product in this shop has barcode {code}")
    level = await receive(tenant_id, row["variant"], row["units"] * count, actor=actor,
                          reason=f"scanned {code} ×{count}", **lot)
    return row["variant"], level


async def adjust(tenant_id: int, variant_id: int, counted: int, *, reason: str,
                 actor: str = "system", reference: str = "",
                 location: str = DEFAULT_LOCATION) -> Level:
    """Stocktake: set on-hand to what was counted (never below what is reserved)."""
    if type(counted) is not int or counted < 0:
        raise ValidationFailed("the counted quantity must be a whole number, 0 or more")
    if not reason.strip():
        raise ValidationFailed("an adjustment needs a reason")
    if location != DEFAULT_LOCATION:
        await _ensure_level(tenant_id, variant_id, location)
    current = await get_level(tenant_id, variant_id, location=location)
    delta = counted - current.on_hand
    level = await _move(tenant_id, variant_id, on_hand=delta,
                        condition="on_hand = {} AND reserved <= {}",
                        condition_args=(current.on_hand, counted), location=location)
    if level is None:
        raise Conflict("Stock changed while counting, or the count is below what is reserved; "
                       "count again")
    await _ledger(tenant_id, level, "adjust", on_hand=delta, reason=reason, actor=actor,
                  reference=reference, location=location)
    return level


async def get_level(tenant_id: int, variant_id: int, *, location: str = DEFAULT_LOCATION,
                    missing_ok: bool = False) -> Level:
    """The variant's stock at `location`. A location that never held the variant has no
    row: NotFound, or an empty level with `missing_ok`."""
    row = await StockLevel.select().where(
        (StockLevel.tenant == tenant_id) & (StockLevel.variant == variant_id)
        & (StockLevel.location == location)).first()
    if row is None:
        if missing_ok and location != DEFAULT_LOCATION:
            return Level(variant_id, 0, 0, 0)
        raise await _missing(tenant_id, variant_id)
    return Level(row["variant"], row["on_hand"], row["reserved"], row["safety_stock"])


async def _move_into(tenant_id: int, variant_id: int, quantity: int, location: str) -> Level:
    """Add `quantity` on hand at `location`, opening the variant's level there if the
    location never held it."""
    level = await _move(tenant_id, variant_id, on_hand=quantity, location=location)
    if level is None and location != DEFAULT_LOCATION:
        await _ensure_level(tenant_id, variant_id, location)
        level = await _move(tenant_id, variant_id, on_hand=quantity, location=location)
    if level is None:
        raise await _missing(tenant_id, variant_id)
    return level


async def _ensure_level(tenant_id: int, variant_id: int, location: str) -> None:
    """Open the variant's (empty) stock level at `location`, which must be a location of
    the shop; the variant must be the shop's. Concurrent openings make one row (the
    unique key on tenant, variant, location)."""
    if await Location.count().where((Location.tenant == tenant_id)
                                    & (Location.code == location)) == 0:
        raise NotFound(f"No location {location} in this shop")
    if await Variant.count().where((Variant.tenant == tenant_id)
                                   & (Variant.id == variant_id)) == 0:
        raise await _missing(tenant_id, variant_id)
    safety = await StockLevel.select(StockLevel.safety_stock).where(
        (StockLevel.tenant == tenant_id) & (StockLevel.variant == variant_id)
        & (StockLevel.location == DEFAULT_LOCATION)).first()
    await StockLevel.insert(StockLevel(
        tenant=tenant_id, variant=variant_id, location=location, on_hand=0, reserved=0,
        safety_stock=safety["safety_stock"] if safety else 0,
    )).on_conflict(action="DO NOTHING")


async def set_safety_stock(tenant_id: int, variant_id: int, safety_stock: int) -> None:
    if type(safety_stock) is not int or safety_stock < 0:
        raise ValidationFailed("safety stock must be a whole number, 0 or more")
    updated = await StockLevel.update({StockLevel.safety_stock: safety_stock}).where(
        (StockLevel.tenant == tenant_id) & (StockLevel.variant == variant_id)).returning(
        StockLevel.id)
    if not updated:
        raise await _missing(tenant_id, variant_id)


async def ledger(tenant_id: int, variant_id: int, limit: int = 100,
                 before: int | None = None, location: str | None = None
                 ) -> list[dict[str, Any]]:
    """The variant's stock movements, newest first; `before` (a movement id) pages on;
    `location` keeps one location's."""
    query = StockMovement.select().where(
        (StockMovement.tenant == tenant_id) & (StockMovement.variant == variant_id))
    if location is not None:
        query = query.where(StockMovement.location == location)
    if before is not None:
        query = query.where(StockMovement.id < before)
    return await query.order_by(StockMovement.id, ascending=False).limit(limit)


async def stock_levels(tenant_id: int, q: str = "", low_only: bool = False,
                       limit: int = 300, location: str | None = None) -> list[dict[str, Any]]:
    """Each live variant's stock at each location (or at `location`) with its product,
    whether it is low, by product name; `q` matches SKU or product name."""
    sql = ("SELECT v.id, v.sku, v.options, v.status, p.id AS product_id, p.name AS product, "
           "s.location, s.on_hand, s.reserved, s.safety_stock FROM stock_level s "
           "JOIN variant v ON v.id = s.variant JOIN product p ON p.id = v.product "
           "WHERE s.tenant = {} AND v.tenant = {} AND v.status != 'deleted' "
           "AND p.deleted_at IS NULL")
    args: list[Any] = [tenant_id, tenant_id]
    if q:
        sql += " AND (lower(v.sku) LIKE {} OR lower(p.name) LIKE {})"
        pattern = "%" + q.lower().replace("%", "").replace("_", "") + "%"
        args += [pattern, pattern]
    if low_only:
        sql += " AND s.on_hand - s.reserved <= s.safety_stock"
    if location is not None:
        sql += " AND s.location = {}"
        args.append(location)
    sql += " ORDER BY p.name, v.position, v.id, s.location LIMIT {}"
    args.append(limit)
    rows = await StockLevel.raw(sql, *args)
    for row in rows:
        row["options"] = _json_object(row["options"])
        row["available"] = row["on_hand"] - row["reserved"]
        row["low"] = row["available"] <= row["safety_stock"]
    return rows


async def count_low_stock(tenant_id: int) -> int:
    """Active variants whose available stock is at or below their safety stock."""
    rows = await StockLevel.raw(
        "SELECT count(*) AS n FROM stock_level s JOIN variant v ON v.id = s.variant "
        "JOIN product p ON p.id = v.product "
        "WHERE s.tenant = {} AND v.tenant = {} AND v.status = 'active' "
        "AND p.deleted_at IS NULL AND s.on_hand - s.reserved <= s.safety_stock",
        tenant_id, tenant_id)
    return int(rows[0]["n"]) if rows else 0


def _json_object(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            value = {}
    return value if isinstance(value, dict) else {}


async def low_stock(tenant_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """Variants at or below their safety stock at a location, with their product name."""
    rows = await StockLevel.raw(
        "SELECT s.variant, s.location, s.on_hand, s.reserved, s.safety_stock, v.sku, p.name "
        "FROM stock_level s JOIN variant v ON v.id = s.variant "
        "JOIN product p ON p.id = v.product "
        "WHERE s.tenant = {} AND v.tenant = {} AND p.deleted_at IS NULL "
        "AND s.on_hand - s.reserved <= s.safety_stock ORDER BY s.on_hand - s.reserved LIMIT {}",
        tenant_id, tenant_id, limit)
    return rows


def _expiring(tenant_id: int, within_days: int) -> Any:
    horizon = dt.date.today() + dt.timedelta(days=within_days)
    return (Lot.select(Lot.id, Lot.variant, Lot.code, Lot.expires_on, Lot.quantity,
                       Lot.expiry_alerted_at, Lot.variant.sku.as_alias("sku"),
                       Lot.variant.product.as_alias("product_id"),
                       Lot.variant.product.name.as_alias("product_name"))
            .where((Lot.tenant == tenant_id) & (Lot.quantity > 0)
                   & Lot.expires_on.is_not_null() & (Lot.expires_on <= horizon)
                   & (Lot.variant.status != "deleted"))
            .order_by(Lot.expires_on).order_by(Lot.id))


async def expiring_lots(tenant_id: int, within_days: int) -> list[dict[str, Any]]:
    """Lots with stock left that expire within `within_days` (or have expired), soonest
    first, with their SKU and product."""
    return await _expiring(tenant_id, within_days)


async def near_expiry_alerts(tenant_id: int, days: int) -> int:
    """Emit one `stock.expiring` event for each lot with stock left that expires within
    `days` and was not alerted before; returns how many were emitted.

    Each lot is claimed with a conditional update of `expiry_alerted_at`, so running this
    twice, or twice at once, never alerts a lot twice. Meant for a daily job per shop.
    """
    if type(days) is not int or days < 0:
        raise ValidationFailed("days must be a whole number, 0 or more")
    today, emitted = dt.date.today(), 0
    for lot in await _expiring(tenant_id, days).where(Lot.expiry_alerted_at.is_null()):
        claimed = await Lot.update({Lot.expiry_alerted_at: dt.datetime.now(dt.UTC)}).where(
            (Lot.tenant == tenant_id) & (Lot.id == lot["id"])
            & Lot.expiry_alerted_at.is_null()).returning(Lot.id)
        if not claimed:
            continue
        await emit(tenant_id, "stock.expiring", {
            "lot_id": lot["id"], "lot_code": lot["code"], "variant_id": lot["variant"],
            "sku": lot["sku"], "product_id": lot["product_id"],
            "product_name": lot["product_name"], "quantity": lot["quantity"],
            "expires_on": lot["expires_on"].isoformat(),
            "days_left": (lot["expires_on"] - today).days,
        })
        emitted += 1
    return emitted


__all__ = ["DEFAULT_LOCATION", "Level", "OutOfStock", "Variant", "adjust", "expiring_lots",
           "get_level", "ledger", "low_stock", "near_expiry_alerts", "receive",
           "receive_by_barcode", "release", "reserve", "reserve_many", "restock", "send_away",
           "set_safety_stock", "ship", "take_in", "write_off"]
