"""The return policy where the shopper decides (product page) and the after-sales card of
a delivered order, in Chinese; a request outside the window is refused on the form with a
message in Chinese, not an error page."""

from __future__ import annotations

import datetime as dt

import pytest
from aftersales_helpers import RecordingPayPlugin, add_products, delivered_order

from galleria.kernel import db
from galleria.kernel.fulfilment.tables import Shipment
from galleria.testing import register_plugin


@pytest.fixture
def afterpay(runtime):
    with register_plugin(runtime.host, RecordingPayPlugin(), "afterpay") as plugin:
        yield plugin


async def _page(shop, path):
    return await shop.client.get(path, headers={"host": shop.host, "accept-language": "zh-CN"})


async def test_product_pages_show_the_return_policy_and_warranty(open_shop):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={
        "name": "冰箱 BCD-200", "variants": [{"sku": "BCD", "price": 199900, "stock": 3}]})
    product_id = created.json()["id"]
    page = await _page(shop, f"/products/{product_id}")
    assert "签收后 7 天内支持无理由退货" in page.text
    terms = await shop.put(f"/api/admin/v1/products/{product_id}/after-sales", json={
        "returnable": False, "warranty_months": 36, "warranty_covers": "压缩机"})
    assert terms.status_code == 200, terms.text
    page = await _page(shop, f"/products/{product_id}")
    assert "不支持无理由退货" in page.text and "保修 36 个月 · 压缩机" in page.text
    missing = await shop.put("/api/admin/v1/products/999999/after-sales", json={})
    assert missing.status_code == 404


async def test_the_order_page_offers_returns_and_refuses_late_ones(open_shop, runtime,
                                                                    afterpay):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10))
    tenant_id, order, shipment_id = await delivered_order(shop, runtime,
                                                          [(products["TEA"], 1)])
    link = f"/orders/{order['number']}?access_token={order['access_token']}"
    page = await _page(shop, link)
    assert "申请退换货" in page.text and 'href="/orders/' in page.text
    form = await _page(shop, f"/orders/{order['number']}/returns/new?"
                             f"access_token={order['access_token']}")
    assert form.status_code == 200 and "七天无理由" in form.text
    async with db.shop_scope(tenant_id):
        await Shipment.update({Shipment.delivered_at: dt.datetime.now(dt.UTC)
                               - dt.timedelta(days=30)}).where(Shipment.id == shipment_id)
    late = await _page(shop, link)
    assert "申请退换货" not in late.text
