"""Property tests for combining discounts: promotions, then coupons (the marketing plugin's
own pricing functions), through the kernel's normalisation. Whatever the cart, promotions
and coupons: no discount is positive, the items never get more off than they cost, the
shipping never more than its fee, the total never goes below zero, and the answer does not
depend on the order in which the plugins, the promotions or the wallet's coupons come."""

import asyncio
import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from galleria.kernel import Adjustment, PriceAdjuster, PricedLine, PricingContext, Shop
from galleria.kernel.checkout.pricing import apply_adjusters
from galleria_plugins.marketing import coupons
from galleria_plugins.marketing.coupon_pricing import Candidate, _amount, choose
from galleria_plugins.marketing.promotions import promotion_adjustments

SHOP = Shop(id=1, slug="tea", name="Tea", status="active", currency="CNY", locale="zh_CN",
            timezone="Asia/Shanghai", theme_color="#000000", logo="", template="blank",
            plan="free")
PRODUCTS = (1, 2, 3)
CATEGORIES = (10, 20)

lines = st.lists(st.builds(
    lambda variant, product, price, quantity, category: PricedLine(
        variant_id=variant, product_id=product, sku=f"S{variant}", name="茶", options={},
        unit_price=price, quantity=quantity, category_id=category),
    st.integers(1, 10**6), st.sampled_from(PRODUCTS), st.integers(0, 100_000),
    st.integers(1, 6), st.sampled_from((None, *CATEGORIES))),
    min_size=1, max_size=5, unique_by=lambda line: line.variant_id)

ids = st.lists(st.sampled_from(PRODUCTS), max_size=2, unique=True)
scopes = st.builds(lambda products, categories, excluded: {
    k: v for k, v in (("products", products), ("categories", categories),
                      ("exclude_products", excluded)) if v},
    ids, st.lists(st.sampled_from(CATEGORIES), max_size=1), ids)
coupon_rows = st.builds(
    lambda n, kind, value, minimum, cap, scope, ends: {
        "id": n, "code": f"C{n}", "name": "", "kind": kind,
        "value": value % 100 or 1 if kind == "percent_off" else value,
        "min_subtotal": minimum, "max_discount": cap if kind == "percent_off" else 0,
        "scope": scope, "ends_at": ends, "code_typed": True},
    st.integers(1, 10**6), st.sampled_from(coupons.KINDS), st.integers(0, 200_000),
    st.integers(0, 100_000), st.integers(0, 50_000), scopes,
    st.one_of(st.none(), st.just(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))))
promotion_rows = st.one_of(
    st.builds(lambda n, products, percent: {"id": n, "kind": "timed", "name": "限时",
                                            "rule": {"products": products,
                                                     "percent_off": percent}},
              st.integers(1, 10**6), st.lists(st.sampled_from(PRODUCTS), min_size=1,
                                              max_size=2, unique=True), st.integers(1, 99)),
    st.builds(lambda n, price: {"id": n, "kind": "timed", "name": "一口价",
                                "rule": {"products": list(PRODUCTS), "price": price}},
              st.integers(1, 10**6), st.integers(0, 200_000)),
    st.builds(lambda n, nth, percent: {"id": n, "kind": "quantity", "name": "第二件",
                                       "rule": {"products": [], "nth": nth,
                                                "percent": percent}},
              st.integers(1, 10**6), st.integers(2, 4), st.integers(0, 99)),
    st.builds(lambda n, threshold, off, percent: {
        "id": n, "kind": "tiers", "name": "满减", "rule": {"tiers": [
            {"threshold": threshold + 1, "amount_off": off % threshold + 1 if threshold
             else 1},
            {"threshold": threshold * 2 + 2, "percent_off": percent}]}},
        st.integers(1, 10**6), st.integers(0, 300_000), st.integers(0, 10**6),
        st.integers(1, 99)))


class Promotions(PriceAdjuster):
    code, order = "promotion", 110

    def __init__(self, rows):
        self.rows = rows

    async def adjust(self, context):
        return promotion_adjustments(self.rows, context)


