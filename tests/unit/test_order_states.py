"""The order state machine's table: walks stay legal, every state is reachable, and the
checker refuses exactly what the table leaves out."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from galleria.kernel.orders import states
from galleria.kernel.orders.states import (
    FINAL,
    INITIAL,
    STATES,
    TRANSITIONS,
    IllegalTransition,
    can_transition,
    check_transition,
)

GLOSSARY_STATES = {"pending_payment", "paid", "under_review", "approved", "fulfilling",
                   "shipped", "delivered", "completed", "cancelled", "refunding", "refunded"}


def test_the_table_names_exactly_the_glossarys_states():
    assert set(STATES) == GLOSSARY_STATES
    assert all(targets <= GLOSSARY_STATES for targets in TRANSITIONS.values())
    assert sorted(FINAL) == ["cancelled", "refunded"]


def test_every_state_is_reachable_from_pending_payment():
    seen, frontier = {INITIAL}, [INITIAL]
    while frontier:
        frontier = [t for s in frontier for t in TRANSITIONS[s] if t not in seen]
        seen.update(frontier)
    assert seen == set(STATES)


def test_every_state_but_the_final_ones_can_still_end():
    for state in STATES:
        seen, frontier = {state}, [state]
        while frontier:
            frontier = [t for s in frontier for t in TRANSITIONS[s] if t not in seen]
            seen.update(frontier)
        assert seen & FINAL, state


@given(st.lists(st.integers(min_value=0, max_value=1000), max_size=40))
def test_random_walks_follow_the_table_and_stay_in_it(choices):
    state = INITIAL
    for choice in choices:
        targets = sorted(TRANSITIONS[state])
        if not targets:
            assert state in FINAL
            break
        nxt = targets[choice % len(targets)]
        check_transition(state, nxt)  # the walk only takes allowed steps
        state = nxt
        assert state in GLOSSARY_STATES


@given(st.lists(st.sampled_from(sorted(GLOSSARY_STATES)), max_size=60))
def test_walks_of_arbitrary_proposals_never_reach_an_illegal_state(proposals):
    """Propose any state at every step: the checker lets through only the table's moves,
    so the walk is always somewhere the table leads from pending_payment."""
    state, path = INITIAL, [INITIAL]
    for proposal in proposals:
        try:
            check_transition(state, proposal)
        except IllegalTransition:
            assert proposal not in TRANSITIONS[state]
            continue
        state = proposal
        path.append(state)
    assert all(b in TRANSITIONS[a] for a, b in itertools.pairwise(path))
    assert state in GLOSSARY_STATES


@given(st.sampled_from(sorted(GLOSSARY_STATES)), st.sampled_from(sorted(GLOSSARY_STATES)))
def test_the_checker_refuses_exactly_what_the_table_leaves_out(from_status, to_status):
    if to_status in TRANSITIONS[from_status]:
        check_transition(from_status, to_status)
        assert can_transition(from_status, to_status)
    else:
        with pytest.raises(IllegalTransition) as info:
            check_transition(from_status, to_status)
        assert info.value.code == "illegal_transition" and info.value.kind == "conflict"
        assert from_status in info.value.detail and to_status in info.value.detail
        assert info.value.extra == {"from_status": from_status, "to_status": to_status}


@given(st.text(max_size=12).filter(lambda s: s not in GLOSSARY_STATES))
def test_unknown_states_are_refused(name):
    with pytest.raises(IllegalTransition):
        check_transition(INITIAL, name)
    assert not can_transition(name, INITIAL)


def test_money_leaves_only_by_refund_and_events_match_hooks():
    from galleria.kernel import hookspecs

    paid_states = set(STATES) - {"pending_payment", "cancelled"}
    assert all("cancelled" not in TRANSITIONS[s] for s in ("paid", "shipped", "delivered",
                                                            "completed"))
    assert all(s in FINAL or "refunded" in TRANSITIONS[s] or s == "refunding"
               for s in paid_states)
    for topic in states.EVENTS.values():
        assert hasattr(hookspecs, "galleria_" + topic.replace(".", "_")), topic
