"""The shopper's referral through the storefront API: `GET /api/v1/account/referral`
(mounted by `galleria_api_routes`): the share code and link, and the rewards on either
side with their state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Request, get

from galleria.kernel import Shop, Unauthorized, shop_scope
from galleria_plugins.marketing_referral import referrals

SHARE = "/plugins/marketing_referral/r/"


class ReferralReward(msgspec.Struct):
    role: str  # referrer (you invited) | newcomer (you were invited)
    status: str  # pending | held | rewarded | refused
    reason: str | None  # why refused: refunded | phone_used | address_used | payer_used
    kind: str  # points | coupon
    amount: int  # points, or a coupon's value in minor units
    order_number: str | None  # the newcomer's first completed order
    hold_until: str | None  # held rewards are given after this
    created_at: str


class ReferralAnswer(msgspec.Struct):
    code: str
    link: str  # the share page: it carries the code through signup
    rewards: list[ReferralReward]


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def share_link(base_url: str, code: str) -> str:
    return base_url.rstrip("/") + SHARE + code


@get("/api/v1/account/referral", operation_id="getAccountReferral", tags=["account"])
async def account_referral(request: Request, shop: Shop, customer: Any) -> ReferralAnswer:
    """The signed-in shopper's share code and link (made on first ask) and their referral
    rewards, newest first. 401 for a guest."""
    if customer is None:
        raise Unauthorized("Sign in to your account first")
    async with shop_scope(shop.id):
        code = await referrals.code_of(shop.id, customer.id)
        rows = await referrals.rewards_of(shop.id, customer.id)
    return ReferralAnswer(code=code, link=share_link(str(request.base_url), code), rewards=[
        ReferralReward(**{**row, "hold_until": _iso(row["hold_until"]),
                          "created_at": _iso(row["created_at"]) or ""}) for row in rows])


ROUTES = [account_referral]
