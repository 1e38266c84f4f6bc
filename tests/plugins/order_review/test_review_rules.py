"""Every rule of the order review plugin, with its boundary cases (no database: the rules
are given a ReviewContext and the shop's settings directly)."""

from __future__ import annotations

import pytest
from review_helpers import ADDRESS, SHOP, context

from galleria.kernel import ReviewContext, Shop, Verdict
from galleria_plugins.order_review import rules
from galleria_plugins.order_review.address import gibberish, problems
from galleria_plugins.order_review.postal_cn import province_named, province_of_postal_code
from galleria_plugins.order_review.settings import Config, SharedConfig


async def judge(rule_class, ctx: ReviewContext, **settings) -> Verdict:
    return await rule_class(SharedConfig(1, Config(settings))).judge(ctx)


# -- repeat customer ----------------------------------------------------------------------
async def test_a_repeat_customer_without_an_invoice_is_approved():
    verdict = await judge(rules.RepeatCustomerRule, context(history=(3, 1)))
    assert verdict.outcome == "approve" and "1 earlier paid" in verdict.reason
    assert (await judge(rules.RepeatCustomerRule, context(history=(3, 0)))).outcome == "abstain"
    invoiced = context(history=(3, 2), invoice={"type": "personal", "title": "李雷"})
    assert (await judge(rules.RepeatCustomerRule, invoiced)).outcome == "abstain"
    assert (await judge(rules.RepeatCustomerRule, context(history=(3, 1)),
                        repeat_min_paid=2)).outcome == "abstain"
    assert (await judge(rules.RepeatCustomerRule, context(history=(3, 2)),
                        repeat_min_paid=2)).outcome == "approve"


# -- first order paid offline / cash on delivery -------------------------------------------
async def test_a_first_order_paid_offline_or_on_delivery_is_held():
    cod = await judge(rules.FirstOrderOfflineRule, context(cod=True, payment_method="cod"))
    assert cod.outcome == "hold" and "cash on delivery" in cod.reason
    transfer = await judge(rules.FirstOrderOfflineRule,
                           context(offline=True, payment_method="bank_transfer"))
    assert transfer.outcome == "hold" and "bank_transfer" in transfer.reason
    online = await judge(rules.FirstOrderOfflineRule, context())
    assert online.outcome == "abstain"
    returning = await judge(rules.FirstOrderOfflineRule, context(history=(1, 1), cod=True))
    assert returning.outcome == "abstain"
    assert (await judge(rules.FirstOrderOfflineRule, context(cod=True),
                        first_order_offline=False)).outcome == "abstain"


# -- address ------------------------------------------------------------------------------
@pytest.mark.parametrize(("change", "expected"), [
    ({}, None),
    ({"province": ""}, "no province"),
    ({"city": " "}, "no city"),
    ({"line1": "文三路"}, "too short (3 characters, at least 5)"),
    ({"line1": "文三路9号"}, None),  # exactly the minimum of 5
    ({"line1": "啊啊啊啊路 1 号"}, "“啊啊啊啊” repeated"),
    ({"line1": "1111 号 文三路"}, None),  # house numbers repeat digits
    ({"line1": "asdfgh 90"}, "keyboard mashing: “asdfgh”"),
    ({"line1": "xzkqwpt 90"}, "keyboard mashing"),
    ({"line1": "#$%^&*!@ 123"}, "has no words"),
    ({"line1": "12 Baker Street", "country": "GB", "province": "London",
      "postal_code": "NW1 6XE"}, None),
    ({"postal_code": "100000"}, "postal code 100000 belongs to 北京, not 浙江省"),
    ({"postal_code": "325000"}, None),  # 32 is Zhejiang too
    ({"postal_code": "999077"}, None),  # outside the table: no opinion
    ({"province": "Zhejiang", "postal_code": "510000"}, "belongs to 广东"),
])
async def test_addresses_that_are_incomplete_or_implausible_are_held(change, expected):
    verdict = await judge(rules.AddressRule, context(address={**ADDRESS, **change}))
    if expected is None:
        assert verdict.outcome == "abstain", verdict.reason
    else:
        assert verdict.outcome == "hold" and expected in verdict.reason


