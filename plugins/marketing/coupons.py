"""Coupons (优惠券): what a coupon is, how it is checked, and what it takes off a cart.

Kinds:
- `amount_off`: an amount off the items in scope once they reach `min_subtotal` (满减券);
- `percent_off`: a percentage off the items in scope, at most `max_discount` (折扣券);
- `free_shipping`: the shipping fee (包邮券), once the items in scope reach `min_subtotal`;
- `fixed_price`: one item in scope for `value` (一口价: the dearest one, best for the shopper).

A coupon is a code the shopper types (`code`) or one they claim into their wallet
(`claimable`, from the coupon centre or a product page), or both. Its `scope` is the whole
shop, or products and/or categories, minus excluded products. `usage_limit` is the total
(uses of a code coupon, claims of a claimable one); `per_customer_limit` the same per
shopper. A `reward_only` coupon has neither: it is given only as a reward
(`galleria_reward_granted`: a referral reward, a birthday coupon). Rows written before
kinds had these names say `amount` / `percent`.

Definitions only; using coupons is `redemption.py`, choosing them at checkout `pricing.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from typing import Any

from galleria.kernel import (
    Conflict,
    NotFound,
    PricedLine,
    Problems,
)
from galleria_plugins.marketing.tables import Coupon

CODE_RE = re.compile(r"^[A-Z0-9_-]{3,32}$")
KINDS = ("amount_off", "percent_off", "free_shipping", "fixed_price")
LEGACY = {"amount": "amount_off", "percent": "percent_off"}
GOODS_KINDS = ("amount_off", "percent_off", "fixed_price")  # off the items: one per order
SCOPE_KEYS = ("products", "categories", "exclude_products")
MAX_ID_LIST = 500


def normalise_code(code: str) -> str:
    return code.strip().upper()


def kind_of(coupon: dict[str, Any]) -> str:
    return LEGACY.get(coupon["kind"], coupon["kind"])


def target_of(coupon: dict[str, Any]) -> str:
    return "shipping" if kind_of(coupon) == "free_shipping" else "items"


# -- checking what the merchant sends -----------------------------------------------------
def _whole(problems: Problems, body: dict[str, Any], name: str, *, minimum: int = 0) -> None:
    value = body.get(name)
    if value is not None and (type(value) is not int or value < minimum):
        problems.add(name, f"a whole number, {minimum} or more")


def _time(problems: Problems, body: dict[str, Any], name: str) -> dt.datetime | None:
    value = body.get(name)
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        problems.add(name, "a date and time such as 2026-12-31T23:59:59+08:00")
        return None
    if parsed.tzinfo is None:
        problems.add(name, "include the time zone offset, such as +08:00")
        return None
    return parsed


def check_times(body: dict[str, Any]) -> dict[str, dt.datetime | None]:
    """`starts_at` and `ends_at` of an API body; ValidationFailed names a bad one."""
    problems = Problems()
    starts, ends = _time(problems, body, "starts_at"), _time(problems, body, "ends_at")
    if starts and ends and ends <= starts:
        problems.add("ends_at", "after starts_at")
    problems.raise_if_any("The dates are invalid")
    return {"starts_at": starts, "ends_at": ends}


def _scope(problems: Problems, value: Any) -> dict[str, list[int]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - set(SCOPE_KEYS):
        problems.add("scope", "an object with products, categories and/or exclude_products")
        return {}
    scope = {}
    for key in SCOPE_KEYS:
        ids = value.get(key)
        if ids is None:
            continue
        if (not isinstance(ids, list) or len(ids) > MAX_ID_LIST
                or any(type(i) is not int or i < 1 for i in ids)):
            problems.add(f"scope.{key}", f"a list of at most {MAX_ID_LIST} ids")
            continue
        if ids:
            scope[key] = sorted(set(ids))
    return scope


def check_coupon(body: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The columns of a coupon from an API body (`current`: the coupon a PATCH changes).
    ValidationFailed names every bad field."""
    problems = Problems()
    merged = {**(view_fields(current) if current else {}), **body}
    kind = merged.get("kind")
    if kind not in KINDS:
        problems.add("kind", "one of " + ", ".join(KINDS))
    value = merged.get("value", 0 if kind == "free_shipping" else None)
    if kind == "percent_off":
        if type(value) is not int or not 1 <= value <= 99:
            problems.add("value", "a whole percent from 1 to 99")
    elif kind in ("amount_off", "fixed_price"):
        if type(value) is not int or value < (0 if kind == "fixed_price" else 1):
            problems.add("value", "a whole number of fen"
                         + (", 0 or more" if kind == "fixed_price" else " above 0"))
    elif kind == "free_shipping" and value not in (0, None):
        problems.add("value", "leave out for free shipping")
    for name in ("min_amount", "max_discount", "total_limit", "per_customer_limit"):
        _whole(problems, merged, name)
    if merged.get("max_discount") and kind != "percent_off":
        problems.add("max_discount", "only a percent_off coupon has a cap")
    starts, ends = _time(problems, merged, "starts_at"), _time(problems, merged, "ends_at")
    if starts and ends and ends <= starts:
        problems.add("ends_at", "after starts_at")
    scope = _scope(problems, merged.get("scope"))
    claimable = merged.get("claimable", False)
    if not isinstance(claimable, bool):
        problems.add("claimable", "true or false")
    code = merged.get("code")
    if code is not None:
        code = normalise_code(str(code))
        if not CODE_RE.match(code):
            problems.add("code", "3–32 letters, digits, - or _")
    elif not claimable and merged.get("reward_only") is not True:
        problems.add("code", "required unless the coupon is claimable or reward_only")
    name = merged.get("name") or ""
    if not isinstance(name, str) or len(name) > 60:
        problems.add("name", "at most 60 characters")
    active = merged.get("active", True)
    if not isinstance(active, bool):
        problems.add("active", "true or false")
    problems.raise_if_any("The coupon is invalid")
    if current and current["claimed"] and not claimable and current["claimable"]:
        raise Conflict("Shoppers have claimed this coupon; it stays claimable "
                       "(switch it off instead)")
    return {
        "kind": kind, "value": value or 0, "min_subtotal": merged.get("min_amount") or 0,
        "max_discount": merged.get("max_discount") or 0, "scope": scope,
        "starts_at": starts, "ends_at": ends, "usage_limit": merged.get("total_limit") or 0,
        "per_customer_limit": merged.get("per_customer_limit") or 0,
        "code": code or (current["code"] if current and not current["code_typed"]
                         else "W" + secrets.token_hex(6).upper()),
        "code_typed": code is not None, "claimable": claimable, "name": name.strip(),
        "active": active,
    }


