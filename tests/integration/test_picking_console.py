"""The console's picking pages as a merchant uses them, in Chinese: start a pick list, see
the route, scan (the screen's JSON endpoint, checked on the server), print, check, pack and
ship."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx
import pytest
from picking_helpers import add_product, approved_order

PASSWORD = "Correct-Horse-9"
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Merchant:
    def __init__(self, app, host: str) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url=f"http://{host}",
                                      headers={"accept-language": "zh-CN,zh;q=0.9"})

    async def csrf(self, path: str) -> str:
        page = await self.http.get(path)
        assert page.status_code == 200, page.text
        return CSRF_RE.search(page.text).group(1)

    async def submit(self, form_path: str, action: str, data: dict) -> httpx.Response:
        token = await self.csrf(form_path)
        return await self.http.post(action, content=urlencode({"_csrf_token": token, **data}),
                                    headers={"content-type":
                                             "application/x-www-form-urlencoded"})


@pytest.fixture
async def merchant(app):
    opened = []

    async def sign_in(shop) -> Merchant:
        browser = Merchant(app, shop.host)
        opened.append(browser)
        signed = await browser.submit("/console/login", "/console/login", {
            "email": shop.email, "password": PASSWORD, "next": "/console/"})
        assert signed.status_code == 303, signed.text
        return browser

    yield sign_in
    for browser in opened:
        await browser.http.aclose()


async def test_pick_scan_check_pack_and_ship_from_the_console(open_shop, merchant):
    shop = await open_shop()
    milk = await add_product(shop, "MILK", barcodes=[("6901", 1)], shelf="B-10",
                             lots=[("L1", 5, 30)], weight=300)
    number = await approved_order(shop, [(milk, 2)])
    browser = await merchant(shop)
    index = await browser.http.get("/console/picking")
    assert index.status_code == 200 and "1 个已审核订单待拣货" in index.text
    made = await browser.submit("/console/picking", "/console/picking/", {"mode": "order"})
    assert made.status_code == 303
    list_path = made.headers["location"]
    shown = await browser.http.get(list_path)
    assert "拣货路线" in shown.text and "B-10" in shown.text and "L1" in shown.text
    for paper in ("", "?paper=80mm"):
        printed = await browser.http.get(f"{list_path}/print{paper}")
        assert printed.status_code == 200 and "B-10" in printed.text
    assert "print-80mm.css" in printed.text

    token = await browser.csrf(f"{list_path}/scan")

    async def scan(code):
        return await browser.http.post(f"{list_path}/scan", json={
            "code": code, "order_number": number}, headers={"x-csrftoken": token})

    wrong = await scan("0000")
    assert wrong.status_code == 422
    assert wrong.json()["message"] == "本店没有条码为 0000 的商品"
    assert (await scan("6901")).status_code == 200
    last = await scan("6901")
    assert last.json()["order_complete"] and "放入订单" in last.json()["message"]

    pack_path = f"/console/picking/pack/{number}"
    packing = await browser.http.get(pack_path)
    assert "0.60 kg" in packing.text
    early = await browser.submit(pack_path, f"{pack_path}/ship", {
        "weight_grams": "650", "carrier": "sf", "tracking_number": "SF100"})
    assert early.status_code == 409 and "请先完成质检并判定合格" in early.text
    bad = await browser.submit(pack_path, f"{pack_path}/check", {"passed": "no"})
    assert bad.status_code == 422 and "请说明问题所在" in bad.text
    good = await browser.submit(pack_path, f"{pack_path}/check", {"passed": "yes"})
    assert good.status_code == 303
    shipped = await browser.submit(pack_path, f"{pack_path}/ship", {
        "weight_grams": "650", "carrier": "sf", "tracking_number": "SF100"})
    assert shipped.status_code == 303, shipped.text
    order = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert order["status"] == "shipped"
    assert order["shipments"][0]["label"]["parcel"]["weight_grams"] == 650


async def test_the_dashboard_counts_delivery_alerts_and_the_queue_says_why(open_shop,
                                                                          merchant):
    import datetime as dt

    from picking_helpers import tenant_of

    from galleria.kernel import db
    from galleria.kernel.orders.tables import Order

    shop = await open_shop()
    tea = await add_product(shop, "TEA", loose=5)
    number = await approved_order(shop, [(tea, 1)])
    tenant_id = await tenant_of(shop)
    async with db.shop_scope(tenant_id):
        await Order.update({Order.paid_at: dt.datetime.now(dt.UTC) - dt.timedelta(hours=75)}
                           ).where((Order.tenant == tenant_id) & (Order.number == number))
    browser = await merchant(shop)
    dashboard = await browser.http.get("/console/")
    assert "配送监督" in dashboard.text
    count = re.search(r'data-delivery-alerts>.*?stat-value">(\d+)<', dashboard.text, re.S)
    assert count and count.group(1) == "1"
    queue = await browser.http.get("/console/picking/alerts")
    row = re.search(r'<tr data-alert="late_to_ship">.*?</tr>', queue.text, re.S).group(0)
    assert number in row and "发货超时" in row and "1 天 3 小时" in row  # 75 h − 48 h
    bad = await browser.submit("/console/picking/alerts", "/console/picking/alerts/promises",
                               {"ship_within_hours": "0", "stale_tracking_days": "3"})
    assert bad.status_code == 422 and "发货时限为 1 到 720 小时" in bad.text
    saved = await browser.submit("/console/picking/alerts", "/console/picking/alerts/promises",
                                 {"ship_within_hours": "96", "stale_tracking_days": "3"})
    assert saved.status_code == 303
    assert "所有承诺均已履行" in (await browser.http.get("/console/picking/alerts")).text


async def test_boxes_and_the_thank_you_card_from_the_console(open_shop, merchant):
    shop = await open_shop()
    tea = await add_product(shop, "TEA", loose=5, weight=1500)
    number = await approved_order(shop, [(tea, 1)])
    browser = await merchant(shop)
    bad = await browser.submit("/console/picking", "/console/picking/packing-settings", {
        "thank_you_card": "", "box_name": "大号箱", "length_mm": "400"})
    assert bad.status_code == 303 and bad.headers["location"].endswith("error=box")
    assert "包装箱需要名称" in (await browser.http.get(bad.headers["location"])).text
    for name, size, most in (("小号箱", "200", "1000"), ("中号箱", "300", "3000")):
        saved = await browser.submit("/console/picking", "/console/picking/packing-settings", {
            "thank_you_card": "感谢您的支持，欢迎再次光临！", "box_name": name,
            "length_mm": size, "width_mm": size, "height_mm": size,
            "max_weight_grams": most})
        assert saved.status_code == 303
    index = (await browser.http.get("/console/picking")).text
    assert "中号箱" in index and "3.00 kg" in index
    plan = (await shop.get(f"/api/admin/v1/orders/{number}/packing")).json()
    assert plan["weight_grams"] == 1500 and plan["suggested_box"]["name"] == "中号箱"
    packing = (await browser.http.get(f"/console/picking/pack/{number}")).text
    assert "感谢您的支持" in packing and "中号箱 (300×300×300 mm)" in packing
    slip = (await browser.http.get(f"/console/fulfilment/{number}/print")).text
    assert "data-thank-you-card>感谢您的支持，欢迎再次光临！" in slip


async def test_a_courier_pickup_that_ends_before_it_starts_is_refused_in_words(open_shop,
                                                                              merchant):
    shop = await open_shop()
    tea = await add_product(shop, "TEA", loose=5)
    number = await approved_order(shop, [(tea, 1)])
    assert (await shop.post(f"/api/admin/v1/orders/{number}/packing/checks",
                            json={"passed": True})).status_code == 201
    browser = await merchant(shop)
    pack_path = f"/console/picking/pack/{number}"
    refused = await browser.submit(pack_path, f"{pack_path}/ship", {
        "weight_grams": "300", "carrier": "sf", "tracking_number": "SF9",
        "pickup_from": "2026-12-06T16:00", "pickup_until": "2026-12-06T14:00"})
    assert refused.status_code == 409 and "预约取件的结束时间早于开始时间" in refused.text
