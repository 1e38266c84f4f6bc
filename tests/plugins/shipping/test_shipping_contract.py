"""Every shipping method and the slot-booking adjuster of the shipping plugin pass the
extension points' contract suites (galleria.testing), as a third-party plugin's would."""

from shipping_helpers import enable_shipping

from galleria.testing import check_price_adjuster, check_shipping_method, pricing_context


async def test_shipping_methods_and_adjuster_keep_their_contracts(open_shop, plugin_host):
    handle = await open_shop()
    await enable_shipping(handle)
    shop = await handle.shop()
    methods = plugin_host.collect("galleria_shipping_methods", ["shipping"], shop=shop)
    assert len(methods) > 2
    quotes = [await check_shipping_method(method, shop) for method in methods]
    assert any(quote is not None for quote in quotes)  # the demo set-up delivers to Hangzhou
    for adjuster in plugin_host.collect("galleria_price_adjusters", ["shipping"], shop=shop):
        await check_price_adjuster(adjuster, pricing_context(shop))
