"""Claiming coupons into a shopper's wallet, using them when an order is placed, and giving
them back — each by conditional writes, never read-then-write:

- a claim takes the coupon's counter with `claimed < usage_limit` and a wallet slot
  `(coupon, customer, slot)` that is a unique key (slot 1…per_customer_limit), so neither
  limit is passed under any concurrency;
- a use (inside the order's transaction) takes the counter with `used < usage_limit` (code
  coupons) or turns one `available` wallet entry into `used` (claimed ones), and writes a
  redemption row; per-shopper limits of code coupons are unique slots again. A refusal
  raises a DomainError, which refuses the whole order;
- giving back (by the shop's policy: order cancelled, all lines cancelled, fully refunded)
  marks the order's redemptions `returned_at` in one conditional update, so however many
  times the events arrive, a use returns exactly once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import Conflict, NotFound
from galleria_plugins.marketing import coupons
from galleria_plugins.marketing.tables import Coupon, CouponClaim, CouponRedemption

AVAILABLE, USED = "available", "used"


class CouponUsedUp(Conflict):
    code, title = "coupon_used_up", "Coupon used up"


class ClaimLimitReached(Conflict):
    code, title = "coupon_claim_limit", "Coupon already claimed"


async def claim(tenant_id: int, coupon_id: int, customer_id: int) -> dict[str, Any]:
    """Put one of coupon `coupon_id` in the shopper's wallet; returns the wallet entry."""
    coupon = await coupons.get_coupon(tenant_id, coupon_id)
    now = dt.datetime.now(dt.UTC)
    if not coupon["claimable"] or not coupons.live(coupon, now):
        raise NotFound(f"No coupon {coupon_id} to claim in this shop")
    per_customer = coupon["per_customer_limit"] or 1
    slot = await _free_slot(CouponClaim, tenant_id, coupon_id, customer_id, per_customer)
    if slot is None:
        raise ClaimLimitReached(f"You have claimed this coupon {per_customer} time(s) already",
                                limit=per_customer)
    taken = await Coupon.raw(
        "UPDATE marketing_coupon SET claimed = claimed + 1 WHERE tenant = {} AND id = {} "
        "AND (usage_limit = 0 OR claimed < usage_limit) RETURNING claimed",
        tenant_id, coupon_id)
    if not taken:
        raise CouponUsedUp("All of this coupon have been claimed")
    row = await CouponClaim.insert(CouponClaim(
        tenant=tenant_id, coupon=coupon_id, customer=customer_id, slot=slot,
        status=AVAILABLE)).on_conflict(action="DO NOTHING").returning(CouponClaim.id)
    if not row:  # a concurrent claim of this shopper took the slot (rolled back whole)
        raise ClaimLimitReached("You claimed this coupon a moment ago", limit=per_customer)
    return (await wallet(tenant_id, customer_id, claim_id=row[0]["id"]))[0]


async def issue_reward(tenant_id: int, coupon_id: int, customer_id: int, ref: str
                       ) -> dict[str, Any] | None:
    """Put one of coupon `coupon_id` in the shopper's wallet as the reward `ref` (a referral
    reward, a birthday coupon: galleria_reward_granted), inside the shop's scope. Once per
    `ref` (a unique key): a second call issues nothing and returns None, as it does for a
    coupon the shop no longer has or switched off. Rewards are not held to the coupon's
    claim limits (the shop promised them); they count as claimed."""
    coupon = await Coupon.select(Coupon.id, Coupon.active).where(
        (Coupon.tenant == tenant_id) & (Coupon.id == coupon_id)).first()
    if coupon is None or not coupon["active"]:
        return None
    if await CouponClaim.exists().where((CouponClaim.tenant == tenant_id)
                                        & (CouponClaim.ref == ref[:120])):
        return None
    lowest = await CouponClaim.select(CouponClaim.slot).where(
        (CouponClaim.tenant == tenant_id) & (CouponClaim.coupon == coupon_id)
        & (CouponClaim.customer == customer_id) & (CouponClaim.slot < 0)).order_by(
        CouponClaim.slot).first()
    row = await CouponClaim.insert(CouponClaim(
        tenant=tenant_id, coupon=coupon_id, customer=customer_id,
        slot=(lowest["slot"] if lowest else 0) - 1, status=AVAILABLE, ref=ref[:120],
    )).on_conflict(action="DO NOTHING").returning(CouponClaim.id)
    if not row:  # the same reward, paid a moment ago by another delivery
        return None
    await Coupon.raw("UPDATE marketing_coupon SET claimed = claimed + 1 "
                     "WHERE tenant = {} AND id = {}", tenant_id, coupon_id)
    return (await wallet(tenant_id, customer_id, claim_id=row[0]["id"]))[0]


async def _free_slot(table: Any, tenant_id: int, coupon_id: int, customer_id: int,
                     limit: int) -> int | None:
    """The lowest free slot 1…limit of this shopper's uses or claims, reserved by a unique
    key (a claim row, or a redemption row, is written with it right after)."""
    rows = await table.select(table.slot).where(
        (table.tenant == tenant_id) & (table.coupon == coupon_id)
        & (table.customer == customer_id) & table.slot.is_not_null())
    taken = {row["slot"] for row in rows}
    return next((slot for slot in range(1, limit + 1) if slot not in taken), None)


