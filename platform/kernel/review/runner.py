"""Reviewing an order: ask the shop's review rules, combine, record, move the order.

Runs after commit, from the outbox, as two kernel listeners: on `order.paid`, and on
`order.placed` when the order's payment method is a gateway that pays on delivery (cash on
delivery orders are reviewed before they are shipped, not after they are paid). See
`contracts.py` for how verdicts combine. The outcome moves the order:

- approved → `approved`;
- held → `under_review`, the reasons in its timeline and in the review queue;
- rejected → `cancelled` when unpaid (its stock released); when paid, refunded through
  `galleria.kernel.payments.refunds.refund_order` — and if that is refused (no payment to
  refund, a gateway that cannot), held with the reason "rejected: refund by hand".

An order is reviewed once (a unique key on the record). The decision is stored in the same
transaction as the transition; a listener retried after that finds the order moved on and
does nothing, and one retried after a paid rejection whose refund failed tries the refund
again without judging the order a second time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import DomainError, NotFound
from galleria.kernel.events import Event, Listener
from galleria.kernel.orders import service as orders
from galleria.kernel.orders import states
from galleria.kernel.payments.contracts import PaymentGateway
from galleria.kernel.payments.refunds import refund_order
from galleria.kernel.plugins import PluginHost
from galleria.kernel.review import history
from galleria.kernel.review.contracts import (
    ABSTAIN,
    APPROVE,
    HOLD,
    RANK,
    REJECT,
    ReviewContext,
    ReviewRule,
    Verdict,
)
from galleria.kernel.review.tables import OrderReview
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop, get_shop_by_id

log = logging.getLogger("galleria.review")
AUTOMATIC = "review:auto"  # decided_by of a decision no person took
RULE_TIMEOUT = 10.0  # seconds a rule may take before it counts as failed
HELD, APPROVED, REJECTED = "held", "approved", "rejected"  # OrderReview.outcome
REFUND_BY_HAND = "rejected: refund by hand"


@dataclass(frozen=True)
class Judged:
    """One rule's verdict, as recorded."""

    rule: str
    name: str
    verdict: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "name": self.name, "verdict": self.verdict,
                "reason": self.reason}


def combine(judged: Sequence[Judged]) -> str:
    """reject > hold > approve; no opinion at all is an approval."""
    top = max((RANK[j.verdict] for j in judged), default=RANK[ABSTAIN])
    return {RANK[REJECT]: REJECT, RANK[HOLD]: HOLD}.get(top, APPROVE)


def ordered(rules: Sequence[ReviewRule]) -> list[ReviewRule]:
    """The evaluation order: by each rule's `order` (default 100), then its `code`."""
    return sorted(rules, key=lambda r: (r.order, _code(r)))


def _code(rule: ReviewRule) -> str:
    return rule.code or type(rule).__name__


async def judge_all(rules: Sequence[ReviewRule], context: ReviewContext) -> list[Judged]:
    """Ask every rule, in order. A rule that raises, runs past RULE_TIMEOUT or answers
    something that is not a Verdict holds the order: "rule <code> failed: …"."""
    judged = []
    for rule in ordered(rules):
        code, name = _code(rule), rule.name or _code(rule)
        try:
            verdict = await asyncio.wait_for(rule.judge(context), RULE_TIMEOUT)
            if not isinstance(verdict, Verdict):
                raise TypeError(f"answered {type(verdict).__name__}, not a Verdict")
        except Exception as exc:  # a broken rule must hold the order, never approve it
            log.exception("review rule %s failed on order %s", code, context.order["number"])
            detail = str(exc) or type(exc).__name__
            if isinstance(exc, TimeoutError):
                detail = f"no answer within {RULE_TIMEOUT:.0f} s"
            verdict = Verdict.hold(f"rule {code} failed: {detail}")
        judged.append(Judged(code, name, verdict.outcome, verdict.reason))
    return judged


def gateway_for(host: PluginHost, shop: Shop, enabled: frozenset[str],
                code: str) -> PaymentGateway | None:
    """The shop's enabled gateway whose code is `code`, or None."""
    gateways = host.provided("galleria_payment_gateways", enabled, PaymentGateway, shop=shop)
    return next((g for g in gateways if g.code == code), None)


async def review_order(shop: Shop, host: PluginHost, number: str, *,
                       expect: str) -> str | None:
    """Review order `number` if it is still in state `expect` (paid, or pending_payment for
    cash on delivery); returns the outcome (held/approved/rejected) or None if there was
    nothing to do."""
    async with db.shop_scope(shop.id):
        try:
            row = await orders.get_order(shop.id, number)
        except NotFound:  # an event about an order the shop does not have: nothing to do
            log.warning("order %s of shop %s to review does not exist", number, shop.id)
            return None
        if row["status"] != expect:
            return None  # reviewed, paid, cancelled or refunded meanwhile
        done = await OrderReview.select().where(
            (OrderReview.tenant == shop.id) & (OrderReview.order == row["id"])).first()
        enabled = await enabled_plugins(shop.id)
        if done is None:
            context = await _context(shop, host, enabled, row)
    if done is not None:  # decided before; only a paid rejection's refund can be left
        if done["outcome"] == REJECTED:
            await _refund(shop, host, row, _reasons_text(done["reasons"]))
        return done["outcome"]
    try:
        rules = host.collect("galleria_review_rules", enabled, shop=shop)
    except Exception as exc:  # a plugin's hook itself broke: a person decides
        log.exception("collecting the review rules of shop %s failed", shop.id)
        judged = [Judged("galleria_review_rules", "review rules", HOLD,
                         f"the review rules could not be collected: {exc}")]
    else:
        # Something that is not a ReviewRule cannot judge: like a broken rule, it holds
        # the order rather than let it through unchecked.
        judged = [Judged(type(r).__name__, type(r).__name__, HOLD,
                         f"rule {type(r).__name__} failed: not a ReviewRule")
                  for r in rules if not isinstance(r, ReviewRule)]
        judged += await judge_all([r for r in rules if isinstance(r, ReviewRule)], context)
    return await _decide(shop, host, row, judged)


