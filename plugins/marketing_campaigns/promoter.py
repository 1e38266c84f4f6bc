"""What the product page promises (`galleria_product_promotions`): a running or upcoming
flash sale of a variant (price, countdown, what remains), and the gifts the product earns —
only while the gift's stock is above its safety level."""

from __future__ import annotations

from galleria.kernel import ProductPromoter, Promotion, Shop, format_minor
from galleria_plugins.marketing_campaigns import flash_sales, gifts
from galleria_plugins.marketing_campaigns.texts import t


class CampaignPromoter(ProductPromoter):
    async def promotions(self, shop: Shop, product_id: int, variant_ids: list[int],
                         locale: str) -> list[Promotion]:
        out = []
        # The shop's sales and gifts as facts kept per process (flash_sales.sale_spans,
        # gifts.any_active): a product with none reads nothing.
        at, wanted = flash_sales.now(), set(variant_ids)
        on_sale = any(variant in wanted and ends > at
                      for variant, _starts, ends in await flash_sales.sale_spans(shop.id))
        for sale in await flash_sales.current_sales(shop.id, variant_ids) if on_sale else []:
            limit = sale["per_customer_limit"]
            out.append(Promotion(
                label=t(locale, "Flash sale"),
                text=(t(locale, "Was %(price)s, at most %(n)s each", n=limit,
                        price=format_minor(sale["regular_price"], shop.currency)) if limit
                      else t(locale, "Was %(price)s",
                             price=format_minor(sale["regular_price"], shop.currency))),
                variant_id=sale["variant"], price=sale["price"], starts_at=sale["starts_at"],
                ends_at=sale["ends_at"], remaining=sale["remaining"], kind="flash_sale"))
        giving = await gifts.list_gifts(shop.id, active_only=True) \
            if await gifts.any_active(shop.id) else []
        for gift in giving:
            if not gift["giving"]:
                continue  # below its safety stock: promise nothing
            if product_id in gift["product_ids"]:
                text = t(locale, "Buy it and get %(name)s free", name=gift["name"])
            elif gift["min_amount"]:
                text = t(locale, "Spend %(amount)s and get %(name)s free", name=gift["name"],
                         amount=format_minor(gift["min_amount"], shop.currency))
            else:
                continue
            out.append(Promotion(label=t(locale, "Free gift"), text=text, kind="gift"))
        return out


__all__ = ["CampaignPromoter"]
