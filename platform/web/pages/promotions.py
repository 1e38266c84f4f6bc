"""What the enabled plugins promise on a product page (`galleria_product_promotions`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from litestar import Request

from galleria.kernel import db
from galleria.kernel.catalog.promotions import ProductPromoter, Promotion
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop
from galleria.web.pages.render import request_locale

log = logging.getLogger("galleria.web.promotions")
TIMEOUT = 2.0  # seconds: a slow promoter must not hold the product page


async def product_promotions(request: Request, shop: Shop, product_id: int,
                             variant_ids: list[int]) -> list[Promotion]:
    """Every enabled promoter's promotions; one that fails or is slow is left out."""
    host = request.app.state.runtime.host
    locale = request_locale(request, shop)
    out: list[Promotion] = []
    async with db.shop_scope(shop.id):
        promoters = host.provided("galleria_product_promotions",
                                  await enabled_plugins(shop.id), ProductPromoter, shop=shop)
        for promoter in promoters:
            try:
                async with asyncio.timeout(TIMEOUT):
                    found = await promoter.promotions(shop, product_id, variant_ids, locale)
            except Exception:
                log.warning("product promoter %r failed; its promotions left out", promoter,
                            exc_info=True)
                continue
            out.extend(p for p in found if isinstance(p, Promotion))
    return out


def clock(seconds: float) -> str:
    """`HH:MM:SS` (hours may pass 24), never negative: what a countdown shows."""
    seconds = max(int(seconds), 0)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def countdowns(promotions: list[Promotion], now: dt.datetime) -> list[dict[str, Any]]:
    """Each promotion with its countdown: to its start when it has not started, else to its
    end (`countdown` is `starts`, `ends` or None)."""
    out = []
    for p in promotions:
        target, kind = None, None
        if p.starts_at is not None and p.starts_at > now:
            target, kind = p.starts_at, "starts"
        elif p.ends_at is not None:
            target, kind = p.ends_at, "ends"
        out.append({"promotion": p, "countdown": kind,
                    "until": target.astimezone(dt.UTC).isoformat() if target else "",
                    "clock": clock((target - now).total_seconds()) if target else ""})
    return out


def promotion_prices(promotions: list[Promotion], now: dt.datetime) -> dict[int, int]:
    """`{variant id: promoted price}` of the promotions that name a variant and a price and
    have started: the price the product page leads with."""
    return {p.variant_id: p.price for p in promotions
            if p.variant_id is not None and p.price is not None
            and (p.starts_at is None or p.starts_at <= now)
            and (p.ends_at is None or now < p.ends_at)}


__all__ = ["clock", "countdowns", "product_promotions", "promotion_prices"]
