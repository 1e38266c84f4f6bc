"""Price adjusters: the member level's price and free shipping (order 150: after threshold
discounts, before coupons) and points redeemed at checkout (order 900: last, paying part of
what is left, within the shop's cap)."""

from __future__ import annotations

from galleria.kernel import Adjustment, PluginCatalog, PriceAdjuster, PricingContext
from galleria_plugins.marketing_points import ledger
from galleria_plugins.marketing_points.rules import shop_rules

TEXTS = PluginCatalog("galleria_plugins.marketing_points", "marketing_points")


def _items_left(context: PricingContext) -> int:
    return context.subtotal + sum(a.amount for a in context.applied if a.target == "items")


class MemberPricing(PriceAdjuster):
    """The signed-in shopper's member level: its discount on the items, and free shipping
    when the level has it."""

    code = "member_level"
    order = 150

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        if context.customer_id is None:
            return []
        account = await ledger.get_account(context.shop.id, context.customer_id)
        if not account["level"]:
            return []
        rules = await shop_rules(context.shop.id, context.currency)
        level = rules.level_named(account["level"])
        if level is None:
            return []
        out = []
        off = _items_left(context) * (100 - level.discount_percent) // 100
        if off > 0:
            out.append(Adjustment("member_discount", -off, TEXTS.translate(
                context.shop.locale, "%(level)s member price", level=level.name),
                data={"level": level.name, "percent": level.discount_percent}))
        if level.free_shipping and context.shipping_fee > 0:
            out.append(Adjustment("member_free_shipping", -context.shipping_fee,
                                  TEXTS.translate(context.shop.locale,
                                                  "%(level)s free shipping", level=level.name),
                                  target="shipping", data={"level": level.name}))
        return out


class PointsRedemption(PriceAdjuster):
    """`points` asked at checkout, worth the shop's rate, at most its cap of the items left
    to pay. Checked on every preview; spent when the order is placed, in its transaction."""

    code = "points"
    order = 900
    inputs = ("points",)

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        if not context.points:
            return []
        if context.customer_id is None:
            raise ledger.refuse("sign in to use your points")
        tenant_id = context.shop.id
        rules = await shop_rules(tenant_id, context.currency)
        account = await ledger.get_account(tenant_id, context.customer_id)
        if context.points > account["balance"]:
            raise ledger.refuse(f"you have {max(0, account['balance'])} points")
        cap = rules.points_for_value(_items_left(context) * rules.redeem_cap_percent // 100)
        if context.points > cap:
            raise ledger.refuse(f"at most {cap} points on this order")
        value = rules.points_value(context.points)
        if value <= 0:
            return []
        if context.placing:
            await ledger.debit(tenant_id, context.customer_id, context.points, "redeem",
                               f"redeem:{context.order_number}",
                               order_number=context.order_number or "")
        return [Adjustment("points", -value, TEXTS.translate(
            context.shop.locale, "%(points)s points", points=context.points),
            data={"points": context.points})]


__all__ = ["MemberPricing", "PointsRedemption"]
