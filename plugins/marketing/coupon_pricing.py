"""Coupons at checkout: which coupons apply, and using them when the order is placed.

Stacking rules (叠加规则): at most one coupon off the items (amount_off, percent_off,
fixed_price) and one free_shipping coupon per order; both combine with each other and with
the promotions before them (their discounts are taken off first). A code the shopper types
takes its slot; the other slot, or both when nothing is typed, is filled from a signed-in
shopper's wallet with the coupon worth most to them (best for the shopper; on a tie, the
one that expires first). To choose another coupon of the wallet, the shopper sends its
`use_code` (the wallet API's) as `coupon_code`: that entry then takes its slot. Each
adjustment records what it came from in `data` (`{"kind": "coupon", "coupon_id",
"claim_id", "coupon_kind", "code"}`), kept on the order (the kernel's order_adjustment:
source `coupon`, the amount) for reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from galleria.kernel import (
    Adjustment,
    FieldError,
    InputChoice,
    PriceAdjuster,
    PricingContext,
    ValidationFailed,
    format_minor,
)
from galleria_plugins.marketing import coupons, redemption
from galleria_plugins.marketing.labels import coupon_label
from galleria_plugins.marketing.tables import Coupon, CouponRedemption

FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Candidate:
    coupon: dict[str, Any]
    amount: int
    claim_id: int | None = None

    @property
    def target(self) -> str:
        return coupons.target_of(self.coupon)

    def rank(self) -> tuple[int, float, int]:
        ends = self.coupon["ends_at"] or FAR
        return (self.amount, -ends.timestamp(), -self.coupon["id"])


def choose(typed: Candidate | None, offered: list[Candidate]) -> list[Candidate]:
    """The coupons to apply: the typed one in its slot, the best of `offered` in each slot
    still free. Items before shipping."""
    chosen: dict[str, Candidate] = {}
    if typed is not None:
        chosen[typed.target] = typed
    for target in ("items", "shipping"):
        if target in chosen:
            continue
        fitting = [c for c in offered if c.target == target and c.amount > 0]
        if fitting:
            chosen[target] = max(fitting, key=Candidate.rank)
    return [chosen[t] for t in ("items", "shipping") if t in chosen]


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(f"Coupon: {message}", errors=[FieldError("coupon_code", message)])


def _left(context: PricingContext) -> tuple[int, int]:
    items = context.subtotal + sum(a.amount for a in context.applied if a.target == "items")
    shipping = context.shipping_fee + sum(a.amount for a in context.applied
                                          if a.target == "shipping")
    return items, shipping


def _amount(coupon: dict[str, Any], context: PricingContext) -> int:
    items, shipping = _left(context)
    return coupons.discount(coupon, context.lines, subtotal=context.subtotal,
                            items_left=items, shipping_left=shipping)


# The coupon typed at checkout, by SQL written once (every preview and order with a code
# reads it: issue 14); the same row as the ORM's SELECT of every column.
_BY_CODE = "SELECT * FROM marketing_coupon WHERE tenant = {} AND code = {} LIMIT 1"


async def _typed(context: PricingContext, now: dt.datetime) -> Candidate | None:
    """The coupon the shopper typed, checked; ValidationFailed says what is wrong."""
    tenant_id = context.shop.id
    code = coupons.normalise_code(context.coupon_code or "")
    if not code:
        return None
    rows = await Coupon.raw(_BY_CODE, tenant_id, code)
    coupon = rows[0] if rows else None
    if coupon is not None and coupon["active"] and (
            not coupon["code_typed"] or await _in_wallet(context, coupon["id"])):
        return await _chosen_from_wallet(context, coupon["id"])
    if coupon is None or not coupon["active"] or not coupon["code_typed"]:
        raise _refuse("unknown or no longer valid")
    coupon["scope"] = coupons.scope_of(coupon)  # the row read above, not read again
    if not coupons.live(coupon, now):
        raise _refuse("not valid today")
    if coupon["usage_limit"] and coupon["used"] >= coupon["usage_limit"]:
        raise _refuse("used up")
    if coupon["per_customer_limit"]:
        if context.customer_id is None:
            raise _refuse("sign in to use this coupon")
        mine = await CouponRedemption.count().where(
            (CouponRedemption.tenant == tenant_id) & (CouponRedemption.coupon == coupon["id"])
            & (CouponRedemption.customer == context.customer_id)
            & CouponRedemption.returned_at.is_null())
        if mine >= coupon["per_customer_limit"]:
            raise _refuse(f"you have used it {mine} time(s), as often as it allows")
    scoped = coupons.scoped_total(coupon, context.lines)
    if scoped <= 0:
        raise _refuse("none of these items is eligible")
    if scoped < coupon["min_subtotal"]:
        needed = format_minor(coupon["min_subtotal"], context.currency)
        raise _refuse(f"needs eligible items worth {needed}")
    return Candidate(coupon, _amount(coupon, context))


async def _in_wallet(context: PricingContext, coupon_id: int) -> bool:
    if context.customer_id is None:
        return False
    return any(e["coupon"]["id"] == coupon_id for e in await redemption.available_claims(
        context.shop.id, context.customer_id))


async def _chosen_from_wallet(context: PricingContext, coupon_id: int) -> Candidate:
    """The shopper chose a coupon of their wallet (its `use_code`, from the wallet API)
    instead of the one worth most: that entry, checked like the automatic choice."""
    if context.customer_id is None:
        raise _refuse("sign in to use a coupon from your wallet")
    entries = [e for e in await redemption.available_claims(context.shop.id,
                                                            context.customer_id)
               if e["coupon"]["id"] == coupon_id]
    if not entries:
        raise _refuse("not in your wallet, used or no longer valid")
    entry = min(entries, key=lambda e: e["claim"]["id"])  # the oldest of that coupon
    amount = _amount(entry["coupon"], context)
    if amount <= 0:
        needed = format_minor(entry["coupon"]["min_subtotal"], context.currency)
        raise _refuse(f"not for these items (needs eligible items worth {needed})")
    return Candidate(entry["coupon"], amount, entry["claim"]["id"])


async def _offered(context: PricingContext, now: dt.datetime) -> list[Candidate]:
    """The signed-in shopper's usable wallet coupons, with what each would take off."""
    if context.customer_id is None:
        return []
    entries = await redemption.available_claims(context.shop.id, context.customer_id)
    return [Candidate(e["coupon"], _amount(e["coupon"], context), e["claim"]["id"])
            for e in entries]


