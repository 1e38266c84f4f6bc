"""A requested delivery date for express orders (issue 20 item 6): the shop sets the window
and weekdays on Settings; checkout (page and API) offers and checks the date server-side;
the order shows it to the merchant (detail, packing slip) and to the shopper."""

from __future__ import annotations

import datetime as dt
import json
import re

from galleria.kernel.checkout.delivery_dates import check_requested_date, shop_today
from galleria.kernel.errors import Problems
from galleria.kernel.tenancy.shops import Shop
from galleria.testing import Browser, console_browser

EXPRESS = {"templates": json.dumps({"default": "标准快递", "templates": [
    {"name": "标准快递", "first": 1, "first_fee": 0, "additional": 1, "additional_fee": 0,
     "eta_days": [2, 4]}]}, ensure_ascii=False)}
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
RULES = {"enabled": True, "earliest_days": 2, "latest_days": 6, "weekdays": [1, 2, 3, 4, 5],
         "methods": ["express"]}


def _shop(**rules) -> Shop:
    return Shop(id=1, slug="s", name="S", status="active", currency="CNY", locale="zh_CN",
                timezone="Asia/Shanghai", theme_color="", logo="", template="", plan="",
                settings={"requested_delivery": {**RULES, **rules}})


def _problem(shop: Shop, value, method="express", today=dt.date(2026, 12, 7)):
    problems = Problems()
    found = check_requested_date(shop, value, method, problems, today=today)
    return found, [e.message for e in problems.errors]


def test_the_rules_decide_which_dates_are_offered():
    shop = _shop()  # Monday 7 December: Wednesday 9th to Sunday 13th, weekdays only
    assert _problem(shop, "2026-12-09") == (dt.date(2026, 12, 9), [])
    assert _problem(shop, "2026-12-11")[0] == dt.date(2026, 12, 11)
    assert _problem(shop, "2026-12-08")[1] == ["a date within the days the shop offers"]
    assert _problem(shop, "2026-12-14")[1] == ["a date within the days the shop offers"]
    assert _problem(shop, "2026-12-12")[1] == [
        "the shop does not deliver on that day of the week"]  # a Saturday
    assert _problem(shop, "12/09/2026")[1] == ["a date as YYYY-MM-DD"]
    assert _problem(shop, "2026-12-09", method="pickup_1")[1] == [
        "a delivery date can be asked for express delivery only"]
    assert _problem(shop, None) == (None, [])
    assert _problem(_shop(enabled=False), "2026-12-09")[1] == [
        "this shop does not take requested delivery dates"]


def _next_weekday(shop: Shop, at_least: int) -> dt.date:
    day = shop_today(shop) + dt.timedelta(days=at_least)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day


async def test_an_express_order_carries_its_requested_date_to_merchant_and_shopper(
        app, open_shop):
    shop = await open_shop(plugins={"payments_offline": None, "shipping": EXPRESS})
    made = await shop.post("/api/admin/v1/products", json={
        "name": "大闸蟹礼盒", "variants": [{"sku": "CRAB-8", "price": 39800, "stock": 9}]})
    variant = made.json()["variants"][0]["id"]
    console = await console_browser(app, shop)
    guest = Browser(app, shop.host)
    try:
        refused = await console.submit("/console/settings", "/console/settings/delivery-dates",
                                       {"enabled": "on", "earliest_days": "2",
                                        "latest_days": "6"})  # no weekday ticked
        assert refused.status_code == 422 and "请至少勾选一天" in refused.text
        saved = await console.submit("/console/settings", "/console/settings/delivery-dates", {
            "enabled": "on", "earliest_days": "2", "latest_days": "6",
            "weekdays": ["1", "2", "3", "4", "5"]})
        assert saved.status_code == 303

        handle = await shop.shop()
        wanted = _next_weekday(handle, 2)
        cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
        await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                        json={"variant_id": variant, "quantity": 1})
        preview = await shop.post("/api/v1/checkout/preview", admin=False, json={
            "cart_id": cart, "address": ADDRESS, "shipping_method": "express",
            "requested_delivery_date": wanted.isoformat()})
        assert preview.status_code == 200, preview.text
        window = preview.json()["delivery_dates"]
        assert window["earliest"] == (shop_today(handle) + dt.timedelta(days=2)).isoformat()
        assert window["weekdays"] == [1, 2, 3, 4, 5]
        assert preview.json()["requested_delivery_date"] == wanted.isoformat()
        too_soon = await shop.post("/api/v1/checkout/preview", admin=False, json={
            "cart_id": cart, "shipping_method": "express",
            "requested_delivery_date": shop_today(handle).isoformat()})
        assert too_soon.status_code == 422
        assert too_soon.json()["errors"][0]["field"] == "requested_delivery_date"

        body = {"cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
                "address": ADDRESS, "payment_method": "cod", "shipping_method": "express"}
        saturday = wanted + dt.timedelta(days=(6 - wanted.isoweekday()) % 7)
        weekend = await shop.post("/api/v1/orders", admin=False, json={
            **body, "requested_delivery_date": saturday.isoformat()})
        assert weekend.status_code == 422
        placed = await shop.post("/api/v1/orders", admin=False, json={
            **body, "requested_delivery_date": wanted.isoformat()})
        assert placed.status_code == 201, placed.text
        order = placed.json()
        assert order["requested_delivery_date"] == wanted.isoformat()

        number = order["number"]
        detail = await console.get(f"/console/orders/{number}")
        assert re.search(r"期望送达日期</th><td><b>" + wanted.isoformat(), detail.text)
        slip = await console.get(f"/console/fulfilment/{number}/print")
        assert slip.status_code == 200 and wanted.isoformat() in slip.text
        mine = await guest.get(f"/orders/{number}",
                               params={"access_token": order["access_token"]})
        assert "期望送达日期" in mine.text and wanted.isoformat() in mine.text
    finally:
        await console.close()
        await guest.close()


async def test_the_checkout_page_offers_the_date_for_express(app, open_shop):
    shop = await open_shop(plugins={"payments_offline": None, "shipping": EXPRESS})
    made = await shop.post("/api/admin/v1/products", json={
        "name": "月饼", "variants": [{"sku": "MOON-4", "price": 12800, "stock": 9}]})
    variant = made.json()["variants"][0]["id"]
    console = await console_browser(app, shop)
    await console.submit("/console/settings", "/console/settings/delivery-dates", {
        "enabled": "on", "earliest_days": "1", "latest_days": "3",
        "weekdays": [str(d) for d in range(1, 8)]})
    await console.close()
    buyer = Browser(app, shop.host)
    try:
        added = await buyer.submit(f"/products/{made.json()['id']}", "/cart/items",
                                   {"product_id": str(made.json()["id"]),
                                    "variant_id": str(variant), "quantity": "1"})
        assert added.status_code in (200, 303), added.text
        page = await buyer.get("/checkout")
        assert page.status_code == 200
        field = re.search(r'<input class="input" type="date" id="f-requested_delivery_date"'
                          r'[^>]*min="([\d-]+)" max="([\d-]+)"', page.text)
        assert field, page.text[:3000]
        today = shop_today(await shop.shop())
        assert field.groups() == ((today + dt.timedelta(days=1)).isoformat(),
                                  (today + dt.timedelta(days=3)).isoformat())
        assert "配送日：每天" in page.text
    finally:
        await buyer.close()