def view_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A coupon row in the API's words."""
    scope = row["scope"] if isinstance(row["scope"], dict) else _json(row["scope"])
    return {"kind": kind_of(row), "value": row["value"], "min_amount": row["min_subtotal"],
            "max_discount": row["max_discount"] or None, "scope": scope,
            "starts_at": row["starts_at"], "ends_at": row["ends_at"],
            "total_limit": row["usage_limit"] or None,
            "per_customer_limit": row["per_customer_limit"] or None,
            "code": row["code"] if row["code_typed"] else None,
            "claimable": row["claimable"], "name": row["name"], "active": row["active"],
            "reward_only": not row["code_typed"] and not row["claimable"]}


def scope_of(row: dict[str, Any]) -> dict[str, Any]:
    """A coupon row's `scope` as a dict (the database may hand back its JSON text)."""
    return _json(row["scope"])


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) and value else (value or {})


# -- storing ---------------------------------------------------------------------------------
async def create(tenant_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Create a coupon from an API body; Conflict for a code the shop has already."""
    columns = check_coupon(body)
    inserted = await Coupon.insert(Coupon(tenant=tenant_id, **columns)).on_conflict(
        action="DO NOTHING").returning(Coupon.id)
    if not inserted:
        raise Conflict(f"The shop has a coupon {columns['code']} already")
    return await get_coupon(tenant_id, inserted[0]["id"])


async def change(tenant_id: int, coupon_id: int, body: dict[str, Any]) -> dict[str, Any]:
    current = await get_coupon(tenant_id, coupon_id)
    columns = check_coupon(body, current)
    taken = await Coupon.exists().where(
        (Coupon.tenant == tenant_id) & (Coupon.code == columns["code"])
        & (Coupon.id != coupon_id))
    if taken:
        raise Conflict(f"The shop has a coupon {columns['code']} already")
    await Coupon.update({getattr(Coupon, k): v for k, v in columns.items()}).where(
        (Coupon.tenant == tenant_id) & (Coupon.id == coupon_id))
    return await get_coupon(tenant_id, coupon_id)


async def create_coupon(tenant_id: int, *, code: str, kind: str, value: Any,
                        min_subtotal: Any = 0, usage_limit: Any = 0,
                        starts_at: dt.datetime | None = None,
                        ends_at: dt.datetime | None = None, **more: Any) -> dict[str, Any]:
    """Create a code coupon (the console's form and older callers; `kind` may be the
    older `percent` / `amount`)."""
    return await create(tenant_id, {
        "code": code, "kind": LEGACY.get(kind, kind), "value": value,
        "min_amount": min_subtotal, "total_limit": usage_limit, "starts_at": starts_at,
        "ends_at": ends_at, **more})


async def get_coupon(tenant_id: int, coupon_id: int) -> dict[str, Any]:
    row = await Coupon.select().where(
        (Coupon.tenant == tenant_id) & (Coupon.id == coupon_id)).first()
    if row is None:
        raise NotFound(f"No coupon {coupon_id} in this shop")
    row["scope"] = _json(row["scope"])
    return row


async def list_coupons(tenant_id: int, *, claimable: bool | None = None
                       ) -> list[dict[str, Any]]:
    query = Coupon.select().where(Coupon.tenant == tenant_id)
    if claimable is not None:
        query = query.where(Coupon.claimable == claimable)
    rows = await query.order_by(Coupon.id, ascending=False)
    for row in rows:
        row["scope"] = _json(row["scope"])
    return rows


async def coupon_named(tenant_id: int, name: str) -> int | None:
    """The id of the shop's newest active coupon called `name` (as the coupon list shows
    it: its name, or its code when unnamed), or None."""
    rows = await Coupon.select(Coupon.id).where(
        (Coupon.tenant == tenant_id) & (Coupon.active.eq(True))
        & ((Coupon.name == name.strip()) | (Coupon.code == name.strip()))
    ).order_by(Coupon.id, ascending=False).first()
    return rows["id"] if rows else None


async def set_active(tenant_id: int, coupon_id: int, active: bool) -> None:
    await get_coupon(tenant_id, coupon_id)
    await Coupon.update({Coupon.active: active}).where(
        (Coupon.tenant == tenant_id) & (Coupon.id == coupon_id))


# -- what a coupon takes off ----------------------------------------------------------------
def in_scope(coupon: dict[str, Any], line: PricedLine) -> bool:
    scope = coupon.get("scope") or {}
    if line.product_id in scope.get("exclude_products", ()):
        return False
    products, categories = scope.get("products"), scope.get("categories")
    if not products and not categories:
        return True
    return (line.product_id in (products or ())
            or (line.category_id is not None and line.category_id in (categories or ())))


def scoped_total(coupon: dict[str, Any], lines: Iterable[PricedLine]) -> int:
    return sum(line.line_total for line in lines if in_scope(coupon, line))


def live(coupon: dict[str, Any], now: dt.datetime) -> bool:
    """Switched on and within its dates."""
    return bool(coupon["active"]) and not (
        (coupon["starts_at"] and now < coupon["starts_at"])
        or (coupon["ends_at"] and now >= coupon["ends_at"]))


def discount(coupon: dict[str, Any], lines: Iterable[PricedLine], *, subtotal: int,
             items_left: int, shipping_left: int) -> int:
    """What `coupon` takes off (0 or more, minor units, rounded down): `items_left` is
    what is left of the `subtotal` after the promotions before it, `shipping_left` of the
    fee. Never more than what is left of its target; 0 below its minimum spend."""
    lines = list(lines)
    base = scoped_total(coupon, lines)
    if base <= 0 or base < coupon["min_subtotal"]:
        return 0
    kind = kind_of(coupon)
    if kind == "free_shipping":
        return max(shipping_left, 0)
    # The items in scope carry their share of the promotions already taken off.
    share = base * max(items_left, 0) // subtotal if subtotal else 0
    if kind == "amount_off":
        amount = min(coupon["value"], share)
    elif kind == "percent_off":
        amount = share * coupon["value"] // 100
        if coupon["max_discount"]:
            amount = min(amount, coupon["max_discount"])
    else:  # fixed_price: the dearest item in scope for `value`
        dearest = max(line.unit_price for line in lines if in_scope(coupon, line))
        amount = max(dearest - coupon["value"], 0)
    return max(0, min(amount, share, max(items_left, 0)))


__all__ = ["GOODS_KINDS", "KINDS", "LEGACY", "change", "check_coupon", "check_times", "create",
           "create_coupon",
           "discount", "get_coupon", "in_scope", "kind_of", "list_coupons", "live",
           "normalise_code", "scope_of", "scoped_total", "set_active", "target_of", "view_fields"]
