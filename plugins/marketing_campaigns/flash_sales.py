"""Flash sales (秒杀): a sale price for one variant, a quota, a per-customer limit and a
time window; never oversold.

The database is the record: `campaigns_flash_sale.sold` changes only by one conditional
update in the order's transaction (`sold + n <= quota`, run just before it commits), with a
claim row naming the order.
With Redis (`shared_redis()`), an atomic Lua check-and-decrement of a counter of what is
left gates the buyers first, at admission (before the order's transaction opens: all the
cart's sale units or none), so that the many who come too late are turned away without
a database connection or waiting on the sale's row. Without Redis (one app process, as
on the embedded SQLite default), the process gates them itself: the last read of the sale
less the units its own open tickets hold. The units taken are the request's
ticket: the order's claim uses it instead of taking again, and the units go back to the
counter, once, when the request ends without an order keeping them (any error, the client
gone) or the order's transaction rolls back; the counter is rebuilt from the database when
missing. A cancelled
order — by the shopper, the merchant or the payment timeout — returns its units once (the
claim row is deleted, and only the deleter gives back).

While a sale runs, its variant sells at the sale price only: when the quota is gone, placing
an order for it is refused with 409 `sold_out`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from galleria.kernel import (
    Adjustment,
    AdmissionTicket,
    Conflict,
    NotFound,
    PriceAdjuster,
    PricingContext,
    Problems,
    admission_tickets,
    before_commit,
    format_minor,
    on_commit,
    on_rollback,
    product_names,
    shared_redis,
    shop_fact,
    shop_rows_changed,
    shop_scope,
    variant_summaries,
)
from galleria_plugins.marketing_campaigns.tables import FlashSale, FlashSaleBuyer, FlashSaleClaim
from galleria_plugins.marketing_campaigns.texts import t

log = logging.getLogger("galleria.plugins.marketing_campaigns")
MAX_QUOTA = 1_000_000

# KEYS: counters of units left; ARGV: the units wanted of each. All or nothing, atomically:
# {1, 0} all taken; {0, i} too few left at KEYS[i]; {-2, i} no counter KEYS[i] (build it).
TAKE = """
for i, key in ipairs(KEYS) do
  local left = redis.call('GET', key)
  if not left then return {-2, i} end
  if tonumber(left) < tonumber(ARGV[i]) then return {0, i} end
