"""How verdicts combine: reject beats hold beats approve, no opinion approves, and a rule
that fails holds the order (pure: no database)."""

from __future__ import annotations

import asyncio

import pytest
from review_helpers import context

from galleria.kernel import ReviewRule, Verdict
from galleria.kernel.review import runner
from galleria.kernel.review.runner import Judged, combine, judge_all


def judged(*verdicts: str) -> list[Judged]:
    return [Judged(f"r{i}", f"r{i}", v, "why" if v in ("hold", "reject") else "")
            for i, v in enumerate(verdicts)]


@pytest.mark.parametrize(("verdicts", "outcome"), [
    ((), "approve"),
    (("abstain", "abstain"), "approve"),
    (("approve",), "approve"),
    (("approve", "hold"), "hold"),
    (("hold", "approve"), "hold"),
    (("approve", "hold", "reject"), "reject"),
    (("reject", "approve"), "reject"),
    (("abstain", "reject", "hold"), "reject"),
])
def test_reject_beats_hold_beats_approve(verdicts, outcome):
    assert combine(judged(*verdicts)) == outcome


def test_a_hold_or_reject_needs_a_reason():
    with pytest.raises(ValueError, match="needs a reason"):
        Verdict.hold("  ")
    with pytest.raises(ValueError, match="one of"):
        Verdict("maybe")


class Rule(ReviewRule):
    def __init__(self, code, order, answer):
        self.code, self.name, self.order, self.answer = code, code, order, answer

    async def judge(self, context):
        if isinstance(self.answer, Exception):
            raise self.answer
        if self.answer == "slow":
            await asyncio.sleep(5)
        return self.answer


async def test_every_rule_is_asked_in_order_and_failures_hold(monkeypatch):
    monkeypatch.setattr(runner, "RULE_TIMEOUT", 0.05)
    rules = [Rule("late", 90, Verdict.approve("known")), Rule("boom", 10, KeyError("phone")),
             Rule("odd", 20, "yes"), Rule("slow", 30, "slow"),
             Rule("no", 5, Verdict.reject("blacklisted"))]
    assert all(isinstance(r, ReviewRule) for r in rules)
    result = await judge_all(rules, context())
    assert [j.rule for j in result] == ["no", "boom", "odd", "slow", "late"]
    assert [j.verdict for j in result] == ["reject", "hold", "hold", "hold", "approve"]
    assert result[1].reason == "rule boom failed: 'phone'"
    assert result[2].reason == "rule odd failed: answered str, not a Verdict"
    assert result[3].reason == "rule slow failed: no answer within 0 s"
    assert combine(result) == "reject"
    assert combine(result[1:]) == "hold"  # a broken rule never lets an order through
