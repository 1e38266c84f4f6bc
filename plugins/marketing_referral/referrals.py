"""Referrals: codes, binding a newcomer to a referrer, and deciding the rewards.

- A shopper's code is made on first use (8 letters and digits without look-alikes).
- A newcomer is bound once (unique in the shop), through the share page after signup;
  never to their own code, never after their first order.
- The newcomer's first completed order holds the rewards for the shop's hold days (the
  return window); a full refund meanwhile refuses them. When the hold ends, the order's
  contact phone, delivery address and payer (the gateway's openid, buyer_id or card, when
  it names one: the kernel's `payer_refs`) are claimed (unique in the shop): a phone, an
  address or a payer that earned a reward before refuses this one. Both sides are then rewarded with
  `reward.granted` events, paid by the plugin of the reward's kind.
Every step is a conditional update on the referral's status, so each happens once.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from galleria.kernel import (
    Conflict,
    SettingField,
    emit,
    enqueue,
    order_facts,
    payer_refs,
    plugin_settings,
    shop_scope,
)
from galleria_plugins.marketing_referral.tables import Referral, ReferralClaim, ReferralCode

PLUGIN = "marketing_referral"
RELEASE_JOB = "marketing_referral.release"
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_RE = re.compile(r"^[A-Z0-9]{4,12}$")
KINDS = ("points", "coupon")
NEW_DAYS = 7  # an account this young may still accept an invitation


class CannotRefer(Conflict):
    code, title = "cannot_refer", "Referral not possible"


@dataclass(frozen=True)
class Rules:
    kind: str = "points"
    referrer_reward: int = 500
    newcomer_reward: int = 500
    hold_days: int = 7
    referrer_coupon: int = 0  # kind coupon: the coupon (its id) each side gets; 0 none
    newcomer_coupon: int = 0


def settings_schema() -> list[SettingField]:
    return [
        SettingField("reward_kind", "Reward", "choice", label_zh="奖励形式", default="points",
                     choices=KINDS, help="points: the numbers below; coupon: the coupons chosen "
                                         "below go into the shoppers' wallets."),
        SettingField("referrer_reward", "Points to the referrer",
                     "integer", label_zh="邀请人奖励积分", default=500,
                     minimum=0, maximum=1_000_000),
        SettingField("newcomer_reward", "Points to the newcomer",
                     "integer", label_zh="新人奖励积分", default=500,
                     minimum=0, maximum=1_000_000),
        SettingField("referrer_coupon", "Coupon to the referrer (reward kind coupon)",
                     "integer", label_zh="邀请人奖励优惠券（奖励形式为优惠券时）", default=0,
                     minimum=0, maximum=2**31 - 1, choices_from="coupons"),
        SettingField("newcomer_coupon", "Coupon to the newcomer (reward kind coupon)",
                     "integer", label_zh="新人奖励优惠券（奖励形式为优惠券时）", default=0,
                     minimum=0, maximum=2**31 - 1, choices_from="coupons"),
        SettingField("hold_days", "Days rewards are held after the first order completes",
                     "integer", label_zh="首单完成后奖励冻结天数（退货期）", default=7,
                     minimum=0, maximum=90),
    ]


async def shop_rules(tenant_id: int) -> Rules:
    settings = await plugin_settings(tenant_id, PLUGIN)

    def number(name: str, default: int) -> int:
        value = settings.get(name)
        return value if type(value) is int and value >= 0 else default

    return Rules(kind=settings.get("reward_kind") if settings.get("reward_kind") in KINDS
                 else "points", referrer_reward=number("referrer_reward", 500),
                 newcomer_reward=number("newcomer_reward", 500),
                 hold_days=number("hold_days", 7),
                 referrer_coupon=number("referrer_coupon", 0),
                 newcomer_coupon=number("newcomer_coupon", 0))


def normalise(code: str) -> str:
    return (code or "").strip().upper()


async def code_of(tenant_id: int, customer: int) -> str:
    """The shopper's share code, made on first use (inside the shop's scope)."""
    for _ in range(8):
        row = await ReferralCode.select(ReferralCode.code).where(
            (ReferralCode.tenant == tenant_id) & (ReferralCode.customer == customer)).first()
        if row:
            return row["code"]
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        await ReferralCode.insert(ReferralCode(tenant=tenant_id, customer=customer, code=code)
                                  ).on_conflict(action="DO NOTHING")
    raise Conflict("Could not draw a free referral code; try again")


async def owner_of(tenant_id: int, code: str) -> int | None:
    code = normalise(code)
    if not CODE_RE.match(code):
        return None
    row = await ReferralCode.select(ReferralCode.customer).where(
        (ReferralCode.tenant == tenant_id) & (ReferralCode.code == code)).first()
    return row["customer"] if row else None


async def bind(tenant_id: int, newcomer: int, code: str, *, is_new: bool) -> int:
    """Bind `newcomer` to the owner of `code`; returns the referrer. CannotRefer says why
    not: an unknown code, one's own code, an account that is not new (registered more
    than NEW_DAYS ago), or one referred before (the first referral stands)."""
    referrer = await owner_of(tenant_id, code)
    if referrer is None:
        raise CannotRefer("This invitation code is not known in this shop", reason="unknown")
    if referrer == newcomer:
        raise CannotRefer("You cannot invite yourself", reason="self")
    if not is_new:
        raise CannotRefer("Invitations are for new shoppers", reason="not_new")
    inserted = await Referral.insert(Referral(
        tenant=tenant_id, referrer=referrer, newcomer=newcomer, code=normalise(code),
        created_at=dt.datetime.now(dt.UTC))).on_conflict(action="DO NOTHING").returning(
        Referral.id)
    if not inserted:
        raise CannotRefer("You were invited already", reason="already")
    return referrer


async def order_completed(tenant_id: int, number: str) -> bool:
    """The newcomer's first completed order holds the rewards; True when it did now."""
    async with shop_scope(tenant_id):
        facts = await order_facts(tenant_id, number)
        if facts.customer_id is None:
            return False
        rules = await shop_rules(tenant_id)
        now = dt.datetime.now(dt.UTC)
        hold_until = now + dt.timedelta(days=rules.hold_days)
        held = await Referral.update({
            Referral.status: "held", Referral.order_number: number,
            Referral.order_total: facts.total, Referral.hold_until: hold_until,
        }).where((Referral.tenant == tenant_id) & (Referral.newcomer == facts.customer_id)
                 & (Referral.status == "pending")).returning(Referral.id)
        if held:
            await enqueue(tenant_id, RELEASE_JOB, delay=hold_until - now,
                          shop_id=tenant_id, referral_id=held[0]["id"])
        return bool(held)