async def test_the_address_rule_speaks_the_shops_language_and_can_be_switched_off():
    chinese = Shop(**{**SHOP.__dict__, "locale": "zh_CN"})
    verdict = await judge(rules.AddressRule, context(shop=chinese,
                                                     address={**ADDRESS, "city": ""}))
    assert verdict.reason == "地址缺少城市"
    off = await judge(rules.AddressRule, context(address={**ADDRESS, "city": ""}),
                      address=False)
    assert off.outcome == "abstain"
    longer = await judge(rules.AddressRule, context(), address_min_length=20)
    assert longer.outcome == "hold" and "at least 20" in longer.reason


def test_postal_code_table_and_province_names():
    assert province_of_postal_code("310012") == "浙江"
    assert province_of_postal_code("400000") == "重庆"
    assert province_of_postal_code("31001") is None and province_of_postal_code("abcdef") is None
    assert province_named("广西壮族自治区") == "广西" and province_named("Shaanxi") == "陕西"
    assert province_named("Shanxi Province") == "山西" and province_named("Atlantis") is None
    assert gibberish("文三路 90 号") is None
    assert problems({**ADDRESS, "postal_code": "710000", "province": "陕西省"}, 5) == []


# -- threshold ----------------------------------------------------------------------------
async def test_orders_above_the_threshold_are_held():
    at = await judge(rules.ThresholdRule, context(total=200000))
    assert at.outcome == "abstain"  # at the threshold is not above it
    above = await judge(rules.ThresholdRule, context(total=200001))
    assert above.outcome == "hold" and "2,000.01" in above.reason and "2,000.00" in above.reason
    assert (await judge(rules.ThresholdRule, context(total=501), threshold_amount=500)
            ).outcome == "hold"
    assert (await judge(rules.ThresholdRule, context(total=10**9), threshold=False)
            ).outcome == "abstain"


# -- blacklist ----------------------------------------------------------------------------
async def test_blacklisted_phone_address_or_customer_is_rejected_or_held():
    phones = "186 0000 0000\n+86 138-0013-8000\n"
    verdict = await judge(rules.BlacklistRule, context(), blacklist_phones=phones)
    assert verdict.outcome == "reject" and "13800138000" in verdict.reason
    held = await judge(rules.BlacklistRule, context(), blacklist_phones=phones,
                       blacklist_action="hold")
    assert held.outcome == "hold"
    by_address = await judge(rules.BlacklistRule, context(), blacklist_addresses="文三路 90")
    assert by_address.outcome == "reject" and "文三路 90" in by_address.reason
    by_customer = await judge(rules.BlacklistRule, context(customer_id=7),
                              blacklist_customers="3\n7")
    assert by_customer.outcome == "reject" and "customer 7" in by_customer.reason
    assert (await judge(rules.BlacklistRule, context(customer_id=70),
                        blacklist_customers="7")).outcome == "abstain"
    assert (await judge(rules.BlacklistRule, context(), blacklist_phones="13800138001")
            ).outcome == "abstain"
    assert (await judge(rules.BlacklistRule, context(), blacklist_phones=phones,
                        blacklist=False)).outcome == "abstain"


# -- orders per phone ---------------------------------------------------------------------
async def test_too_many_orders_from_one_phone_are_held():
    assert (await judge(rules.PhoneVelocityRule, context(phone_count=3))).outcome == "abstain"
    four = await judge(rules.PhoneVelocityRule, context(phone_count=4))
    assert four.outcome == "hold" and "4 orders" in four.reason and "24 h" in four.reason
    assert (await judge(rules.PhoneVelocityRule, context(phone_count=4),
                        phone_velocity_count=5)).outcome == "abstain"
    assert (await judge(rules.PhoneVelocityRule, context(phone_count=40),
                        phone_velocity=False)).outcome == "abstain"


# -- invoice ------------------------------------------------------------------------------
async def test_an_invoice_request_is_held_to_check_its_details():
    invoice = {"type": "company", "title": "杭州茶业有限公司", "tax_id": "91330100MA27XXXX"}
    verdict = await judge(rules.InvoiceRule, context(invoice=invoice))
    assert verdict.outcome == "hold" and "杭州茶业有限公司" in verdict.reason
    assert (await judge(rules.InvoiceRule, context())).outcome == "abstain"
    assert (await judge(rules.InvoiceRule, context(invoice=invoice), invoice=False)
            ).outcome == "abstain"


def test_the_rules_have_a_documented_order():
    built = rules.rules_for(1)
    assert [r.order for r in built] == sorted(r.order for r in built)
    assert len({r.code for r in built}) == 7
