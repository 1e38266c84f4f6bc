"""What review-rule plugins implement, and the plain data they are given and give back.

`galleria_review_rules(shop)` returns `ReviewRule` subclasses' instances (the base class
below). The kernel reviews an order once: when it is paid, or when it is
placed if its payment method pays on delivery (cash on delivery). It asks every rule of the
shop's enabled plugins, in their `order` (then `code`), for a `Verdict`, records them all and
combines them:

- any **reject** → the order is rejected (cancelled if unpaid, refunded if paid);
- otherwise any **hold** → the order waits in the review queue (`under_review`);
- otherwise → approved (an *approve* verdict and no opinion at all end the same way; an
  approve is kept as the reason the order went through).

A rule that raises, times out or answers something that is not a `Verdict` holds the order
with the reason ``rule <code> failed: …``: a broken rule never lets an order through
unchecked. Every rule is asked even after a reject, so the record shows every reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from galleria.kernel.tenancy.shops import Shop

APPROVE, HOLD, REJECT, ABSTAIN = "approve", "hold", "reject", "abstain"
# How verdicts combine: the highest rank wins.
RANK = {ABSTAIN: 0, APPROVE: 1, HOLD: 2, REJECT: 3}


@dataclass(frozen=True)
class Verdict:
    """A rule's answer. Build one with `Verdict.approve()`, `.hold(reason)`,
    `.reject(reason)` or `.abstain()`; hold and reject need a reason, shown to the merchant
    in the review queue and the order's timeline."""

    outcome: str
    reason: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in RANK:
            raise ValueError(f"a verdict is one of {', '.join(RANK)}, not {self.outcome!r}")
        if self.outcome in (HOLD, REJECT) and not self.reason.strip():
            raise ValueError(f"a {self.outcome} verdict needs a reason")

    @classmethod
    def approve(cls, reason: str = "") -> Verdict:
        return cls(APPROVE, reason)

    @classmethod
    def hold(cls, reason: str) -> Verdict:
        return cls(HOLD, reason)

    @classmethod
    def reject(cls, reason: str) -> Verdict:
        return cls(REJECT, reason)

    @classmethod
    def abstain(cls) -> Verdict:
        return cls(ABSTAIN)


@dataclass(frozen=True)
class CustomerHistory:
    """The shopper's orders in this shop *before* this one, matched by customer id or by
    the contact phone: `orders` placed (any state), `paid` of them paid at some point."""

    orders: int = 0
    paid: int = 0


@dataclass(frozen=True)
class ReviewContext:
    """What a rule judges. `order` is the order as the merchant sees it (number, status,
    total, currency, contact, address, payment_method, invoice, note, lines, customer_id,
    created_at …; amounts in minor units). `payment_offline` / `pays_on_delivery` are the
    facts of the order's payment gateway (False when the shop has no such gateway).
    `orders_from_phone(since)` counts the shop's orders whose contact phone is this
    order's, placed at or after `since` and up to this one (included)."""

    shop: Shop
    order: dict[str, Any]
    history: CustomerHistory
    payment_offline: bool = False
    pays_on_delivery: bool = False
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    _count_phone: Callable[[dt.datetime], Awaitable[int]] | None = field(
        default=None, repr=False, compare=False)

    @property
    def phone(self) -> str:
        return str((self.order.get("contact") or {}).get("phone") or "")

    async def orders_from_phone(self, since: dt.datetime) -> int:
        if self._count_phone is None or not self.phone:
            return 0
        return await self._count_phone(since)


class ReviewRule:
    """One review rule: the base class of every rule. `code` is unique among a shop's rules
    (`order_review.address`); `name` is shown to merchants (the code when empty); `order`
    sets the evaluation order (lower first, default 100).

    `judge` may read the shop's data (it runs outside any transaction: open
    `shop_scope(context.shop.id)`), must not write, and should answer within a few seconds.
    The default has no opinion.
    """

    code: str = ""
    name: str = ""
    order: int = 100

    @property
    def title(self) -> str:
        return self.name or self.code or type(self).__name__

    async def judge(self, context: ReviewContext) -> Verdict:
        return Verdict.abstain()


__all__ = ["ABSTAIN", "APPROVE", "HOLD", "RANK", "REJECT", "CustomerHistory", "ReviewContext",
           "ReviewRule", "Verdict"]