end
for i, key in ipairs(KEYS) do redis.call('DECRBY', key, ARGV[i]) end
return {1, 0}
"""
# The same for many buyers in turn (the admission door's batch). KEYS: the counters; ARGV:
# per buyer, how many (counter index, units) pairs follow, then the pairs. Per buyer in
# order, all of its units or none: 1 taken, -i too few left at KEYS[i]. {0, i}: no counter
# KEYS[i] (build it and run again; nothing was taken; 0 is never a buyer's answer).
TAKE_MANY = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then return {0, i} end
end
local left, answers, at = {}, {}, 1
for i, key in ipairs(KEYS) do left[i] = tonumber(redis.call('GET', key)) end
while at <= #ARGV do
  local n, short = tonumber(ARGV[at]), 0
  for j = 0, n - 1 do
    local k, units = tonumber(ARGV[at + 1 + 2 * j]), tonumber(ARGV[at + 2 + 2 * j])
    if short == 0 and left[k] < units then short = k end
  end
  if short == 0 then
    for j = 0, n - 1 do
      local k, units = tonumber(ARGV[at + 1 + 2 * j]), tonumber(ARGV[at + 2 + 2 * j])
      left[k] = left[k] - units
    end
    answers[#answers + 1] = 1
  else
    answers[#answers + 1] = -short
  end
  at = at + 1 + 2 * n
end
for i, key in ipairs(KEYS) do
  local taken = tonumber(redis.call('GET', key)) - left[i]
  if taken > 0 then redis.call('DECRBY', key, taken) end
end
return answers
"""
# Give units back, only to a counter that exists (a missing one is rebuilt from the database).
GIVE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return -2
"""


class SoldOut(Conflict):
    code, title = "sold_out", "Sold out"


class LimitReached(Conflict):
    code, title = "flash_sale_limit", "Flash-sale limit reached"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def counter_key(tenant_id: int, sale: dict[str, Any]) -> str:
    """The Redis key of what is left of `sale`. Its creation time is part of it, so that a
    database restored or rebuilt with the same ids never meets an old counter."""
    born = int(sale["created_at"].timestamp() * 1_000_000)
    return f"galleria:flash-sale:{tenant_id}:{sale['id']}:{born}:left"


def status(row: dict[str, Any], at: dt.datetime) -> str:
    """`upcoming`, `running`, `sold_out`, `ended` or `off` (switched off)."""
    if not row["active"]:
        return "off"
    if at >= row["ends_at"]:
        return "ended"
    if at < row["starts_at"]:
        return "upcoming"
    return "sold_out" if row["sold"] >= row["quota"] else "running"


def _when(value: Any, name: str, problems: Problems) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError:
            problems.add(name, "a time such as 2026-12-12T20:00:00+08:00")
            return None
    else:
        problems.add(name, "required: a time such as 2026-12-12T20:00:00+08:00")
        return None
    if when.tzinfo is None:
        problems.add(name, "give the time zone, such as +08:00")
        return None
    return when.astimezone(dt.UTC)


def _count(value: Any, name: str, problems: Problems, *, low: int, high: int = MAX_QUOTA,
           what: str = "") -> int:
    if type(value) is not int or not low <= value <= high:
        problems.add(name, what or f"a whole number from {low} to {high}")
        return 0
    return value


async def create_sale(tenant_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Create a sale from API fields; ValidationFailed lists every bad field."""
    problems = Problems()
    variant_id = fields.get("variant_id")
    variant = None
    if type(variant_id) is not int:
        problems.add("variant_id", "required: the id of one of the shop's variants")
    else:
        variant = (await variant_summaries(tenant_id, [variant_id])).get(variant_id)
        if variant is None or not variant["active"]:
            problems.add("variant_id", f"no active variant {variant_id} in this shop")
    values = _checked_terms(fields, problems, variant, creating=True)
    problems.raise_if_any("The flash sale is invalid")
    assert variant is not None
    await _refuse_overlap(tenant_id, variant["id"], values["starts_at"], values["ends_at"])
    inserted = await FlashSale.insert(FlashSale(
        tenant=tenant_id, variant=variant["id"], product=variant["product_id"], **values,
    )).returning(FlashSale.id)
    _forget_sales(tenant_id)
    sale = await get_sale(tenant_id, inserted[0]["id"])
    on_commit(lambda: _arm_counter(tenant_id, sale))
    return sale


