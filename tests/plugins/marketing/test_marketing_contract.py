"""The marketing plugin's price adjusters (spend thresholds, coupons) pass the price
adjuster contract suite of galleria.testing."""

from galleria.testing import check_price_adjuster, pricing_context


async def test_marketing_adjusters_keep_the_price_adjuster_contract(open_shop, plugin_host):
    shop = await (await open_shop(plugins=["marketing"])).shop()
    adjusters = plugin_host.collect("galleria_price_adjusters", ["marketing"], shop=shop)
    assert {a.code for a in adjusters} >= {"coupon"}
    for adjuster in adjusters:
        await check_price_adjuster(adjuster, pricing_context(shop))
