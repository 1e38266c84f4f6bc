"""Coupons (优惠券): a code worth a percentage or an amount off the items, with a minimum
spend, dates and a usage limit.

A coupon is checked whenever a cart is priced; it is used when the order is placed, inside
the order's transaction, by ONE conditional update (`used < usage_limit`): under any
concurrency no coupon is used beyond its limit, and a refused use refuses the order. A
cancelled order gives its use back.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from galleria.kernel import (
    Adjustment,
    Conflict,
    FieldError,
    NotFound,
    PriceAdjuster,
    PricingContext,
    Problems,
    ValidationFailed,
    format_minor,
)
from galleria_plugins.marketing.tables import Coupon, CouponRedemption

CODE_RE = re.compile(r"^[A-Z0-9_-]{3,32}$")
KINDS = ("percent", "amount")


class CouponUsedUp(Conflict):
    code, title = "coupon_used_up", "Coupon used up"


def normalise_code(code: str) -> str:
    return code.strip().upper()


async def create_coupon(tenant_id: int, *, code: str, kind: str, value: Any,
                        min_subtotal: Any = 0, usage_limit: Any = 0,
                        starts_at: dt.datetime | None = None,
                        ends_at: dt.datetime | None = None) -> dict[str, Any]:
    """Create a coupon; ValidationFailed lists every bad field, Conflict a taken code."""
    problems = Problems()
    code = normalise_code(code or "")
    if not CODE_RE.match(code):
        problems.add("code", "3–32 letters, digits, - or _")
    if kind not in KINDS:
        problems.add("kind", "percent or amount")
    if type(value) is not int or value < 1 or (kind == "percent" and value > 100):
        problems.add("value", "a whole percent 1–100" if kind == "percent"
                     else "a whole number of minor units above 0")
    for name, number in (("min_subtotal", min_subtotal), ("usage_limit", usage_limit)):
        if type(number) is not int or number < 0:
            problems.add(name, "a whole number, 0 or more")
    if starts_at and ends_at and ends_at <= starts_at:
        problems.add("ends_at", "after the start")
    problems.raise_if_any("The coupon is invalid")
    inserted = await Coupon.insert(Coupon(
        tenant=tenant_id, code=code, kind=kind, value=value, min_subtotal=min_subtotal,
        usage_limit=usage_limit, starts_at=starts_at, ends_at=ends_at,
    )).on_conflict(action="DO NOTHING").returning(Coupon.id)
    if not inserted:
        raise Conflict(f"The shop has a coupon {code} already")
    return await get_coupon(tenant_id, inserted[0]["id"])


async def get_coupon(tenant_id: int, coupon_id: int) -> dict[str, Any]:
    row = await Coupon.select().where(
        (Coupon.tenant == tenant_id) & (Coupon.id == coupon_id)).first()
    if row is None:
        raise NotFound(f"No coupon {coupon_id} in this shop")
    return row


async def list_coupons(tenant_id: int) -> list[dict[str, Any]]:
    return await Coupon.select().where(Coupon.tenant == tenant_id).order_by(
        Coupon.id, ascending=False)


async def set_active(tenant_id: int, coupon_id: int, active: bool) -> None:
    await get_coupon(tenant_id, coupon_id)
    await Coupon.update({Coupon.active: active}).where(
        (Coupon.tenant == tenant_id) & (Coupon.id == coupon_id))


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(f"Coupon: {message}", errors=[FieldError("coupon_code", message)])


def discount(coupon: dict[str, Any], items_total: int) -> int:
    """What `coupon` takes off `items_total` (rounded down to the minor unit)."""
    if coupon["kind"] == "percent":
        return items_total * coupon["value"] // 100
    return min(coupon["value"], items_total)


class CouponAdjuster(PriceAdjuster):
    """Turns `coupon_code` into a discount on the items; uses it when the order is placed."""

    code = "coupon"
    order = 200  # after threshold discounts (100), before points (900)

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        if not context.coupon_code:
            return []
        tenant_id = context.shop.id
        code = normalise_code(context.coupon_code)
        coupon = await Coupon.select().where(
            (Coupon.tenant == tenant_id) & (Coupon.code == code)).first()
        now = dt.datetime.now(dt.UTC)
        if coupon is None or not coupon["active"]:
            raise _refuse("unknown or no longer valid")
        if (coupon["starts_at"] and now < coupon["starts_at"]) or (
                coupon["ends_at"] and now >= coupon["ends_at"]):
            raise _refuse("not valid today")
        if coupon["usage_limit"] and coupon["used"] >= coupon["usage_limit"]:
            raise _refuse("used up")
        items = context.subtotal + sum(a.amount for a in context.applied if a.target == "items")
        if items < coupon["min_subtotal"]:
            needed = format_minor(coupon["min_subtotal"], context.currency)
            raise _refuse(f"needs items worth {needed}")
        amount = discount(coupon, items)
        if amount <= 0:
            return []
        if context.placing:
            await _redeem(tenant_id, coupon, context.order_number or "", amount)
        label = (f"{code} −{coupon['value']}%" if coupon["kind"] == "percent"
                 else f"{code} −{format_minor(coupon['value'], context.currency)}")
        return [Adjustment("coupon", -amount, label, data={"coupon_id": coupon["id"],
                                                          "code": code})]


async def _redeem(tenant_id: int, coupon: dict[str, Any], number: str, amount: int) -> None:
    used = await Coupon.raw(
        "UPDATE marketing_coupon SET used = used + 1 WHERE tenant = {} AND id = {} "
        "AND (usage_limit = 0 OR used < usage_limit) RETURNING used",
        tenant_id, coupon["id"])
    if not used:
        raise CouponUsedUp(f"Coupon {coupon['code']} was used up a moment ago",
                           coupon=coupon["code"])
    await CouponRedemption.insert(CouponRedemption(
        tenant=tenant_id, coupon=coupon["id"], order_number=number, amount=amount))


async def give_back(tenant_id: int, number: str) -> int:
    """The order was cancelled: its coupon uses return (once); returns how many."""
    gone = await CouponRedemption.delete().where(
        (CouponRedemption.tenant == tenant_id)
        & (CouponRedemption.order_number == number)).returning(CouponRedemption.coupon)
    for row in gone:
        await Coupon.raw("UPDATE marketing_coupon SET used = used - 1 "
                         "WHERE tenant = {} AND id = {} AND used > 0", tenant_id, row["coupon"])
    return len(gone)


__all__ = ["CouponAdjuster", "CouponUsedUp", "create_coupon", "discount", "give_back",
           "list_coupons", "normalise_code", "set_active"]