def _checked_terms(fields: dict[str, Any], problems: Problems, variant: dict[str, Any] | None,
                   *, creating: bool, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The terms among `fields` (all required when creating), checked together."""
    values: dict[str, Any] = {}
    current = current or {}
    if creating or "price" in fields:
        high = variant["price"] - 1 if variant and variant["price"] > 1 else MAX_QUOTA * 100
        values["price"] = _count(fields.get("price"), "price", problems, low=1, high=high,
                                 what="minor units above 0 and below the variant's price"
                                 + (f" ({variant['price']})" if variant else ""))
    if creating or "quota" in fields:
        low = max(current.get("sold", 0), 1)
        values["quota"] = _count(fields.get("quota"), "quota", problems, low=low,
                                 what=f"a whole number from {low} (units sold so far: "
                                      f"{current.get('sold', 0)}) to {MAX_QUOTA}"
                                 if current else "")
    if creating or "per_customer_limit" in fields:
        values["per_customer_limit"] = _count(fields.get("per_customer_limit", 0) or 0,
                                              "per_customer_limit", problems, low=0,
                                              what="0 (no limit) or a whole number above")
    for name in ("starts_at", "ends_at"):
        if creating or name in fields:
            values[name] = _when(fields.get(name), name, problems)
    if "active" in fields:
        if type(fields["active"]) is not bool:
            problems.add("active", "true or false")
        values["active"] = fields["active"]
    starts = values.get("starts_at") or current.get("starts_at")
    ends = values.get("ends_at") or current.get("ends_at")
    if starts and ends and ends <= starts:
        problems.add("ends_at", "after starts_at")
    if creating and ends and ends <= now():
        problems.add("ends_at", "in the future")
    return values


async def _refuse_overlap(tenant_id: int, variant_id: int, starts: dt.datetime,
                          ends: dt.datetime, *, other_than: int = 0) -> None:
    clash = await FlashSale.select(FlashSale.id).where(
        (FlashSale.tenant == tenant_id) & (FlashSale.variant == variant_id)
        & (FlashSale.active == True) & (FlashSale.id != other_than)  # noqa: E712
        & (FlashSale.starts_at < ends) & (FlashSale.ends_at > starts)).first()
    if clash:
        raise Conflict(f"Flash sale {clash['id']} of this variant overlaps that time; "
                       "one sale per variant at a time", sale_id=clash["id"])


async def update_sale(tenant_id: int, sale_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    current = await _row(tenant_id, sale_id)
    problems = Problems()
    variant = (await variant_summaries(tenant_id, [current["variant"]])).get(current["variant"])
    unknown = set(fields) - {"price", "quota", "per_customer_limit", "starts_at", "ends_at",
                             "active"}
    for name in sorted(unknown):
        problems.add(name, "cannot be changed (variant_id: create another sale)")
    values = _checked_terms(fields, problems, variant, creating=False, current=current)
    problems.raise_if_any("The flash sale change is invalid")
    if values.get("active", current["active"]):
        await _refuse_overlap(tenant_id, current["variant"],
                              values.get("starts_at", current["starts_at"]),
                              values.get("ends_at", current["ends_at"]), other_than=sale_id)
    if "quota" in values:
        # Never below what orders hold: the condition is checked by the update itself.
        changed = await FlashSale.raw(
            "UPDATE campaigns_flash_sale SET quota = {} WHERE tenant = {} AND id = {} "
            "AND sold <= {} RETURNING id", values["quota"], tenant_id, sale_id,
            values["quota"])
        if not changed:
            raise Conflict("More units are sold than that quota; set it higher")
        del values["quota"]
    if values:
        await FlashSale.update({getattr(FlashSale, k): v for k, v in values.items()}).where(
            (FlashSale.tenant == tenant_id) & (FlashSale.id == sale_id))
    on_commit(lambda: _forget_counter(tenant_id, current))  # rebuilt from the new quota
    _forget_sales(tenant_id)
    return await get_sale(tenant_id, sale_id)


async def _row(tenant_id: int, sale_id: int) -> dict[str, Any]:
    row = await FlashSale.select().where(
        (FlashSale.tenant == tenant_id) & (FlashSale.id == sale_id)).first()
    if row is None:
        raise NotFound(f"No flash sale {sale_id} in this shop")
    return row


async def get_sale(tenant_id: int, sale_id: int) -> dict[str, Any]:
    return (await views(tenant_id, [await _row(tenant_id, sale_id)]))[0]


async def views(tenant_id: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with their variant (`sku`, `name`, `regular_price`), `remaining`, `status`."""
    variants = await variant_summaries(tenant_id, list({row["variant"] for row in rows}))
    at = now()
    out = []
    for row in rows:
        variant = variants.get(row["variant"]) or {}
        out.append({**row, "sku": variant.get("sku", ""), "name": variant.get("name", ""),
                    "options": variant.get("options", {}),
                    "regular_price": variant.get("price", row["price"]),
                    "remaining": max(row["quota"] - row["sold"], 0),
                    "status": status(row, at)})
    return out


async def list_sales(tenant_id: int, *, limit: int = 50, before: int | None = None,
                     ) -> list[dict[str, Any]]:
    where = FlashSale.tenant == tenant_id
    if before:
        where &= FlashSale.id < before
    rows = await FlashSale.select().where(where).order_by(FlashSale.id, ascending=False).limit(
        limit)
    return await views(tenant_id, rows)


async def current_sales(tenant_id: int, variant_ids: list[int] | None = None,
                        *, upcoming: bool = True) -> list[dict[str, Any]]:
    """Switched-on sales running now (and, with `upcoming`, those still to start), soonest
    ending first; of `variant_ids` only, when given."""
    at = now()
    where = (FlashSale.tenant == tenant_id) & (FlashSale.active == True) & (  # noqa: E712
        FlashSale.ends_at > at)
    if not upcoming:
        where &= FlashSale.starts_at <= at
    if variant_ids is not None:
        where &= FlashSale.variant.is_in(variant_ids or [0])
    rows = await FlashSale.select().where(where).order_by(FlashSale.ends_at).limit(200)
    return await views(tenant_id, rows)


async def figures(tenant_id: int) -> dict[int, dict[str, int]]:
    """Per sale: `orders`, `units`, `revenue` and `cost` (the discount given), from the
    claims of orders that stand (cancelled orders' claims are gone)."""
    rows = await FlashSaleClaim.select().where(FlashSaleClaim.tenant == tenant_id)
    out: dict[int, dict[str, int]] = {}
    for row in rows:
        f = out.setdefault(row["sale"], {"orders": 0, "units": 0, "revenue": 0, "cost": 0})
        f["orders"] += 1
        f["units"] += row["quantity"]
        f["revenue"] += row["price"] * row["quantity"]
        f["cost"] += (row["regular_price"] - row["price"]) * row["quantity"]
    return out


# -- the gate ---------------------------------------------------------------------------------
async def _redis_take(tenant_id: int, items: list[tuple[dict[str, Any], int]],
                      ) -> dict[str, Any] | bool | None:
    """Take each (sale, quantity) of `items` from the sales' Redis counters, all or none:
    True taken; the sale that has too few left (nothing taken); None when there is no Redis
    (or it failed: the database decides alone)."""
    redis = shared_redis()
    if redis is None:
        return None
    keys = [counter_key(tenant_id, sale) for sale, _ in items]
    try:
        for _ in range(1 + len(items)):
            code, at = await redis.eval(TAKE, len(keys), *keys, *(q for _, q in items))
            if code != -2:
                break
            await _build_counter(redis, tenant_id, items[at - 1][0], keys[at - 1])
        else:
            return None
    except Exception:
        log.warning("flash sales %s: Redis gate failed; the database decides",
                    [sale["id"] for sale, _ in items], exc_info=True)
        return None
    return True if code == 1 else items[at - 1][0]


async def _build_counter(redis: Any, tenant_id: int, sale: dict[str, Any], key: str) -> None:
    """No counter yet (or it expired): build it from the committed record."""
    async with shop_scope(tenant_id):
        fresh = await FlashSale.select(FlashSale.quota, FlashSale.sold).where(
            (FlashSale.tenant == tenant_id) & (FlashSale.id == sale["id"])).first()
    left = max(fresh["quota"] - fresh["sold"], 0) if fresh else 0
    await redis.set(key, left, ex=_counter_ttl(sale), nx=True)


def _counter_ttl(sale: dict[str, Any]) -> int:
    return max(int((sale["ends_at"] - now()).total_seconds()) + 86400, 60)


async def _arm_counter(tenant_id: int, sale: dict[str, Any]) -> None:
    """A new sale's counter, set when it is created (committed): the burst at its start
    then never waits for the first buyer to build it. Missing later, it is built as ever."""
    redis = shared_redis()
    if redis is None:
        return
    try:
        await redis.set(counter_key(tenant_id, sale), sale["quota"], ex=_counter_ttl(sale),
                        nx=True)
    except Exception:
        log.warning("flash sale %s: could not set its Redis counter; built on first use",
                    sale["id"], exc_info=True)


async def _redis_take_many(tenant_id: int, carts: list[list[tuple[dict[str, Any], int]]],
                           ) -> list[dict[str, Any] | bool] | None:
    """`_redis_take` for many buyers in turn, in one script: per buyer (its (sale, quantity)
    items), True taken or the sale it found too few of; None without Redis (or failing)."""
    redis = shared_redis()
    if redis is None or not carts:
        return None if redis is None else []
    sales: dict[str, dict[str, Any]] = {}
    for items in carts:
        for sale, _ in items:
            sales.setdefault(counter_key(tenant_id, sale), sale)
    keys = list(sales)
    index = {key: i + 1 for i, key in enumerate(keys)}
    argv: list[int] = []
    for items in carts:
        argv.append(len(items))
        for sale, quantity in items:
            argv += [index[counter_key(tenant_id, sale)], quantity]
    try:
        for _ in range(1 + len(keys)):
            answers = await redis.eval(TAKE_MANY, len(keys), *keys, *argv)
            if answers[0] != 0:
                break
            await _build_counter(redis, tenant_id, sales[keys[answers[1] - 1]],
                                 keys[answers[1] - 1])
        else:
            return None
    except Exception:
        log.warning("flash sales %s: Redis gate failed; the database decides",
                    [sale["id"] for sale in sales.values()], exc_info=True)
        return None
    return [True if answer == 1 else sales[keys[-answer - 1]] for answer in answers]


class Ticket(AdmissionTicket):
    """The units admission took for this request — from the Redis counters, or without
    Redis from this process's gate (`here`) — {counter key: (sale, quantity)} that no
    order's transaction owns yet. The order's claim moves an entry to its transaction
    (`use`: given back if it rolls back); `close` gives back the rest. Each entry leaves
    `held` once, so it is given back at most once."""

    def __init__(self, tenant_id: int, items: list[tuple[dict[str, Any], int]], *,
                 here: bool = False) -> None:
        self.tenant_id, self.here = tenant_id, here
        self.held = {counter_key(tenant_id, sale): (sale, quantity) for sale, quantity in items}

    def use(self, tenant_id: int, sale: dict[str, Any], quantity: int) -> bool:
        """Whether the ticket holds `quantity` units of `sale`: they then belong to the
        current transaction, given back if it rolls back (call inside the order's)."""
        key = counter_key(tenant_id, sale)
        entry = self.held.get(key) if tenant_id == self.tenant_id else None
        if entry is None or entry[1] != quantity:
            return False
        del self.held[key]
        if self.here:  # committed, they are in the sale's `sold`, which the next read sees
            on_commit(_releaser(tenant_id, entry[0], quantity))
            on_rollback(_releaser(tenant_id, entry[0], quantity))
        else:
            on_rollback(_giver(tenant_id, entry[0], quantity))
        return True

    async def close(self) -> None:
        held, self.held = self.held, {}
        for sale, quantity in held.values():
            if self.here:
                _release_here(self.tenant_id, sale, quantity)
            else:
                await _redis_give(self.tenant_id, sale, quantity)


async def _redis_give(tenant_id: int, sale: dict[str, Any], quantity: int) -> None:
    redis = shared_redis()
    if redis is None:
        return
    try:
        await redis.eval(GIVE, 1, counter_key(tenant_id, sale), quantity)
    except Exception:
        log.warning("flash sale %s: could not give %s back to Redis; dropping the counter",
                    sale["id"], quantity, exc_info=True)
        await _forget_counter(tenant_id, sale)


async def _forget_counter(tenant_id: int, sale: dict[str, Any]) -> None:
    redis = shared_redis()
    if redis is None:
        return
    try:
        await redis.delete(counter_key(tenant_id, sale))
    except Exception:
        log.warning("flash sale %s: could not drop the Redis counter", sale["id"],
                    exc_info=True)


async def claim(tenant_id: int, sale: dict[str, Any], *, quantity: int, order_number: str,
                customer_id: int | None, regular_price: int, locale: str) -> None:
    """Hold `quantity` units of `sale` for the order being placed (inside its transaction).

    The units admission took for this request (its ticket) are used, else the Redis gate
    answers at once (SoldOut for the many who come late); the database's
    conditional update, the per-customer count and the claim row are written just before
    the order commits (`before_commit`), so that the sale's row stays locked for the
    shortest time. SoldOut or LimitReached there refuse the whole order."""
    if any(isinstance(ticket, Ticket) and ticket.use(tenant_id, sale, quantity)
           for ticket in admission_tickets()):
        gate: Any = True  # taken at admission
    else:
        gate = await _redis_take(tenant_id, [(sale, quantity)])
        if gate is True:
            on_rollback(_giver(tenant_id, sale, quantity))  # the transaction failed after
        elif gate is not None:
            raise SoldOut(t(locale, "%(name)s is sold out in this flash sale",
                            name=sale["name"]), sale_id=sale["id"], variant_id=sale["variant"])

    async def record() -> None:
        await _record_claim(tenant_id, sale, quantity=quantity, order_number=order_number,
                            customer_id=customer_id, regular_price=regular_price,
                            locale=locale, gated=bool(gate))

    before_commit(record)


async def _record_claim(tenant_id: int, sale: dict[str, Any], *, quantity: int,
                        order_number: str, customer_id: int | None, regular_price: int,
                        locale: str, gated: bool) -> None:
    taken = await FlashSale.raw(
        "UPDATE campaigns_flash_sale SET sold = sold + {} WHERE tenant = {} AND id = {} "
        "AND sold + {} <= quota RETURNING sold", quantity, tenant_id, sale["id"], quantity)
    if not taken:
        if gated:  # Redis let the buyer through but the record says no: rebuild the counter
            on_rollback(lambda: _forget_counter(tenant_id, sale))
        raise SoldOut(t(locale, "%(name)s is sold out in this flash sale", name=sale["name"]),
                      sale_id=sale["id"], variant_id=sale["variant"])
    limit = sale["per_customer_limit"]
    if customer_id is not None and limit:
        bought = await FlashSaleBuyer.raw(
            "INSERT INTO campaigns_flash_sale_buyer (tenant, sale, customer, bought) "
            "VALUES ({}, {}, {}, {}) ON CONFLICT (tenant, sale, customer) DO UPDATE "
            "SET bought = campaigns_flash_sale_buyer.bought + excluded.bought "
            "WHERE campaigns_flash_sale_buyer.bought + excluded.bought <= {} RETURNING bought",
            tenant_id, sale["id"], customer_id, quantity, limit)
        if not bought:
            raise LimitReached(t(locale, "At most %(n)s per customer in this flash sale",
                                 n=limit), sale_id=sale["id"], limit=limit)
    await FlashSaleClaim.insert(FlashSaleClaim(
        tenant=tenant_id, sale=sale["id"], order_number=order_number, customer=customer_id,
        quantity=quantity, price=sale["price"], regular_price=regular_price))


async def give_back(tenant_id: int, number: str) -> int:
    """The order was cancelled: its flash-sale units return to their quotas, once (only the
    transaction that deletes the claim gives back). Returns the units given back."""
    gone = await FlashSaleClaim.delete().where(
        (FlashSaleClaim.tenant == tenant_id) & (FlashSaleClaim.order_number == number)
    ).returning(FlashSaleClaim.sale, FlashSaleClaim.quantity, FlashSaleClaim.customer)
    units = 0
    for row in gone:
        sale = await _row(tenant_id, row["sale"])
        await FlashSale.raw(
            "UPDATE campaigns_flash_sale SET sold = sold - {} WHERE tenant = {} AND id = {} "
            "AND sold >= {}", row["quantity"], tenant_id, row["sale"], row["quantity"])
        if row["customer"] is not None:
            await FlashSaleBuyer.raw(
                "UPDATE campaigns_flash_sale_buyer SET bought = bought - {} WHERE tenant = {} "
                "AND sale = {} AND customer = {} AND bought >= {}", row["quantity"],
                tenant_id, row["sale"], row["customer"], row["quantity"])
        on_commit(_giver(tenant_id, sale, row["quantity"]))
        _forget_sales(tenant_id)
        units += row["quantity"]
    return units


def _giver(tenant_id: int, sale: dict[str, Any], quantity: int) -> Any:
    async def give() -> None:
        await _redis_give(tenant_id, sale, quantity)
    return give


# -- without Redis: this process's gate -------------------------------------------------------
# The units this process's open tickets hold, per (tenant, sale id): not in the last read's
# `sold` (their orders have not committed), so a buyer is admitted only while the quota
# less `sold` less these covers its units. A burst in one process is then refused at the
# door, not queued for the sale's row. Each process counts its own; the database's
# conditional update still decides, so a stale read can only let too many through.
_held_here: dict[tuple[int, int], int] = {}


def _take_here(tenant_id: int, carts: list[list[tuple[dict[str, Any], int]]],
               ) -> list[dict[str, Any] | bool]:
    """Per buyer in order (its (sale, quantity) items), all its units or none: True taken,
    or the sale it found too few of."""
    answers: list[dict[str, Any] | bool] = []
    for items in carts:
        short = next((sale for sale, quantity in items
                      if sale["quota"] - sale["sold"]
                      - _held_here.get((tenant_id, sale["id"]), 0) < quantity), None)
        if short is None:
            for sale, quantity in items:
                key = (tenant_id, sale["id"])
                _held_here[key] = _held_here.get(key, 0) + quantity
        answers.append(True if short is None else short)
    return answers


def _release_here(tenant_id: int, sale: dict[str, Any], quantity: int) -> None:
    key = (tenant_id, sale["id"])
    left = _held_here.get(key, 0) - quantity
    if left > 0:
        _held_here[key] = left
    else:
        _held_here.pop(key, None)


def _releaser(tenant_id: int, sale: dict[str, Any], quantity: int) -> Any:
    async def release() -> None:
        _release_here(tenant_id, sale, quantity)
    return release


# -- before the order's transaction -----------------------------------------------------------
# The running sales of each shop, as this process last read them: {tenant: (read at
# (monotonic), {variant: sale})}. Kept SALES_TTL seconds: the admission gate refuses from it
# without a database read. Without Redis its `remaining` is at most that old; a sale changed
# in this process is dropped at once (`_forget_sales`).
SALES_TTL = 1.0
_running: dict[int, tuple[float, dict[int, dict[str, Any]]]] = {}


def _forget_sales(tenant_id: int) -> None:
    _running.pop(tenant_id, None)
    shop_rows_changed(tenant_id)


async def sale_spans(tenant_id: int) -> tuple[tuple[int, Any, Any], ...]:
    """(variant, starts_at, ends_at) of the shop's switched-on sales: kept per process while
    its sales are unchanged (migration campaigns_0003; `sold` leaves them alone), so a cart
    with nothing on sale is priced without reading them."""
    async def load() -> tuple[tuple[int, Any, Any], ...]:
        rows = await FlashSale.select(FlashSale.variant, FlashSale.starts_at,
                                      FlashSale.ends_at).where(
            (FlashSale.tenant == tenant_id) & (FlashSale.active == True))  # noqa: E712
        return tuple((r["variant"], r["starts_at"], r["ends_at"]) for r in rows)

    return await shop_fact(tenant_id, "marketing_campaigns.sales", load)


async def _running_sales(tenant_id: int) -> dict[int, dict[str, Any]]:
    hit = _running.get(tenant_id)
    if hit is not None and time.monotonic() - hit[0] < SALES_TTL:
        return hit[1]
    async with shop_scope(tenant_id):
        at = now()
        rows = await FlashSale.select(
            FlashSale.id, FlashSale.variant, FlashSale.product, FlashSale.quota,
            FlashSale.sold, FlashSale.created_at, FlashSale.ends_at,
        ).where((FlashSale.tenant == tenant_id) & (FlashSale.active == True)  # noqa: E712
                & (FlashSale.starts_at <= at) & (FlashSale.ends_at > at))
        # The product's name (what the refusal names), in one statement: a burst's first
        # buyers wait for this read.
        names = {p["id"]: p["name"] for p in await product_names(
            tenant_id, ids=[row["product"] for row in rows], limit=len(rows))} if rows else {}
    sales = {row["variant"]: {**row, "name": names.get(row["product"], "")} for row in rows}
    _running[tenant_id] = (time.monotonic(), sales)
    return sales


def _sold_out(tenant_id: int, sale: dict[str, Any], variant_id: int, locale: str) -> SoldOut:
    return SoldOut(t(locale, "%(name)s is sold out in this flash sale", name=sale["name"]),
                   sale_id=sale["id"], variant_id=variant_id)


async def admit(shop: Any, wanted: Any, locale: str) -> Ticket | None:
    """With Redis: take the cart's sale units from the counters, all or none, and hand them
    back as the request's ticket; refuse (SoldOut) the cart when one sale has too few left.
    Without Redis: the same from this process's gate (the cached read less what its open
    tickets hold). A missing counter is built; Redis failing admits (the database
    decides)."""
    at = now()
    if not any(starts <= at < ends for _, starts, ends in await sale_spans(shop.id)):
        return None  # no sale running: nothing to take or refuse (and nothing to read)
    sales = await _running_sales(shop.id)
    if not sales:
        return None
    items = [(sales[v], quantity) for v, quantity in (await wanted()).items() if v in sales]
    if not items:
        return None
    if shared_redis() is None:
        here = _take_here(shop.id, [items])[0]
        if here is not True:
            raise _sold_out(shop.id, here, here["variant"], locale)
        return Ticket(shop.id, items, here=True)
    taken = await _redis_take(shop.id, items)
    if taken is None:
        return None
    if taken is not True:
        raise _sold_out(shop.id, taken, taken["variant"], locale)
    return Ticket(shop.id, items)


async def admit_many(shop: Any, wanted: Any, locales: list[str]) -> list[Any]:
    """`admit` for the buyers the door gathered, with one script for all their units (Redis),
    or from this process's gate (no Redis): per buyer a Ticket, None or the SoldOut."""
    at = now()
    answers: list[Any] = [None] * len(locales)
    if not any(starts <= at < ends for _, starts, ends in await sale_spans(shop.id)):
        return answers
    sales = await _running_sales(shop.id)
    if not sales:
        return answers
    carts = await wanted()
    buyers = [(i, [(sales[v], quantity) for v, quantity in cart.items() if v in sales])
              for i, cart in enumerate(carts)]
    buyers = [(i, items) for i, items in buyers if items]
    here = shared_redis() is None
    taken = (_take_here(shop.id, [items for _, items in buyers]) if here
             else await _redis_take_many(shop.id, [items for _, items in buyers]))
    if taken is None:
        return answers
    refusals: dict[tuple[int, str], SoldOut] = {}  # one per sale and language: all alike
    for (i, items), outcome in zip(buyers, taken, strict=True):
        if outcome is True:
            answers[i] = Ticket(shop.id, items, here=here)
            continue
        key = (outcome["id"], locales[i])
        if key not in refusals:
            refusals[key] = _sold_out(shop.id, outcome, outcome["variant"], locales[i])
        answers[i] = refusals[key]
    return answers


class FlashSalePrice(PriceAdjuster):
    """The sale price of a running sale's variant, as a discount on its line; when the
    order is placed, the units are claimed from the quota (or the order is refused)."""

    code = "flash_sale"
    order = 50  # first: threshold discounts and coupons judge the sale price
    essential = True  # never sell the variant at full price because this failed

    async def admit(self, shop: Any, wanted: Any, locale: str) -> Ticket | None:
        return await admit(shop, wanted, locale)

    async def admit_many(self, shop: Any, wanted: Any, locales: list[str]) -> list[Any]:
        return await admit_many(shop, wanted, locales)

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        lines = [line for line in context.lines if line.quantity > 0]
        if not lines:
            return []
        tenant_id = context.shop.id
        locale = context.shop.locale
        at, wanted = now(), {line.variant_id for line in lines}
        if not any(variant in wanted and starts <= at < ends
                   for variant, starts, ends in await sale_spans(tenant_id)):
            return []  # nothing in the cart is on sale now: nothing to read
        sales = {sale["variant"]: sale for sale in await current_sales(
            tenant_id, [line.variant_id for line in lines], upcoming=False)}
        out = []
        for line in lines:
            sale = sales.get(line.variant_id)
            if sale is None:
                continue
            limit = sale["per_customer_limit"]
            if limit and line.quantity > limit:
                raise LimitReached(t(locale, "At most %(n)s per customer in this flash sale",
                                     n=limit), sale_id=sale["id"], limit=limit,
                                   variant_id=line.variant_id)
            if line.quantity > sale["remaining"]:
                raise SoldOut(t(locale, "%(name)s is sold out in this flash sale",
                                name=line.name), sale_id=sale["id"],
                              variant_id=line.variant_id, remaining=sale["remaining"])
            if context.placing:
                await claim(tenant_id, sale, quantity=line.quantity,
                            order_number=context.order_number or "",
                            customer_id=context.customer_id, regular_price=line.unit_price,
                            locale=locale)
            off = max(line.unit_price - sale["price"], 0) * line.quantity
            if off:
                out.append(Adjustment(
                    "flash_sale", -off,
                    t(locale, "Flash sale: %(name)s at %(price)s", name=line.name,
                      price=format_minor(sale["price"], context.currency)),
                    data={"flash_sale_id": sale["id"], "variant_id": line.variant_id,
                          "quantity": line.quantity, "price": sale["price"]}))
        return out


__all__ = ["FlashSalePrice", "LimitReached", "SoldOut", "claim", "create_sale",
           "current_sales", "figures", "get_sale", "give_back", "list_sales", "update_sale"]
