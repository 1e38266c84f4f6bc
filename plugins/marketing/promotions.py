"""Promotions (促销): run by themselves, no code to type.

- `timed` (限时折扣): products and/or variants at `percent_off` or at a `price`, within the
  promotion's dates. Rule: `{"products": [ids], "variants": [ids], "percent_off": 20}` or
  `{..., "price": 990}` (minor units, per item).
- `quantity` (第二件半价): every `nth` item of one line at `percent` of its price. Rule:
  `{"products": [ids], "variants": [ids], "nth": 2, "percent": 50}` (empty lists: all).
  A line that has a timed discount takes no quantity deal (they never stack on one item).
- `tiers` (满减 / 满折): the highest tier the items reach (after the discounts above).
  Rule: `{"tiers": [{"threshold": 19900, "amount_off": 2000} | {"threshold": 29900,
  "percent_off": 10}]}`.

One adjuster (`PromotionAdjuster`, order 110) applies them in that order; several
promotions of one kind: the best for the shopper per line (timed, quantity) or overall
(tiers). Each adjustment's `data` names it: `{"kind": "promotion", "promotion_id",
"promotion_kind"}`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel import (
    Adjustment,
    NotFound,
    PriceAdjuster,
    PricedLine,
    PricingContext,
    Problems,
    shop_fact,
    shop_rows_changed,
)
from galleria_plugins.marketing import labels
from galleria_plugins.marketing.tables import Promotion, PromotionUse

KINDS = ("timed", "quantity", "tiers")


def _ids(problems: Problems, rule: dict[str, Any], key: str) -> list[int]:
    ids = rule.get(key) or []
    if not isinstance(ids, list) or any(type(i) is not int or i < 1 for i in ids):
        problems.add(f"rule.{key}", "a list of ids")
        return []
    return sorted(set(ids))


def check_rule(kind: Any, rule: Any) -> dict[str, Any]:
    """The rule of a promotion, checked; ValidationFailed names every bad field."""
    problems = Problems()
    if kind not in KINDS:
        problems.add("kind", "one of " + ", ".join(KINDS))
    if not isinstance(rule, dict):
        problems.add("rule", "an object")
        problems.raise_if_any("The promotion is invalid")
    out: dict[str, Any] = {}
    if kind in ("timed", "quantity"):
        out["products"], out["variants"] = _ids(problems, rule, "products"), _ids(
            problems, rule, "variants")
    if kind == "timed":
        if not out["products"] and not out["variants"]:
            problems.add("rule.products", "name products or variants")
        percent, price = rule.get("percent_off"), rule.get("price")
        if (percent is None) == (price is None):
            problems.add("rule.percent_off", "give percent_off or price, one of them")
        elif percent is not None and (type(percent) is not int or not 1 <= percent <= 99):
            problems.add("rule.percent_off", "a whole percent from 1 to 99")
        elif price is not None and (type(price) is not int or price < 0):
            problems.add("rule.price", "a whole number of fen, 0 or more")
        out.update({k: v for k, v in (("percent_off", percent), ("price", price))
                    if v is not None})
    elif kind == "quantity":
        nth, percent = rule.get("nth", 2), rule.get("percent", 50)
        if type(nth) is not int or not 2 <= nth <= 10:
            problems.add("rule.nth", "2 to 10")
        if type(percent) is not int or not 0 <= percent <= 99:
            problems.add("rule.percent", "a whole percent from 0 to 99")
        out.update(nth=nth, percent=percent)
    elif kind == "tiers":
        tiers = rule.get("tiers")
        if not isinstance(tiers, list) or not 1 <= len(tiers) <= 10:
            problems.add("rule.tiers", "1 to 10 tiers")
            tiers = []
        for i, tier in enumerate(tiers):
            ok = isinstance(tier, dict) and type(tier.get("threshold")) is int and (
                (type(tier.get("amount_off")) is int
                 and 0 < tier["amount_off"] < tier["threshold"])
                or (type(tier.get("percent_off")) is int and 1 <= tier["percent_off"] <= 99))
            if not ok:
                problems.add(f"rule.tiers.{i}", "threshold with amount_off (below it) "
                                                "or percent_off (1–99)")
        out["tiers"] = sorted(tiers, key=lambda t: t.get("threshold", 0), reverse=True)
    problems.raise_if_any("The promotion is invalid")
    return out


async def create_promotion(tenant_id: int, *, kind: str, rule: dict[str, Any], name: str = "",
                           starts_at: dt.datetime | None = None,
                           ends_at: dt.datetime | None = None) -> dict[str, Any]:
    checked = check_rule(kind, rule)
    shop_rows_changed(tenant_id)
    row = await Promotion.insert(Promotion(
        tenant=tenant_id, kind=kind, name=name[:60], rule=checked, starts_at=starts_at,
        ends_at=ends_at)).returning(Promotion.id)
    return await get_promotion(tenant_id, row[0]["id"])


async def change_promotion(tenant_id: int, promotion_id: int, *, kind: str,
                           rule: dict[str, Any], name: str = "",
                           starts_at: dt.datetime | None = None,
                           ends_at: dt.datetime | None = None) -> dict[str, Any]:
    """Rewrite a promotion (the console's edit form); its figures so far stay."""
    await get_promotion(tenant_id, promotion_id)
    checked = check_rule(kind, rule)
    shop_rows_changed(tenant_id)
    await Promotion.update({Promotion.kind: kind, Promotion.rule: checked,
                            Promotion.name: name[:60], Promotion.starts_at: starts_at,
                            Promotion.ends_at: ends_at}).where(
        (Promotion.tenant == tenant_id) & (Promotion.id == promotion_id))
    return await get_promotion(tenant_id, promotion_id)


async def end_promotion(tenant_id: int, promotion_id: int) -> dict[str, Any]:
    """End a promotion now: it stops applying and stays, with its figures, in the list."""
    row = await get_promotion(tenant_id, promotion_id)
    now = dt.datetime.now(dt.UTC)
    ends = row["ends_at"] if row["ends_at"] and row["ends_at"] <= now else now
    shop_rows_changed(tenant_id)
    await Promotion.update({Promotion.active: False, Promotion.ends_at: ends}).where(
        (Promotion.tenant == tenant_id) & (Promotion.id == promotion_id))
    return await get_promotion(tenant_id, promotion_id)


async def get_promotion(tenant_id: int, promotion_id: int) -> dict[str, Any]:
    row = await Promotion.select().where(
        (Promotion.tenant == tenant_id) & (Promotion.id == promotion_id)).first()
    if row is None:
        raise NotFound(f"No promotion {promotion_id} in this shop")
    return _read(row)


def _read(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row["rule"], str):
        row["rule"] = json.loads(row["rule"] or "{}")
    return row


def _live(starts_at: dt.datetime | None, ends_at: dt.datetime | None, now: dt.datetime) -> bool:
    return not ((starts_at and now < starts_at) or (ends_at and now >= ends_at))


async def _active_spans(tenant_id: int) -> tuple[tuple[Any, Any], ...]:
    """(starts_at, ends_at) of the shop's active promotions: kept per process while the
    shop's rows are unchanged (migration marketing_0007), so a shop running no promotion
    now prices a cart without a statement."""
    async def load() -> tuple[tuple[Any, Any], ...]:
        rows = await Promotion.select(Promotion.starts_at, Promotion.ends_at).where(
            (Promotion.tenant == tenant_id) & (Promotion.active == True))  # noqa: E712
        return tuple((r["starts_at"], r["ends_at"]) for r in rows)

    return await shop_fact(tenant_id, "marketing.promotions", load)


# A shop running promotions has every preview and order read them: SQL written once (issue
# 14), the same rows as the ORM's SELECT of every column.
_ACTIVE = "SELECT * FROM marketing_promotion WHERE tenant = {} AND active = {}"


async def live_promotions(tenant_id: int, now: dt.datetime) -> list[dict[str, Any]]:
    rows = await Promotion.raw(_ACTIVE, tenant_id, True)
    return [_read(r) for r in rows if _live(r["starts_at"], r["ends_at"], now)]


async def list_promotions(tenant_id: int) -> list[dict[str, Any]]:
    rows = await Promotion.select().where(Promotion.tenant == tenant_id).order_by(
        Promotion.id, ascending=False)
    return [_read(r) for r in rows]


def _targets(rule: dict[str, Any], line: PricedLine) -> bool:
    products, variants = rule.get("products") or [], rule.get("variants") or []
    if not products and not variants:
        return True
    return line.product_id in products or line.variant_id in variants


def timed_off(rule: dict[str, Any], line: PricedLine) -> int:
    """What a timed discount takes off `line` (0 when it does not apply)."""
    if not (rule.get("products") or rule.get("variants")) or not _targets(rule, line):
        return 0
    if "price" in rule:
        per_item = max(line.unit_price - rule["price"], 0)
    else:
        per_item = line.unit_price * rule["percent_off"] // 100
    return per_item * line.quantity


def quantity_off(rule: dict[str, Any], line: PricedLine) -> int:
    if not _targets(rule, line):
        return 0
    deals = line.quantity // rule["nth"]
    return deals * (line.unit_price - line.unit_price * rule["percent"] // 100)


def tier_off(rule: dict[str, Any], items: int) -> tuple[dict[str, Any] | None, int]:
    """The highest tier `items` reaches and what it takes off."""
    for tier in rule["tiers"]:
        if items >= tier["threshold"]:
            off = tier.get("amount_off") or items * tier.get("percent_off", 0) // 100
            return tier, min(off, items)
    return None, 0


def _item(line: PricedLine) -> str:
    options = " ".join(str(v) for v in (line.options or {}).values())
    return f"{line.name} {options}".strip()


def _data(promotion: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "promotion", "promotion_id": promotion["id"],
            "promotion_kind": promotion["kind"]}


def promotion_adjustments(promotions: list[dict[str, Any]], context: PricingContext
                          ) -> list[Adjustment]:
    """The adjustments `promotions` give the cart in `context` (pure; for tests too)."""
    out: list[Adjustment] = []
    by_kind = {k: [p for p in promotions if p["kind"] == k] for k in KINDS}
    timed_lines: set[int] = set()
    left = context.subtotal + sum(a.amount for a in context.applied if a.target == "items")
    for kind, off_of in (("timed", timed_off), ("quantity", quantity_off)):
        for line in context.lines:
            if kind == "quantity" and line.variant_id in timed_lines:
                continue
            offers = [(off_of(p["rule"], line), p) for p in by_kind[kind]]
            amount, best = max(offers, key=lambda o: (o[0], -o[1]["id"]),
                               default=(0, None))
            amount = min(amount, left)
            if amount <= 0 or best is None:
                continue
            left -= amount
            if kind == "timed":
                timed_lines.add(line.variant_id)
                label = labels.timed_label(context.locale, best["name"], _item(line))
            else:
                label = labels.quantity_label(context.locale, best["name"], _item(line),
                                              best["rule"]["nth"], best["rule"]["percent"])
            out.append(Adjustment(f"{kind}_discount", -amount, label,
                                  data={**_data(best), "variant_id": line.variant_id}))
    offers = [(tier_off(p["rule"], left), p) for p in by_kind["tiers"]]
    offers = [(tier, amount, p) for (tier, amount), p in offers if tier is not None]
    if offers:
        tier, amount, best = max(offers, key=lambda o: (o[1], -o[2]["id"]))
        label = labels.threshold_label(context.locale, context.currency, tier["threshold"],
                                       off=tier.get("amount_off", 0),
                                       percent=tier.get("percent_off", 0))
        out.append(Adjustment("tier_discount", -min(amount, left), label,
                              data={**_data(best), "threshold": tier["threshold"]}))
    return out


class PromotionAdjuster(PriceAdjuster):
    code = "promotion"
    order = 110  # before coupons (200): they apply to what is left

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        now = dt.datetime.now(dt.UTC)
        if not any(_live(starts, ends, now)
                   for starts, ends in await _active_spans(context.shop.id)):
            return []  # none running: nothing to read
        promotions = await live_promotions(context.shop.id, now)
        out = promotion_adjustments(promotions, context) if promotions else []
        if context.placing and out:
            await _record_uses(context, out)
        return out


async def _record_uses(context: PricingContext, adjustments: list[Adjustment]) -> None:
    """One row per promotion the order used (its lines' discounts together), for figures."""
    by_promotion: dict[int, int] = {}
    for a in adjustments:
        by_promotion[a.data["promotion_id"]] = by_promotion.get(
            a.data["promotion_id"], 0) - a.amount
    await PromotionUse.insert(*(PromotionUse(
        tenant=context.shop.id, promotion=pid, order_number=context.order_number or "",
        amount=amount, order_amount=context.subtotal) for pid, amount in
        by_promotion.items())).on_conflict(action="DO NOTHING")


async def give_back(tenant_id: int, number: str) -> int:
    """The order was cancelled or refunded in full: its promotion uses stop counting."""
    returned = await PromotionUse.update({
        PromotionUse.returned_at: dt.datetime.now(dt.UTC)}).where(
        (PromotionUse.tenant == tenant_id) & (PromotionUse.order_number == number)
        & PromotionUse.returned_at.is_null()).returning(PromotionUse.id)
    return len(returned)


async def figures(tenant_id: int) -> dict[int, dict[str, int]]:
    """Per promotion: `orders`, `sales` (their goods totals) and `cost` (what it took off),
    counting orders not cancelled or refunded in full."""
    rows = await PromotionUse.select().where(
        (PromotionUse.tenant == tenant_id) & PromotionUse.returned_at.is_null())
    out: dict[int, dict[str, int]] = {}
    for row in rows:
        entry = out.setdefault(row["promotion"], {"orders": 0, "sales": 0, "cost": 0})
        entry["orders"] += 1
        entry["sales"] += row["order_amount"]
        entry["cost"] += row["amount"]
    return out


__all__ = ["KINDS", "PromotionAdjuster", "change_promotion", "check_rule", "create_promotion",
           "end_promotion", "figures",
           "get_promotion", "give_back",
           "list_promotions", "live_promotions", "promotion_adjustments", "quantity_off",
           "tier_off", "timed_off"]