class Wallet(PriceAdjuster):
    """The coupon adjuster's choice, without the database: the wallet is `rows`."""

    code, order = "coupon", 200

    def __init__(self, rows):
        self.rows = rows

    async def adjust(self, context):
        offered = [Candidate(row, _amount(row, context), claim_id=row["id"])
                   for row in self.rows]
        return [Adjustment("coupon", -c.amount, "券", target=c.target)
                for c in choose(None, offered) if c.amount > 0]


def _run(coroutine):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def _price(adjusters, cart, fee):
    context = PricingContext(
        shop=SHOP, currency="CNY", lines=tuple(cart),
        subtotal=sum(line.line_total for line in cart), shipping_method="flat",
        shipping_fee=fee, address=None, coupon_code=None, points=0, customer_id=1)
    ordered = sorted(adjusters, key=lambda a: (a.order, a.code))  # as price_cart does
    applied = _run(apply_adjusters(ordered, context))
    return context, [(a.source, a.adjustment.code, a.adjustment.target, a.adjustment.amount)
                     for a in applied]


@settings(max_examples=300, deadline=None)
@given(lines, st.integers(0, 5_000), st.lists(promotion_rows, max_size=4),
       st.lists(coupon_rows, max_size=5), st.randoms(use_true_random=False))
def test_combined_discounts_stay_within_the_goods_and_ignore_the_order(
        cart, fee, promotions, wallet, shuffler: random.Random):
    context, applied = _price([Promotions(promotions), Wallet(wallet)], cart, fee)
    assert all(amount <= 0 for *_, amount in applied)
    items = -sum(amount for _, _, target, amount in applied if target == "items")
    shipping = -sum(amount for _, _, target, amount in applied if target == "shipping")
    assert items <= context.subtotal and shipping <= fee
    assert context.subtotal + fee - items - shipping >= 0
    assert sum(1 for source, *_ in applied if source == "coupon") <= 2  # one per slot

    # The same plugins, promotions and wallet coupons in another order: the same answer.
    shuffled_promotions, shuffled_wallet = promotions[:], wallet[:]
    shuffler.shuffle(shuffled_promotions)
    shuffler.shuffle(shuffled_wallet)
    adjusters = [Wallet(shuffled_wallet), Promotions(shuffled_promotions)]
    shuffler.shuffle(adjusters)
    assert _price(adjusters, cart, fee)[1] == applied


@settings(max_examples=300, deadline=None)
@given(coupon_rows, lines, st.integers(0, 10**7), st.integers(0, 5_000))
def test_one_coupon_never_takes_more_than_what_is_left(coupon, cart, left, fee):
    subtotal = sum(line.line_total for line in cart)
    left = min(left, subtotal)
    amount = coupons.discount(coupon, cart, subtotal=subtotal, items_left=left,
                              shipping_left=fee)
    assert amount >= 0
    if coupons.kind_of(coupon) == "free_shipping":
        assert amount <= fee
    else:
        assert amount <= left
        assert amount <= coupons.scoped_total(coupon, cart)
    if coupons.scoped_total(coupon, cart) < coupon["min_subtotal"]:
        assert amount == 0


def _row(n, kind, ends=None):
    return {"id": n, "kind": kind, "ends_at": ends}


def test_stacking_one_goods_coupon_and_one_free_shipping_coupon():
    soon = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    typed = Candidate(_row(1, "amount_off"), 500)
    offered = [Candidate(_row(2, "percent_off"), 3000, 12),
               Candidate(_row(3, "fixed_price"), 3000, 13),
               Candidate(_row(4, "amount_off", soon), 3000, 14),
               Candidate(_row(5, "free_shipping"), 800, 15),
               Candidate(_row(6, "free_shipping"), 0, 16)]
    # A typed code keeps its slot even when the wallet holds a bigger goods coupon; the
    # free-shipping slot takes the wallet's best.
    assert [c.coupon["id"] for c in choose(typed, offered)] == [1, 5]
    # Nothing typed: the biggest goods coupon, and on a tie the one that expires first.
    assert [c.coupon["id"] for c in choose(None, offered)] == [4, 5]
    assert choose(None, [offered[-1]]) == []  # worth nothing: not used up for nothing
