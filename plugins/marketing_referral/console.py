"""Referral figures in the merchant console (`/console/p/marketing_referral`): how many
were invited, how many first orders they placed and for how much, what the rewards cost,
and why rewards were refused."""

from __future__ import annotations

from typing import Any

from galleria.kernel import ConsolePage, Shop
from galleria_plugins.marketing_referral import referrals
from galleria_plugins.marketing_referral.pages import N_

REASONS = {"refunded": N_("First order refunded"), "phone_used": N_("Phone rewarded before"),
           "address_used": N_("Address rewarded before"),
           "payer_used": N_("Payer rewarded before")}


async def overview_context(shop: Shop) -> dict[str, Any]:
    return {"figures": await referrals.figures(shop.id), "reasons": REASONS,
            "currency": shop.currency}


PAGES = [ConsolePage("marketing_referral", "Referral", title_zh="邀请有礼", icon="share",
                     area="marketing", template="marketing_referral/overview.html",
                     context=overview_context)]
