"""Every shipping method and the slot-booking adjuster of the shipping plugin pass the
extension points' contract suites (galleria.testing), as a third-party plugin's would."""

from shipping_helpers import enable_shipping, serving

from galleria.kernel import Carrier, Quote, TrackedShipment
from galleria.testing import (
    check_carrier,
    check_price_adjuster,
    check_shipping_method,
    pricing_context,
    shipment_request,
)
from galleria.testing.contracts import ADDRESS, LINES
from galleria_plugins.shipping.carriers.kuaidi100 import Kuaidi100
from galleria_plugins.shipping.carriers.sf import SfExpress
from galleria_plugins.shipping.testing import SfSimulator
from galleria_plugins.shipping.testing.kuaidi100 import Kuaidi100Simulator


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


async def test_sf_and_kuaidi100_adapters_are_kernel_carriers(open_shop):
    """The adapters keep the `Carrier` contract on their own: SF books (once per reference,
    with a courier pickup) and polls its routes; Kuaidi100 books nothing and tracks any
    carrier's parcel."""
    sf_sim = SfSimulator({"PARTNER": "check-word"})
    k100_sim = Kuaidi100Simulator(customer="CUST", key="KEY")
    with serving(sf_sim.app) as sf_url, serving(k100_sim.app) as k100_url:
        shop = await (await open_shop()).shop()
        sf = SfExpress(base_url=sf_url, partner_id="PARTNER", check_word="check-word",
                       sender={"contact": "茶馆", "tel": "0571"})
        assert isinstance(sf, Carrier) and sf.books_pickup
        created, updates = await check_carrier(sf, shipment_request(shop, "express", "sf"),
                                               same_on_retry=True)
        assert created.carrier == "sf" and updates == []

        tracker = Kuaidi100(base_url=k100_url, customer="CUST", key="KEY")
        assert isinstance(tracker, Carrier) and not tracker.books_pickup
        k100_sim.scan("YT1", "yuantong", "【杭州市】已揽收", "揽收", state="1", area="杭州")
        booked, updates = await check_carrier(tracker, shipment_request(shop, "express"),
                                               tracked=TrackedShipment("yuantong", "YT1"))
        assert booked is None and [u.status for u in updates] == ["picked_up"]
        # SF polls only its own waybills: another carrier's parcel is not SF's to track
        assert await sf.track(TrackedShipment("yuantong", "YT1")) is None
