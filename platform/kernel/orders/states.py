"""The order state machine: ONE table of allowed transitions, and nothing else decides.

    pending_payment ─► paid ─► under_review ─► approved ─► fulfilling ─► shipped ─► delivered
          │              └──────────────────────┘                                      │
          │ (cash on delivery: reviewed/approved before it is paid)                 completed
          └─► cancelled              every state from paid on ─► refunding ─► refunded

Unpaid orders are cancelled (timeout, shopper, merchant, review rejection); paid ones are
refunded instead, so money and stock are returned together. A partial refund keeps the
order's state (it is recorded on the order and in its timeline); only a full refund ends in
`refunded`. `cancelled` and `refunded` are final.
"""

from __future__ import annotations

from galleria.kernel.errors import Conflict

PENDING_PAYMENT = "pending_payment"
PAID = "paid"
UNDER_REVIEW = "under_review"
APPROVED = "approved"
FULFILLING = "fulfilling"
SHIPPED = "shipped"
DELIVERED = "delivered"
COMPLETED = "completed"
CANCELLED = "cancelled"
REFUNDING = "refunding"
REFUNDED = "refunded"

_REFUND = (REFUNDING, REFUNDED)

TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING_PAYMENT: frozenset({PAID, UNDER_REVIEW, APPROVED, CANCELLED}),
    PAID: frozenset({UNDER_REVIEW, APPROVED, *_REFUND}),
    UNDER_REVIEW: frozenset({APPROVED, CANCELLED, *_REFUND}),
    APPROVED: frozenset({FULFILLING, CANCELLED, *_REFUND}),
    FULFILLING: frozenset({SHIPPED, CANCELLED, *_REFUND}),
    SHIPPED: frozenset({DELIVERED, *_REFUND}),
    DELIVERED: frozenset({COMPLETED, *_REFUND}),
    COMPLETED: frozenset(_REFUND),  # after-sales: a return refunded after completion
    REFUNDING: frozenset({REFUNDED}),
    CANCELLED: frozenset(),
    REFUNDED: frozenset(),
}

STATES: tuple[str, ...] = tuple(TRANSITIONS)
INITIAL = PENDING_PAYMENT
FINAL = frozenset(state for state, targets in TRANSITIONS.items() if not targets)

# Entering these states emits `order.<state>` (the event hooks of hookspecs.py).
EVENTS: dict[str, str] = {
    state: f"order.{state}" for state in (PAID, SHIPPED, DELIVERED, COMPLETED, CANCELLED,
                                          REFUNDED)
}

# While an order is in one of these, its stock is still reserved (not yet shipped).
HOLDS_STOCK = frozenset({PENDING_PAYMENT, PAID, UNDER_REVIEW, APPROVED, FULFILLING})


class IllegalTransition(Conflict):
    code, title = "illegal_transition", "Illegal order transition"


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def check_transition(from_status: str, to_status: str) -> None:
    """Raise IllegalTransition naming both states unless the table allows the move."""
    if to_status not in TRANSITIONS:
        raise IllegalTransition(f"“{to_status}” is not an order state",
                                from_status=from_status, to_status=to_status)
    if not can_transition(from_status, to_status):
        allowed = ", ".join(sorted(TRANSITIONS.get(from_status, ()))) or "nothing (final)"
        raise IllegalTransition(
            f"An order that is {from_status} cannot become {to_status} "
            f"(allowed: {allowed})", from_status=from_status, to_status=to_status)


__all__ = ["EVENTS", "FINAL", "HOLDS_STOCK", "INITIAL", "STATES", "TRANSITIONS",
           "IllegalTransition", "can_transition", "check_transition"]
