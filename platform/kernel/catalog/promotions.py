"""What a product page promises: the `ProductPromoter` extension point.

`galleria_product_promotions(shop)` returns `ProductPromoter` instances; the storefront asks
each for the `Promotion`s of the product a shopper is looking at (a flash sale with its
countdown and remaining quota, a free gift) and shows them above the buy box. A promoter
only reads, answers quickly, and says nothing it would not honour at checkout: a gift
whose stock fell to its safety level is no longer promised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from galleria.kernel.tenancy.shops import Shop


@dataclass(frozen=True)
class Promotion:
    """One promise on a product page, in the shopper's language.

    `label` is the short badge (秒杀, 赠品), `text` the sentence beside it. Optional:
    `variant_id` when it concerns one variant only; `price` (minor units) the promoted
    price; `starts_at`/`ends_at` (aware datetimes) for a countdown; `remaining` units left;
    `kind`, a stable machine name apps tell promotions apart by (`flash_sale`, `gift`; ""
    for any other) — never shown to a shopper.
    """

    label: str
    text: str = ""
    variant_id: int | None = None
    price: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    remaining: int | None = None
    kind: str = ""


class ProductPromoter:
    """Says what a product page promises: the base class of every promoter. The default
    promises nothing."""

    async def promotions(self, shop: Shop, product_id: int, variant_ids: list[int],
                         locale: str) -> list[Promotion]:
        """The promotions of product `product_id` (its active `variant_ids`) for a shopper
        reading `locale` (`zh_CN`, `en`), inside the shop's scope. Read only."""
        return []


__all__ = ["ProductPromoter", "Promotion"]
