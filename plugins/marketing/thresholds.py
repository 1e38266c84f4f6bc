"""Threshold discounts (满减): "spend 199, save 20". Tiers come from the plugin's settings,
one per line or comma: `199:20, 299:40` (yuan). The highest tier the items reach applies."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from galleria.kernel import (
    Adjustment,
    PriceAdjuster,
    PricingContext,
    parse_major,
    plugin_settings,
)
from galleria_plugins.marketing.labels import threshold_label

PLUGIN = "marketing"
log = logging.getLogger("galleria.plugins.marketing")


@dataclass(frozen=True)
class Tier:
    threshold: int  # minor units the items must reach
    off: int  # minor units taken off


def parse_tiers(text: str, currency: str) -> list[Tier]:
    """`"199:20, 299:40"` → tiers, highest threshold first. ValueError names a bad entry."""
    tiers = []
    for entry in text.replace("\n", ",").split(","):
        if not entry.strip():
            continue
        threshold, sep, off = entry.partition(":")
        if not sep:
            raise ValueError(f"write each tier as threshold:discount, such as 199:20 "
                             f"(not {entry.strip()!r})")
        tier = Tier(parse_major(threshold, currency), parse_major(off, currency))
        if not 0 < tier.off < tier.threshold:
            raise ValueError(f"the discount must be above 0 and below the threshold "
                             f"({entry.strip()!r})")
        tiers.append(tier)
    return sorted(tiers, key=lambda tier: tier.threshold, reverse=True)


class ThresholdDiscount(PriceAdjuster):
    code = "full_reduction"
    order = 100  # first: coupons and points apply to what is left

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        text = (await plugin_settings(context.shop.id, PLUGIN)).get("threshold_tiers") or ""
        try:
            tiers = parse_tiers(text, context.currency)
        except ValueError as exc:  # a bad setting must not stop the shop from selling
            log.warning("shop %s: marketing threshold_tiers ignored: %s", context.shop.id, exc)
            return []
        for tier in tiers:
            if context.subtotal >= tier.threshold:
                label = threshold_label(context.locale, context.currency, tier.threshold,
                                        off=tier.off)
                return [Adjustment("full_reduction", -tier.off, label,
                                   data={"threshold": tier.threshold})]
        return []


__all__ = ["ThresholdDiscount", "Tier", "parse_tiers"]
