"""Every move between order states, allowed or forbidden, written out here by hand from the
domain (docs/architecture.md, GLOSSARY) and NOT derived from `orders.states`: a change to
the transition table fails this test until someone decides it here too.

Rows are from-states, columns to-states, in this order:
  pp = pending_payment, pa = paid, ur = under_review, ap = approved, fu = fulfilling,
  sh = shipped, de = delivered, co = completed, ca = cancelled, rg = refunding, rd = refunded
`x` = allowed, `.` = forbidden.
"""

import pytest

from galleria.kernel.orders import states

ORDER = ["pending_payment", "paid", "under_review", "approved", "fulfilling", "shipped",
         "delivered", "completed", "cancelled", "refunding", "refunded"]

MATRIX = """
        pp pa ur ap fu sh de co ca rg rd
    pp   .  x  x  x  .  .  .  .  x  .  .    unpaid: paid, cancelled; held/approved for COD
    pa   .  .  x  x  .  .  .  .  .  x  x    paid: reviewed; never cancelled, refunded
    ur   .  .  .  x  .  .  .  .  x  x  x    cancelled = an unpaid (COD) order rejected
    ap   .  .  .  .  x  .  .  .  x  x  x
    fu   .  .  .  .  .  x  .  .  x  x  x
    sh   .  .  .  .  .  .  x  .  .  x  x    shipped: no more cancelling
    de   .  .  .  .  .  .  .  x  .  x  x
    co   .  .  .  .  .  .  .  .  .  x  x    after-sales refunds
    ca   .  .  .  .  .  .  .  .  .  .  .    final
    rg   .  .  .  .  .  .  .  .  .  .  x
    rd   .  .  .  .  .  .  .  .  .  .  .    final
"""


def _expected() -> dict[tuple[str, str], bool]:
    rows = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    assert [row[0] for row in rows] == ["pp", "pa", "ur", "ap", "fu", "sh", "de", "co", "ca",
                                        "rg", "rd"]
    return {(ORDER[i], ORDER[j]): row[1 + j] == "x"
            for i, row in enumerate(rows) for j in range(len(ORDER))}


EXPECTED = _expected()


def test_the_states_are_exactly_these():
    assert sorted(states.STATES) == sorted(ORDER)
    assert states.INITIAL == "pending_payment"
    assert set(states.FINAL) == {"cancelled", "refunded"}


@pytest.mark.parametrize(("from_status", "to_status"), sorted(EXPECTED))
def test_each_move_is_allowed_or_refused_as_written_here(from_status, to_status):
    allowed = EXPECTED[(from_status, to_status)]
    assert states.can_transition(from_status, to_status) is allowed
    if allowed:
        states.check_transition(from_status, to_status)
    else:
        with pytest.raises(states.IllegalTransition) as refused:
            states.check_transition(from_status, to_status)
        assert refused.value.extra == {"from_status": from_status, "to_status": to_status}


def test_an_unknown_state_is_refused_both_ways():
    for pair in (("pending_payment", "teleported"), ("teleported", "paid")):
        assert states.can_transition(*pair) is False
        with pytest.raises(states.IllegalTransition):
            states.check_transition(*pair)


def test_stock_is_held_until_shipping():
    assert set(states.HOLDS_STOCK) == {"pending_payment", "paid", "under_review", "approved",
                                       "fulfilling"}