async def order_refunded(tenant_id: int, number: str, full: bool) -> None:
    """A held first order refunded in full refuses the rewards."""
    if not full:
        return
    async with shop_scope(tenant_id):
        await _refuse(tenant_id, (Referral.order_number == number)
                      & (Referral.status == "held"), "refunded")


async def _refuse(tenant_id: int, where: Any, reason: str) -> None:
    await Referral.update({Referral.status: "refused", Referral.reason: reason,
                           Referral.decided_at: dt.datetime.now(dt.UTC)}).where(
        (Referral.tenant == tenant_id) & where)


async def release(shop_id: int, referral_id: int, now: dt.datetime | None = None) -> str:
    """The hold is over: reward both sides, or refuse; returns the referral's status. Run
    again, it changes nothing (the status is no longer `held`)."""
    tenant_id = shop_id
    now = now or dt.datetime.now(dt.UTC)
    async with shop_scope(tenant_id):
        row = await Referral.select().where(
            (Referral.tenant == tenant_id) & (Referral.id == referral_id)).first()
        if row is None or row["status"] != "held":
            return row["status"] if row else "gone"
        if row["hold_until"] and row["hold_until"] > now:
            return "held"  # an early run (a sweep): the job due later decides
        facts = await order_facts(tenant_id, row["order_number"])
        if facts.refunded_total >= facts.total > 0 or facts.status == "refunded":
            await _refuse(tenant_id, Referral.id == referral_id, "refunded")
            return "refused"
        payers = [("payer", ref) for ref in await payer_refs(tenant_id, row["order_number"])]
        for kind, key in (("phone", _digits(facts.contact_phone)),
                          ("address", facts.address_key), *payers):
            if not key.strip("|"):
                continue
            claimed = await ReferralClaim.insert(ReferralClaim(
                tenant=tenant_id, key=f"{kind}:{key}"[:300], referral=referral_id,
            )).on_conflict(action="DO NOTHING").returning(ReferralClaim.id)
            if not claimed:
                # It earns nothing, so it keeps no claim it took a moment ago.
                await ReferralClaim.delete().where(
                    (ReferralClaim.tenant == tenant_id)
                    & (ReferralClaim.referral == referral_id))
                await _refuse(tenant_id, Referral.id == referral_id, f"{kind}_used")
                return "refused"
        won = await Referral.update({Referral.status: "rewarded", Referral.decided_at: now}
                                    ).where((Referral.tenant == tenant_id)
                                            & (Referral.id == referral_id)
                                            & (Referral.status == "held")
                                            ).returning(Referral.id)
        if not won:
            return "refused"
        rules = await shop_rules(tenant_id)
        for role, customer, amount, coupon in (
                ("referrer", row["referrer"], rules.referrer_reward, rules.referrer_coupon),
                ("newcomer", row["newcomer"], rules.newcomer_reward, rules.newcomer_coupon)):
            # points: that many; a coupon: the one the settings chose (paid by the coupon
            # plugin, into the wallet, once per ref)
            if (coupon if rules.kind == "coupon" else amount) > 0:
                await emit(tenant_id, "reward.granted", {
                    "customer_id": customer, "kind": rules.kind, "amount": amount,
                    "coupon_id": coupon if rules.kind == "coupon" else None,
                    "reason": "referral", "ref": f"referral:{referral_id}:{role}",
                    "note": row["order_number"], "timezone": facts.timezone})
        return "rewarded"


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-11:] if len(digits) > 11 else digits  # +86 138… and 138… are one phone


