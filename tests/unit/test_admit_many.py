"""`PriceAdjuster.admit_many`'s default, which every adjuster that defines only `admit` gets
at the admission door: one answer per buyer in order, refusals returned (not raised), the
carts read once, and nothing taken left taken when an adjuster fails half-way."""

import asyncio

import pytest

from galleria.kernel import AdmissionTicket, Conflict, PriceAdjuster, Shop

SHOP = Shop(id=1, slug="tea", name="Tea", status="active", currency="CNY", locale="zh_CN",
            timezone="Asia/Shanghai", theme_color="#000000", logo="", template="blank",
            plan="free")


class Units(AdmissionTicket):
    def __init__(self, cart):
        self.cart, self.closed = cart, 0

    async def close(self):
        self.closed += 1


class OneAtATime(PriceAdjuster):
    """Refuses carts with variant 9, takes a ticket for carts with variant 1, breaks on 13."""

    code = "one_at_a_time"

    async def admit(self, shop, wanted, locale):
        cart = await wanted()
        if 13 in cart:
            raise RuntimeError("a bug")
        if 9 in cart:
            raise Conflict(f"sold out ({locale})")
        return Units(cart) if 1 in cart else None


def _reader(carts, reads):
    async def wanted():
        reads.append(1)
        return [dict(cart) for cart in carts]
    return wanted


def test_each_buyer_gets_its_own_answer_in_order_from_one_read():
    reads = []
    carts = [{1: 2}, {9: 1}, {5: 1}, {1: 1, 9: 1}]
    answers = asyncio.run(OneAtATime().admit_many(SHOP, _reader(carts, reads),
                                                  ["en", "zh_CN", "en", "en"]))
    assert isinstance(answers[0], Units) and answers[0].cart == {1: 2}
    assert isinstance(answers[1], Conflict) and "zh_CN" in answers[1].detail
    assert answers[2] is None
    assert isinstance(answers[3], Conflict)  # refused: nothing taken for it
    assert reads == [1]


def test_a_failure_half_way_gives_back_what_was_taken_and_raises():
    carts = [{1: 1}, {1: 3}, {13: 1}, {1: 1}]
    taken = []
    adjuster = OneAtATime()
    real = adjuster.admit

    async def admit(shop, wanted, locale):
        answer = await real(shop, wanted, locale)
        taken.append(answer)
        return answer

    adjuster.admit = admit
    with pytest.raises(RuntimeError):
        asyncio.run(adjuster.admit_many(SHOP, _reader(carts, []), ["en"] * 4))
    assert [ticket.closed for ticket in taken] == [1, 1]  # the two taken before the bug
