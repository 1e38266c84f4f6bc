"""Gifts with purchase (赠品): a gift variant with its own stock, added at price 0 to orders
that buy one of the gift's products or whose items reach its spending threshold — while
more of the gift is available than its safety stock. Below that the promotion stops by
itself: the checkout adds no gift and the product page promises none.

The gift line is the kernel's `AddedLine`: written to the order and reserved in the order's
transaction like any line, with `keep=safety_stock`, so that no race takes the gift's stock
below its safety level (the order is refused with 409 instead, and priced again without it).
"""

from __future__ import annotations

import json
from typing import Any

from galleria.kernel import (
    AddedLine,
    Adjustment,
    NotFound,
    PriceAdjuster,
    PricingContext,
    Problems,
    shop_fact,
    shop_rows_changed,
    variant_summaries,
)
from galleria_plugins.marketing_campaigns.tables import Gift, GiftGiven
from galleria_plugins.marketing_campaigns.texts import t

MAX_IDS = 200


def product_ids(row: dict[str, Any]) -> list[int]:
    value = row["product_ids"]
    return json.loads(value) if isinstance(value, str) else list(value or [])


async def create_gift(tenant_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Create a gift promotion from API fields; ValidationFailed lists every bad field."""
    problems = Problems()
    variant_id = fields.get("gift_variant_id")
    if type(variant_id) is not int:
        problems.add("gift_variant_id", "required: the id of one of the shop's variants")
    elif not (await variant_summaries(tenant_id, [variant_id])).get(variant_id, {}).get(
            "active"):
        problems.add("gift_variant_id", f"no active variant {variant_id} in this shop")
    trigger = fields.get("trigger")
    ids: list[int] = []
    min_amount = 0
    if not isinstance(trigger, dict):
        problems.add("trigger", "required: {\"product_ids\": [...]} and/or {\"min_amount\": …}")
    else:
        raw_ids = trigger.get("product_ids") or []
        bad_ids = (not isinstance(raw_ids, list) or len(raw_ids) > MAX_IDS
                   or any(type(i) is not int or i < 1 for i in raw_ids))
        if bad_ids:
            problems.add("trigger.product_ids", f"a list of at most {MAX_IDS} product ids")
        else:
            ids = sorted(set(raw_ids))
        min_amount = trigger.get("min_amount") or 0
        bad_amount = type(min_amount) is not int or min_amount < 0
        if bad_amount:
            problems.add("trigger.min_amount", "minor units, 0 or more")
            min_amount = 0
        if not ids and not min_amount and not bad_ids and not bad_amount:
            problems.add("trigger", "name products, a spending threshold, or both")
    safety = fields.get("safety_stock", 0)
    if type(safety) is not int or safety < 0:
        problems.add("safety_stock", "a whole number, 0 or more")
    problems.raise_if_any("The gift is invalid")
    shop_rows_changed(tenant_id)
    inserted = await Gift.insert(Gift(
        tenant=tenant_id, gift_variant=variant_id, product_ids=json.dumps(ids),
        min_amount=min_amount, safety_stock=safety)).returning(Gift.id)
    return await get_gift(tenant_id, inserted[0]["id"])


async def set_active(tenant_id: int, gift_id: int, active: bool) -> dict[str, Any]:
    await get_gift(tenant_id, gift_id)
    shop_rows_changed(tenant_id)
    await Gift.update({Gift.active: active}).where(
        (Gift.tenant == tenant_id) & (Gift.id == gift_id))
    return await get_gift(tenant_id, gift_id)


async def get_gift(tenant_id: int, gift_id: int) -> dict[str, Any]:
    row = await Gift.select().where((Gift.tenant == tenant_id) & (Gift.id == gift_id)).first()
    if row is None:
        raise NotFound(f"No gift {gift_id} in this shop")
    return (await views(tenant_id, [row]))[0]


async def any_active(tenant_id: int) -> bool:
    """Whether the shop has a gift switched on: kept per process while its gifts are
    unchanged (migration campaigns_0003), so a shop giving none prices without reading."""
    async def load() -> bool:
        return bool(await Gift.select(Gift.id).where(
            (Gift.tenant == tenant_id) & (Gift.active == True)).first())  # noqa: E712

    return await shop_fact(tenant_id, "marketing_campaigns.gifts", load)


async def list_gifts(tenant_id: int, *, active_only: bool = False) -> list[dict[str, Any]]:
    where = Gift.tenant == tenant_id
    if active_only:
        where &= Gift.active == True  # noqa: E712
    return await views(tenant_id, await Gift.select().where(where).order_by(
        Gift.id, ascending=False))


async def views(tenant_id: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the gift's `sku`, `name`, `available`, and `giving` (above safety stock)."""
    variants = await variant_summaries(tenant_id, list({r["gift_variant"] for r in rows}))
    out = []
    for row in rows:
        variant = variants.get(row["gift_variant"]) or {"sku": "", "name": "", "available": 0,
                                                        "active": False}
        out.append({**row, "product_ids": product_ids(row), "sku": variant["sku"],
                    "name": variant["name"], "available": variant["available"],
                    "giving": bool(row["active"] and variant["active"]
                                   and variant["available"] > row["safety_stock"])})
    return out


async def figures(tenant_id: int) -> dict[int, dict[str, int]]:
    """Per gift: `orders` given it and their items' `revenue` (orders that stand)."""
    out: dict[int, dict[str, int]] = {}
    for row in await GiftGiven.select().where(GiftGiven.tenant == tenant_id):
        f = out.setdefault(row["gift"], {"orders": 0, "units": 0, "revenue": 0})
        f["orders"] += 1
        f["units"] += row["quantity"]
        f["revenue"] += row["items_total"]
    return out


def triggered(gift: dict[str, Any], product_ids_bought: set[int], items_total: int) -> bool:
    by_product = bool(set(gift["product_ids"]) & product_ids_bought)
    by_amount = bool(gift["min_amount"]) and items_total >= gift["min_amount"]
    return by_product or by_amount


async def forget(tenant_id: int, number: str) -> int:
    """The order was cancelled: its gifts leave the figures (the kernel releases their
    stock with the order's other lines)."""
    gone = await GiftGiven.delete().where(
        (GiftGiven.tenant == tenant_id) & (GiftGiven.order_number == number)).returning(
        GiftGiven.id)
    return len(gone)


class GiftWithPurchase(PriceAdjuster):
    """Adds each triggered gift as a line at price 0 while its stock is above its safety
    level."""

    code = "gift"
    order = 800  # after the discounts: a spending threshold judges what the items cost

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        tenant_id = context.shop.id
        if not await any_active(tenant_id):
            return []  # no gift switched on: nothing to read
        gifts = [g for g in await list_gifts(tenant_id, active_only=True) if g["giving"]]
        if not gifts or not context.lines:
            return []
        bought = {line.product_id for line in context.lines}
        items = context.subtotal + sum(a.amount for a in context.applied if a.target == "items")
        out = []
        for gift in gifts:
            if gift["gift_variant"] in {line.variant_id for line in context.lines}:
                continue  # buying the gift itself does not earn it
            if not triggered(gift, bought, items):
                continue
            if context.placing:
                await GiftGiven.insert(GiftGiven(
                    tenant=tenant_id, gift=gift["id"], order_number=context.order_number or "",
                    quantity=1, items_total=items))
            out.append(Adjustment(
                "gift", 0, t(context.shop.locale, "Free gift: %(name)s", name=gift["name"]),
                data={"gift_id": gift["id"], "variant_id": gift["gift_variant"]},
                lines=(AddedLine(gift["gift_variant"], 1, keep=gift["safety_stock"]),)))
        return out


__all__ = ["GiftWithPurchase", "create_gift", "figures", "forget", "get_gift", "list_gifts",
           "set_active", "triggered"]
