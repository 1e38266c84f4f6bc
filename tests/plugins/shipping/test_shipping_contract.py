"""Every shipping method and the slot-booking adjuster of the shipping plugin pass the
extension points' contract suites (galleria.testing), as a third-party plugin's would."""

from shipping_helpers import enable_shipping, serving

from galleria.kernel import Quote
from galleria.testing import (
    check_carrier,
    check_price_adjuster,
    check_shipping_method,
    pricing_context,
    shipment_request,
)
from galleria.testing.contracts import ADDRESS, LINES
from galleria_plugins.shipping.testing import SfSimulator


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


async def test_express_pickup_and_same_city_keep_the_carrier_contract(open_shop, plugin_host):
    sf = SfSimulator({"PARTNER": "check-word"})
    with serving(sf.app) as url:
        handle = await open_shop()
        await enable_shipping(handle, sf_partner_id="PARTNER", sf_check_word="check-word",
                              sf_base_url=url, sender_name="茶馆", sender_phone="0571")
        shop = await handle.shop()
        methods = {m.code: m for m in
                   plugin_host.collect("galleria_shipping_methods", ["shipping"], shop=shop)}
        created, updates = await check_carrier(
            methods["express"], shipment_request(shop, "express", "sf"), same_on_retry=True)
        assert created.carrier == "sf" and updates == []
        sf.scan(created.tracking_number, "80", "已签收", "杭州")
        _, updates = await check_carrier(
            methods["express"], shipment_request(shop, "express", "sf"), same_on_retry=True)
        assert [u.status for u in updates] == ["delivered"]
    checked = []
    for code, method in methods.items():
        offered = isinstance(await method.quote(shop, list(LINES), ADDRESS), Quote)
        if code.startswith(("pickup_", "same_city_")) and offered:
            created, _ = await check_carrier(method, shipment_request(shop, code))
            checked.append(created.carrier)
    assert {"pickup", "local"} <= set(checked)