class CouponAdjuster(PriceAdjuster):
    """Turns `coupon_code` and the shopper's wallet into discounts; uses them when the
    order is placed (in its transaction)."""

    code = "coupon"
    order = 200  # after promotions (100–150), before points (900)

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        now = dt.datetime.now(dt.UTC)
        typed = await _typed(context, now)
        offered = await _offered(context, now)
        chosen = choose(typed, offered)
        out = []
        for candidate in chosen:
            if candidate.amount <= 0:
                continue
            coupon = candidate.coupon
            if context.placing:
                await redemption.redeem(
                    context.shop.id, coupon, number=context.order_number or "",
                    amount=candidate.amount, customer_id=context.customer_id,
                    claim_id=candidate.claim_id, order_amount=context.subtotal)
            out.append(Adjustment(
                "coupon", -candidate.amount, coupon_label(coupon, context.currency, context.locale),
                target=candidate.target, choices=_choices(candidate, offered, context),
                data={"kind": "coupon", "coupon_id": coupon["id"],
                      "claim_id": candidate.claim_id, "coupon_kind": coupons.kind_of(coupon),
                      "code": coupon["code"] if coupon["code_typed"] else None}))
        return out


def _choices(applied: Candidate, offered: list[Candidate], context: PricingContext
             ) -> tuple[InputChoice, ...]:
    """The wallet's coupons that fit this slot, best first with what each saves, the one
    applied marked: when there are two or more, the shopper may pick another (its code is
    the value the checkout sends as `coupon_code`)."""
    if context.placing or applied.claim_id is None:
        return ()
    fitting = sorted((c for c in offered if c.target == applied.target and c.amount > 0),
                     key=Candidate.rank, reverse=True)
    seen: set[int] = set()
    unique = [c for c in fitting if not (c.coupon["id"] in seen or seen.add(c.coupon["id"]))]
    if len(unique) < 2:
        return ()
    return tuple(InputChoice(
        "coupon_code", c.coupon["code"], coupon_label(c.coupon, context.currency,
                                                      context.locale), c.amount,
        chosen=c.coupon["id"] == applied.coupon["id"]) for c in unique)


__all__ = ["Candidate", "CouponAdjuster", "choose"]
