"""Normalising price adjusters' results: whatever plugins answer, discounts stay integers,
never exceed what they discount, and a failing adjuster gives nothing."""

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from galleria.kernel import Adjustment, PriceAdjuster, PricingContext, Shop
from galleria.kernel.checkout.pricing import apply_adjusters

SHOP = Shop(id=1, slug="tea", name="Tea", status="active", currency="CNY", locale="zh_CN",
            timezone="Asia/Shanghai", theme_color="#000000", logo="", template="blank",
            plan="free")

adjustments = st.lists(st.builds(
    Adjustment, code=st.sampled_from(["coupon", "points", "member"]),
    amount=st.integers(min_value=-10**7, max_value=0),
    target=st.sampled_from(["items", "shipping"])), max_size=4)
answers = st.one_of(adjustments, st.just("raise"), st.just("nonsense"), st.just("surcharge"))


class Fake(PriceAdjuster):
    def __init__(self, index, answer):
        self.order, self.code, self.answer = index, f"fake{index}", answer

    async def adjust(self, context):
        if self.answer == "raise":
            raise RuntimeError("broken plugin")
        if self.answer == "nonsense":
            return [{"amount": -100}]
        if self.answer == "surcharge":
            return [Adjustment("fee", 500)]
        return self.answer


def _run(coroutine):
    """On a private loop: the session's loop (pytest-asyncio) is left alone."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def _context(subtotal, fee):
    return PricingContext(shop=SHOP, currency="CNY", lines=(), subtotal=subtotal,
                          shipping_method="flat" if fee else None, shipping_fee=fee,
                          address=None, coupon_code=None, points=0, customer_id=None)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**4),
       st.lists(answers, max_size=5))
def test_normalised_discounts_stay_within_what_they_discount(subtotal, fee, plan):
    fakes = [Fake(i, answer) for i, answer in enumerate(plan)]
    applied = _run(apply_adjusters(fakes, _context(subtotal, fee)))
    amounts = [a.adjustment.amount for a in applied]
    assert all(type(amount) is int and amount <= 0 for amount in amounts)
    items = -sum(a.adjustment.amount for a in applied if a.adjustment.target == "items")
    shipping = -sum(a.adjustment.amount for a in applied if a.adjustment.target == "shipping")
    assert 0 <= items <= subtotal and 0 <= shipping <= fee
    assert subtotal + fee - items - shipping >= 0
    good = {f.code for f in fakes if isinstance(f.answer, list)}
    assert {a.source for a in applied} <= good  # failing adjusters give nothing
    sources = [a.source for a in applied]
    assert sources == sorted(sources, key=lambda code: int(code.removeprefix("fake")))


def test_each_adjuster_sees_what_was_applied_before_it():
    seen = []

    class Watcher(PriceAdjuster):
        order, code = 2, "watcher"

        async def adjust(self, context):
            seen.append((context.applied, context.payable))
            return []

    first = Fake(1, [Adjustment("coupon", -3000)])
    _run(apply_adjusters([first, Watcher()], _context(2000, 500)))
    assert seen == [((Adjustment("coupon", -2000),), 500)]  # clamped before it is shown


def test_an_adjuster_that_takes_too_long_is_skipped_and_the_next_gets_its_own_time(
        monkeypatch):
    """Each adjuster may take PLUGIN_TIMEOUT: a slow one gives nothing, and those after it
    are timed from their own start, however long the ones before them took."""
    from galleria.kernel.checkout import pricing

    monkeypatch.setattr(pricing, "PLUGIN_TIMEOUT", 0.2)
    ran = []

    class Sleeper(PriceAdjuster):
        def __init__(self, code, seconds, amount):
            self.code, self.seconds, self.amount = code, seconds, amount

        async def adjust(self, context):
            await asyncio.sleep(self.seconds)
            ran.append(self.code)
            return [Adjustment(self.code, self.amount)]

    chain = [Sleeper("slow", 5, -100), Sleeper("steady1", 0.15, -10),
             Sleeper("steady2", 0.15, -20), Sleeper("quick", 0, -1)]

    async def priced():
        loop = asyncio.get_running_loop()
        started = loop.time()
        applied = await apply_adjusters(chain, _context(2000, 0))
        return applied, loop.time() - started, asyncio.current_task().cancelling()

    applied, took, cancelling = _run(priced())
    assert [(a.source, a.adjustment.amount) for a in applied] == [
        ("steady1", -10), ("steady2", -20), ("quick", -1)]
    assert ran == ["steady1", "steady2", "quick"]
    assert 0.45 < took < 1.5 and cancelling == 0  # the slow one cut at 0.2 s, not 5


def test_an_adjuster_chain_cancelled_from_outside_stays_cancelled():
    """A request cancelled while an adjuster runs (the shopper went away) is not taken
    for that adjuster's timeout: the cancellation goes on up."""

    class Waiter(PriceAdjuster):
        code = "waiter"

        async def adjust(self, context):
            await asyncio.sleep(5)
            return []

    async def cancelled():
        task = asyncio.ensure_future(apply_adjusters([Waiter()], _context(2000, 0)))
        await asyncio.sleep(0.05)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled"
        return "finished"

    assert _run(cancelled()) == "cancelled"