async def _context(shop: Shop, host: PluginHost, enabled: frozenset[str],
                   row: dict[str, Any]) -> ReviewContext:
    view = await orders.order_view(shop.id, row, staff=True)
    view["id"] = row["id"]
    gateway = gateway_for(host, shop, enabled, row["payment_method"])

    async def count_phone(since: dt.datetime) -> int:
        async with db.shop_scope(shop.id):
            return await history.orders_from_phone(shop.id, row, since)

    return ReviewContext(
        shop=shop, order=view, history=await history.customer_history(shop.id, row),
        payment_offline=gateway is not None and gateway.offline,
        pays_on_delivery=gateway is not None and gateway.pays_on_delivery,
        _count_phone=count_phone)


def _reasons_text(reasons: Any, wanted: tuple[str, ...] = (REJECT, HOLD)) -> str:
    items = history.parse_json(reasons) or []
    return "; ".join(r["reason"] for r in items if r.get("verdict") in wanted and r["reason"])


async def _decide(shop: Shop, host: PluginHost, row: dict[str, Any],
                  judged: list[Judged]) -> str:
    outcome = combine(judged)
    reasons = [j.to_json() for j in judged]
    now = dt.datetime.now(dt.UTC)
    paid = row["paid_at"] is not None
    refund = outcome == REJECT and paid
    recorded = HELD if outcome == HOLD else (APPROVED if outcome == APPROVE else REJECTED)
    async with db.shop_scope(shop.id):
        await OrderReview.insert(OrderReview(
            tenant=shop.id, order=row["id"], outcome=recorded, reasons=reasons,
            decided_by=AUTOMATIC, started_at=now,
            decided_at=None if recorded == HELD else now))
        if outcome == APPROVE:
            said = "; ".join(j.reason for j in judged if j.verdict == APPROVE and j.reason)
            await orders.transition(shop.id, row["number"], states.APPROVED, actor=AUTOMATIC,
                                    reason=said or "approved automatically")
        elif outcome == HOLD:
            await orders.transition(shop.id, row["number"], states.UNDER_REVIEW,
                                    actor=AUTOMATIC, reason=_held_text(judged))
        elif not paid:
            await orders.transition(shop.id, row["number"], states.CANCELLED, actor=AUTOMATIC,
                                    reason="rejected: " + _held_text(judged, REJECT))
    if refund:
        await _refund(shop, host, row, _held_text(judged, REJECT))
    return recorded


def _held_text(judged: list[Judged], verdict: str = HOLD) -> str:
    wanted = (REJECT, HOLD) if verdict == HOLD else (REJECT,)
    return "; ".join(j.reason for j in judged if j.verdict in wanted)


async def _refund(shop: Shop, host: PluginHost, row: dict[str, Any], reason: str) -> None:
    """Refund a rejected paid order. If the payments service refuses (no payment to refund,
    a gateway that cannot), a person takes over: the order is held with the reason."""
    if row["paid_at"] is None:
        return
    try:
        await refund_order(shop, host, row["number"], row["total"] - row["refunded_total"],
                           actor=AUTOMATIC, reason=f"rejected: {reason}"[:500])
    except DomainError as exc:
        log.warning("order %s was rejected but not refunded: %s", row["number"], exc.detail)
        async with db.shop_scope(shop.id):
            await OrderReview.update({OrderReview.outcome: HELD,
                                      OrderReview.decided_at: None}).where(
                (OrderReview.tenant == shop.id) & (OrderReview.order == row["id"]))
            await orders.transition(
                shop.id, row["number"], states.UNDER_REVIEW, actor=AUTOMATIC,
                reason=f"{REFUND_BY_HAND} (the refund failed: {exc.detail}): {reason}")


# -- the listeners -------------------------------------------------------------------------
async def on_paid(event: Event, host: PluginHost) -> None:
    shop = await _shop(event)
    if shop is not None:
        await review_order(shop, host, event.payload["number"], expect=states.PAID)


async def on_placed(event: Event, host: PluginHost) -> None:
    """Review a cash-on-delivery order now: it will not be paid before it is delivered."""
    shop = await _shop(event)
    if shop is None:
        return
    async with db.shop_scope(shop.id):
        enabled = await enabled_plugins(shop.id)
    gateway = gateway_for(host, shop, enabled, str(event.payload.get("payment_method", "")))
    if gateway is not None and gateway.pays_on_delivery:
        await review_order(shop, host, event.payload["number"],
                           expect=states.PENDING_PAYMENT)


async def _shop(event: Event) -> Shop | None:
    if event.tenant_id is None:
        return None
    return await get_shop_by_id(event.tenant_id)


LISTENERS = [Listener("review.paid", "order.paid", on_paid),
             Listener("review.placed", "order.placed", on_placed)]

__all__ = ["AUTOMATIC", "LISTENERS", "REFUND_BY_HAND", "Judged", "combine", "judge_all",
           "ordered", "review_order"]
