"""The plugin's console pages: the shipping set-up at a glance, with every problem its
settings have and links to the editors (editor.py), and the quote tester (which asks
`GET /plugins/shipping/quote`).

The pages are templates of this package (templates/shipping/overview.html, quote.html) in
the request's language, through the plugin's Babel domain (locale/); these functions only
gather what they show.
"""

from __future__ import annotations

from typing import Any

from galleria.kernel import Shop
from galleria_plugins.shipping import regions
from galleria_plugins.shipping.methods import ShopShipping
from galleria_plugins.shipping.rates import WEIGHT


def _places(codes: tuple[str, ...]) -> str:
    return "、".join(regions.describe(c) for c in codes)


async def overview_context(shop: Shop) -> dict[str, Any]:
    loaded = await ShopShipping(shop).load()
    today = loaded.now.date()
    return {
        "loaded": loaded, "currency": shop.currency, "weight": WEIGHT, "places": _places,
        "booked_today": lambda slot: loaded.booked.get((today, slot), 0),
        "provinces": [(p, regions.children(p.code)) for p in regions.provinces()],
    }


async def quote_context(shop: Shop) -> dict[str, Any]:
    return {}


__all__ = ["overview_context", "quote_context"]
