"""Every rule of the order-review plugin passes the review rule contract suite of
galleria.testing."""

from galleria.kernel import CustomerHistory
from galleria.testing import check_review_rule, review_context


async def test_review_rules_keep_the_review_rule_contract(open_shop, plugin_host):
    shop = await (await open_shop(plugins=["order_review"])).shop()
    rules = plugin_host.collect("galleria_review_rules", ["order_review"], shop=shop)
    assert len(rules) >= 5
    for rule in rules:
        await check_review_rule(rule, review_context(shop))
        await check_review_rule(rule, review_context(shop, history=CustomerHistory(3, 3)))
