"""What order events do to points and levels. Each handler runs after commit, from the
outbox, and may run again (a retry, a worker taken over): every change it makes is keyed on
the order and the event (`earn:<number>`, `reverse:<number>:<event id>`), so a second run
writes nothing, and the amounts are capped by what the order earned or spent, so no sequence
of partial and full refunds ever takes back more than was given.

- completed: earn at the shop's rate (per category if set) on what was paid for the goods
  and kept; the spend counts towards the member level.
- refunded (in part or in full, a return included): take back the earned points in
  proportion to the money refunded (the rest on the full refund), give back the redeemed
  points the same way, and deduct the spend.
- cancelled: give back the redeemed points.
- lines cancelled on an unpaid order: give back the lines' share of the redeemed points
  (a paid order's cancelled lines are refunded, and that refund gives them back).
Levels are worked out again after each.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import OrderFacts, enqueue, order_facts, shop_scope
from galleria_plugins.marketing_points import ledger
from galleria_plugins.marketing_points.rules import Rules, shop_rules
from galleria_plugins.marketing_points.tables import PointsAccount

EXPIRE_JOB = "marketing_points.expire"


def earned_points(facts: OrderFacts, rules: Rules) -> int:
    """Points for `facts`: each kept line's share of what was paid for the goods, at its
    category's rate (points per yuan), rounded down."""
    basis = sum(line.kept_total for line in facts.lines)
    if basis <= 0:
        return 0
    points = 0
    for line in facts.lines:
        paid = facts.paid_goods * line.kept_total // basis
        points += paid * rules.rate_for(line.category_id) // 100
    return points


def _sum(entries: list[dict[str, Any]], kind: str, field: str = "points") -> int:
    return sum(abs(e[field]) for e in entries if e["kind"] == kind)


async def recalculate_level(tenant_id: int, customer: int, rules: Rules | None = None) -> str:
    """Set the customer's level from their spend or points (inside the shop's scope)."""
    rules = rules or await shop_rules(tenant_id)
    account = await ledger.get_account(tenant_id, customer)
    level = rules.level_for(account["spend_total"], account["earned_total"])
    name = level.name if level else ""
    if name != account["level"]:
        await ledger.ensure_account(tenant_id, customer)
        await PointsAccount.update({PointsAccount.level: name}).where(
            (PointsAccount.tenant == tenant_id) & (PointsAccount.customer == customer))
    return name


async def order_completed(tenant_id: int, number: str) -> int:
    """Earn the order's points once; returns the points earned now (0 on a repeat)."""
    async with shop_scope(tenant_id):
        facts = await order_facts(tenant_id, number)
        if facts.customer_id is None:
            return 0
        rules = await shop_rules(tenant_id, facts.currency)
        points = earned_points(facts, rules)
        now = dt.datetime.now(dt.UTC)
        expires_at = rules.expires_at(now, facts.timezone)
        written = await ledger.credit(
            tenant_id, facts.customer_id, points, "earn", f"earn:{number}",
            order_number=number, spend=facts.paid_goods, earned=True, expires_at=expires_at)
        if written and expires_at and points:
            await schedule_expiry(tenant_id, expires_at, now)
        await recalculate_level(tenant_id, facts.customer_id, rules)
        return points if written else 0


async def schedule_expiry(tenant_id: int, expires_at: dt.datetime, now: dt.datetime) -> None:
    """The job that expires the shop's due lots, when this lot comes due (the outbox row is
    durable, so it survives restarts however far off that is)."""
    await enqueue(tenant_id, EXPIRE_JOB, delay=max(expires_at - now, dt.timedelta(0)),
                  shop_id=tenant_id)