async def wallet(tenant_id: int, customer_id: int, *, claim_id: int | None = None
                 ) -> list[dict[str, Any]]:
    """The shopper's wallet entries with their coupons, newest first; `state` is
    `available`, `used` or `expired`."""
    query = CouponClaim.select().where(
        (CouponClaim.tenant == tenant_id) & (CouponClaim.customer == customer_id))
    if claim_id is not None:
        query = query.where(CouponClaim.id == claim_id)
    rows = await query.order_by(CouponClaim.id, ascending=False)
    by_id = {c["id"]: c for c in await coupons.list_coupons(tenant_id)}
    now = dt.datetime.now(dt.UTC)
    out = []
    for row in rows:
        coupon = by_id[row["coupon"]]
        state = row["status"]
        if state == AVAILABLE and not coupons.live(coupon, now):
            state = "expired"
        out.append({"claim": row, "coupon": coupon, "state": state})
    return out


async def claimable_now(tenant_id: int) -> list[dict[str, Any]]:
    """The coupon centre: claimable coupons live now with some left to claim."""
    now = dt.datetime.now(dt.UTC)
    return [c for c in await coupons.list_coupons(tenant_id, claimable=True)
            if coupons.live(c, now) and not (c["usage_limit"]
                                             and c["claimed"] >= c["usage_limit"])]


async def available_claims(tenant_id: int, customer_id: int) -> list[dict[str, Any]]:
    return [entry for entry in await wallet(tenant_id, customer_id)
            if entry["state"] == AVAILABLE]


async def redeem(tenant_id: int, coupon: dict[str, Any], *, number: str, amount: int,
                 customer_id: int | None, claim_id: int | None, order_amount: int) -> None:
    """Use `coupon` for order `number` (inside its transaction); raises CouponUsedUp or
    Conflict, refusing the order."""
    slot = None
    if claim_id is not None:
        used = await CouponClaim.update({
            CouponClaim.status: USED, CouponClaim.order_number: number,
            CouponClaim.used_at: dt.datetime.now(dt.UTC),
        }).where((CouponClaim.tenant == tenant_id) & (CouponClaim.id == claim_id)
                 & (CouponClaim.status == AVAILABLE)).returning(CouponClaim.id)
        if not used:
            raise Conflict("This coupon in your wallet was used a moment ago")
        await Coupon.raw("UPDATE marketing_coupon SET used = used + 1 "
                         "WHERE tenant = {} AND id = {}", tenant_id, coupon["id"])
    else:
        if coupon["per_customer_limit"] and customer_id is not None:
            slot = await _free_slot(CouponRedemption, tenant_id, coupon["id"], customer_id,
                                    coupon["per_customer_limit"])
            if slot is None:
                raise Conflict(f"You have used coupon {coupon['code']} "
                               f"{coupon['per_customer_limit']} time(s) already")
        used = await Coupon.raw(
            "UPDATE marketing_coupon SET used = used + 1 WHERE tenant = {} AND id = {} "
            "AND (usage_limit = 0 OR used < usage_limit) RETURNING used",
            tenant_id, coupon["id"])
        if not used:
            raise CouponUsedUp(f"Coupon {coupon['code']} was used up a moment ago",
                               coupon=coupon["code"])
    written = await CouponRedemption.insert(CouponRedemption(
        tenant=tenant_id, coupon=coupon["id"], order_number=number, amount=amount,
        customer=customer_id, slot=slot, claim=claim_id, order_amount=order_amount,
    )).on_conflict(action="DO NOTHING").returning(CouponRedemption.id)
    if not written:  # the same shopper's other order took this slot a moment ago
        raise Conflict(f"You have used coupon {coupon['code']} as often as it allows")


async def give_back(tenant_id: int, number: str) -> int:
    """Return order `number`'s coupon uses (to the counter, and wallet entries to the
    wallet); returns how many. A second call finds nothing left to return."""
    returned = await CouponRedemption.update({
        CouponRedemption.returned_at: dt.datetime.now(dt.UTC), CouponRedemption.slot: None,
    }).where((CouponRedemption.tenant == tenant_id)
             & (CouponRedemption.order_number == number)
             & CouponRedemption.returned_at.is_null()).returning(
        CouponRedemption.coupon, CouponRedemption.claim)
    for row in returned:
        await Coupon.raw("UPDATE marketing_coupon SET used = used - 1 "
                         "WHERE tenant = {} AND id = {} AND used > 0", tenant_id, row["coupon"])
        if row["claim"] is not None:
            await CouponClaim.update({CouponClaim.status: AVAILABLE,
                                      CouponClaim.order_number: "",
                                      CouponClaim.used_at: None}).where(
                (CouponClaim.tenant == tenant_id) & (CouponClaim.id == row["claim"])
                & (CouponClaim.status == USED) & (CouponClaim.order_number == number))
    return len(returned)


async def figures(tenant_id: int) -> dict[int, dict[str, int]]:
    """Per coupon: `redemptions`, `orders`, `sales` (the goods' totals of those orders) and
    `cost` (the discounts given), counting only uses not given back."""
    rows = await CouponRedemption.select(
        CouponRedemption.coupon, CouponRedemption.order_number, CouponRedemption.amount,
        CouponRedemption.order_amount).where(
        (CouponRedemption.tenant == tenant_id) & CouponRedemption.returned_at.is_null())
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = out.setdefault(row["coupon"], {"redemptions": 0, "orders": set(),
                                               "sales": 0, "cost": 0})
        entry["redemptions"] += 1
        entry["orders"].add(row["order_number"])
        entry["sales"] += row["order_amount"]
        entry["cost"] += row["amount"]
    return {cid: {**e, "orders": len(e["orders"])} for cid, e in out.items()}


__all__ = ["AVAILABLE", "USED", "ClaimLimitReached", "CouponUsedUp", "available_claims",
           "claim", "claimable_now", "figures", "give_back", "issue_reward", "redeem",
           "wallet"]