async def rewards_of(tenant_id: int, customer: int) -> list[dict[str, Any]]:
    """The shopper's referrals on either side, newest first."""
    rows = await Referral.select().where(
        (Referral.tenant == tenant_id)
        & ((Referral.referrer == customer) | (Referral.newcomer == customer))).order_by(
        Referral.id, ascending=False)
    rules = await shop_rules(tenant_id)
    return [{"role": "referrer" if r["referrer"] == customer else "newcomer",
             "status": r["status"], "reason": r["reason"] or None, "kind": rules.kind,
             "amount": rules.referrer_reward if r["referrer"] == customer
             else rules.newcomer_reward, "order_number": r["order_number"] or None,
             "hold_until": r["hold_until"], "created_at": r["created_at"]} for r in rows]


async def figures(tenant_id: int) -> dict[str, Any]:
    rows = await Referral.select(Referral.status, Referral.reason, Referral.order_total).where(
        Referral.tenant == tenant_id)
    rules = await shop_rules(tenant_id)
    by = {status: sum(1 for r in rows if r["status"] == status)
          for status in ("pending", "held", "rewarded", "refused")}
    ordered = [r for r in rows if r["status"] in ("held", "rewarded")]
    return {"invited": len(rows), **by,
            "refused_reasons": {reason: sum(1 for r in rows if r["reason"] == reason)
                                for reason in {r["reason"] for r in rows if r["reason"]}},
            "orders": len(ordered), "revenue": sum(r["order_total"] for r in ordered),
            "cost": by["rewarded"] * (rules.referrer_reward + rules.newcomer_reward),
            "kind": rules.kind}


__all__ = ["CannotRefer", "bind", "code_of", "figures", "order_completed", "order_refunded",
           "release", "rewards_of", "settings_schema", "shop_rules"]