async def order_refunded(tenant_id: int, number: str, amount: int, full: bool,
                         event_id: int) -> None:
    async with shop_scope(tenant_id):
        facts = await order_facts(tenant_id, number)
        if facts.customer_id is None:
            return
        customer = facts.customer_id
        entries = await ledger.order_entries(tenant_id, number)
        share = (lambda whole: whole) if full or facts.total <= 0 else (
            lambda whole: -(-whole * amount // facts.total))  # rounded up: never owed a point
        earned, spend = _sum(entries, "earn"), _sum(entries, "earn", "amount")
        taken, spend_taken = _sum(entries, "reverse"), _sum(entries, "reverse", "amount")
        if earned or spend:
            await ledger.debit(
                tenant_id, customer, min(share(earned), earned - taken), "reverse",
                f"reverse:{number}:{event_id}", order_number=number, require=False,
                earned=True, spend=min(amount, spend - spend_taken))
        await _give_back(tenant_id, customer, number, entries, share, f"refund:{event_id}",
                         facts.timezone)
        await recalculate_level(tenant_id, customer)


async def order_cancelled(tenant_id: int, number: str) -> None:
    async with shop_scope(tenant_id):
        facts = await order_facts(tenant_id, number)
        if facts.customer_id is not None:
            await _give_back(tenant_id, facts.customer_id, number,
                             await ledger.order_entries(tenant_id, number),
                             lambda whole: whole, "cancel", facts.timezone)


async def lines_cancelled(tenant_id: int, payload: dict[str, Any]) -> None:
    if payload.get("amount") or not payload.get("points"):
        return  # money went back: the refund's own event gives the points back
    number = payload["number"]
    async with shop_scope(tenant_id):
        facts = await order_facts(tenant_id, number)
        if facts.customer_id is None:
            return
        value = sum(line["unit_price"] * line["quantity"] for line in payload["lines"])
        share = (lambda whole: whole) if payload.get("all_cancelled") or facts.subtotal <= 0 \
            else (lambda whole: -(-whole * value // facts.subtotal))
        await _give_back(tenant_id, facts.customer_id, number,
                         await ledger.order_entries(tenant_id, number), share,
                         f"lines:{payload['cancellation_id']}", facts.timezone)


async def _give_back(tenant_id: int, customer: int, number: str, entries: list[dict[str, Any]],
                     share: Any, key: str, timezone: str) -> None:
    """Give back (a share of) the points the order spent, never more than it spent; they
    expire by the shop's rule from today."""
    redeemed, returned = _sum(entries, "redeem"), _sum(entries, "return")
    if redeemed > returned:
        rules = await shop_rules(tenant_id)
        now = dt.datetime.now(dt.UTC)
        expires_at = rules.expires_at(now, timezone)
        if await ledger.credit(tenant_id, customer, min(share(redeemed), redeemed - returned),
                               "return", f"return:{number}:{key}", order_number=number,
                               expires_at=expires_at) and expires_at:
            await schedule_expiry(tenant_id, expires_at, now)


async def grant_reward(tenant_id: int, payload: dict[str, Any]) -> bool:
    """A `reward.granted` event of kind `points`: credit them once per `ref`."""
    if payload.get("kind") != "points" or type(payload.get("amount")) is not int:
        return False
    async with shop_scope(tenant_id):
        rules = await shop_rules(tenant_id)
        now = dt.datetime.now(dt.UTC)
        expires_at = rules.expires_at(now, str(payload.get("timezone") or "Asia/Shanghai"))
        written = await ledger.credit(
            tenant_id, int(payload["customer_id"]), payload["amount"], "reward",
            f"reward:{payload['ref']}", note=str(payload.get("reason") or "")[:200],
            expires_at=expires_at)
        if written and expires_at:
            await schedule_expiry(tenant_id, expires_at, now)
        await recalculate_level(tenant_id, int(payload["customer_id"]), rules)
        return written


async def expire_all_due(shop_id: int) -> int:
    """The expiry job: expire every lot of the shop that is due (idempotent)."""
    tenant_id = shop_id
    async with shop_scope(tenant_id):
        return await ledger.expire_due(tenant_id)


__all__ = ["earned_points", "expire_all_due", "grant_reward", "lines_cancelled",
           "order_cancelled", "order_completed", "order_refunded", "recalculate_level"]
