"""Shipping templates and the rule that combines them (pure: no database)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from galleria_plugins.shipping import regions
from galleria_plugins.shipping.config import check_templates
from galleria_plugins.shipping.rates import (
    WEIGHT,
    FreeRule,
    Group,
    Rate,
    RegionRate,
    Template,
    combine,
    group_lines,
)

HANGZHOU = regions.locate("浙江省", "杭州市", "西湖区").codes
LHASA = regions.locate("西藏", "拉萨", "").codes
TAIPEI = regions.locate("台湾省", "台北市", "").codes


def _template(name="标准", first_fee=800, additional_fee=300, **extra):
    return Template(name=name, rate=Rate(1, first_fee, 1, additional_fee, (2, 4)), **extra)


def test_region_data_carries_official_codes():
    assert regions.region("330106").name == "西湖区"
    assert HANGZHOU == ("330106", "330100", "330000")
    assert regions.locate("北京", "北京市", "朝阳区").codes == ("110105", "110100", "110000")
    assert regions.locate("上海市").codes == ("310100", "310000")  # a municipality
    assert regions.describe("330106") == "浙江省 杭州市 西湖区"
    assert len(regions.provinces()) == 34


def test_first_and_additional_units_by_piece_and_by_weight():
    rate = Rate(first_units=1, first_fee=800, additional_units=1, additional_fee=300)
    assert [rate.fee(n) for n in (1, 2, 3)] == [800, 1100, 1400]
    by_kg = Rate(first_units=1000, first_fee=1000, additional_units=500, additional_fee=200)
    assert [by_kg.fee(g) for g in (300, 1000, 1001, 1500, 1501)] == [1000, 1000, 1200,
                                                                      1200, 1400]
    heavy = Template(name="重货", rate=by_kg, charge_by=WEIGHT)
    assert combine([Group(heavy, 5000, 2, 2600)], HANGZHOU).fee == 1000 + 4 * 200


def test_the_most_specific_region_rule_wins_and_excluded_regions_are_refused():
    template = _template(regions=(
        RegionRate(("540000",), Rate(1, 2000, 1, 1000, (5, 9))),
        RegionRate(("330100",), Rate(1, 500, 1, 200, (1, 2))),
        RegionRate(("330000",), Rate(1, 600, 1, 250, (1, 3)))),
        excluded=("710000",))
    assert combine([Group(template, 100, 1, 0)], HANGZHOU).fee == 500  # city beats province
    tibet = combine([Group(template, 100, 2, 0)], LHASA)
    assert (tibet.fee, tibet.eta_days) == (3000, (5, 9))
    assert "not delivered" in combine([Group(template, 100, 1, 0)], TAIPEI).refused
    assert combine([Group(template, 100, 1, 0)], ()).fee == 800  # no address yet


def test_free_shipping_by_amount_or_pieces_per_region():
    template = _template(free=(FreeRule(min_amount=9900), FreeRule(("330000",), None, 3)))
    assert combine([Group(template, 9900, 1, 0)], LHASA).fee == 0
    assert combine([Group(template, 9899, 1, 0)], LHASA).fee == 800
    assert combine([Group(template, 100, 3, 0)], HANGZHOU).fee == 0
    assert combine([Group(template, 100, 3, 0)], LHASA).fee == 800 + 2 * 300
    both = _template(free=(FreeRule((), 5000, 2),))  # every condition given must hold
    assert combine([Group(both, 5000, 1, 0)], HANGZHOU).fee == 800
    assert combine([Group(both, 5000, 2, 0)], HANGZHOU).fee == 0


def test_the_template_with_the_highest_first_fee_leads_the_others_pay_additional_units():
    tea = _template("茶叶", first_fee=800, additional_fee=300)
    cups = _template("茶具", first_fee=1200, additional_fee=500)
    outcome = combine([Group(tea, 5000, 2, 0), Group(cups, 3000, 1, 0)], HANGZHOU)
    assert outcome.fee == 1200 + 2 * 300  # cups lead; both tea pieces at 3.00
    assert outcome.eta_days == (2, 4)


def test_settings_json_is_checked_and_every_problem_named():
    book, problems = check_templates(json.dumps({"default": "标准", "templates": [
        {"name": "标准", "first": 1, "first_fee": 800, "additional": 1,
         "additional_fee": 300, "regions": [{"codes": ["999999"], "first_fee": 1}],
         "excluded": ["710000"], "products": [3]},
        {"name": "重货", "charge_by": "volume", "first_fee": -1}]}))
    assert problems == ["templates[0].regions[0].codes[0]: unknown region code 999999",
                        "templates[1].charge_by: piece or weight",
                        "templates[1].first_fee: a whole number of at least 0"]
    assert book.for_product(3).name == "标准" and book.for_product(99).name == "标准"
    _, problems = check_templates("{not json")
    assert problems[0].startswith("templates: not valid JSON")


rates = st.builds(Rate, first_units=st.integers(1, 3), first_fee=st.integers(0, 3000),
                  additional_units=st.integers(1, 3), additional_fee=st.integers(0, 2000),
                  eta_days=st.one_of(st.none(), st.tuples(st.integers(0, 3),
                                                          st.integers(3, 9))))
free_rules = st.lists(st.builds(FreeRule, codes=st.sampled_from([(), ("330000",),
                                                                   ("540000",)]),
                                min_amount=st.one_of(st.none(), st.integers(0, 20000)),
                                min_pieces=st.one_of(st.none(), st.integers(1, 6))),
                      max_size=2)


@st.composite
def carts(draw):
    """Groups of distinct templates, each with an amount, pieces and grams."""
    count = draw(st.integers(1, 4))
    groups = []
    for i in range(count):
        template = Template(name=f"T{i}", rate=draw(rates), free=draw(free_rules),
                            charge_by=draw(st.sampled_from(["piece", WEIGHT])))
        pieces = draw(st.integers(1, 6))
        groups.append(Group(template, draw(st.integers(0, 30000)), pieces,
                            draw(st.integers(0, 5000))))
    return groups


ADDRESSES = st.sampled_from([HANGZHOU, LHASA, ()])


@given(carts(), ADDRESSES, st.randoms())
def test_combining_does_not_depend_on_the_order_of_the_lines(groups, codes, random):
    shuffled = list(groups)
    random.shuffle(shuffled)
    first, second = combine(groups, codes), combine(shuffled, codes)
    assert (first.fee, first.eta_days) == (second.fee, second.eta_days)


@given(carts(), ADDRESSES)
def test_combined_fee_is_never_below_the_largest_single_template_fee(groups, codes):
    outcome = combine(groups, codes)
    own = [part["own_fee"] for part in outcome.parts]
    assert outcome.fee >= max(own)
    assert outcome.fee <= sum(g.template.rate_for(codes).fee(g.units) for g in groups) + sum(
        g.template.rate_for(codes).additional_only(g.units) for g in groups)


@given(carts(), ADDRESSES)
def test_free_groups_cost_nothing_and_a_fully_free_cart_ships_free(groups, codes):
    outcome = combine(groups, codes)
    free = [part["free"] for part in outcome.parts]
    if all(free):
        assert outcome.fee == 0
    paying = [g for g, is_free in zip(groups, free, strict=True) if not is_free]
    assert outcome.fee == combine(paying, codes).fee  # free groups add nothing


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5000), st.integers(1, 5),
                          st.integers(0, 3000)), min_size=1, max_size=8))
def test_lines_of_one_template_are_charged_as_one_group(lines):
    templates = [_template(f"T{i}", first_fee=500 + i) for i in range(3)]
    groups = group_lines((templates[t], amount, pieces, grams)
                         for t, amount, pieces, grams in lines)
    assert sorted(g.template.name for g in groups) == sorted({f"T{t}" for t, *_ in lines})
    assert sum(g.pieces for g in groups) == sum(pieces for _, _, pieces, _ in lines)
