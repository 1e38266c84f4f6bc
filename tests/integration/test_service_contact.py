"""The shop's service phone and hours (issue 20 item 6): set on the console's Settings
page (a wrong phone is refused under its field, in Chinese), then shown to shoppers as a
tap-to-call link in every page's footer, on 我的 and on their order; and in the API."""

from __future__ import annotations

import re

from galleria.testing import Browser, console_browser


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_service_phone_set_in_the_console_reaches_the_shopper(
        app, open_shop, shopper):
    shop = await open_shop(plugins=["payments_offline"])
    guest = Browser(app, shop.host)
    console = await console_browser(app, shop)
    try:
        home = await guest.get("/")
        assert "tel:" not in home.text  # no phone given: no contact line
        assert (await shop.get("/api/v1/service-contact", admin=False)).json() == {
            "phone": "", "hours": ""}

        wrong = await console.submit("/console/settings", "/console/settings/service-contact",
                                     {"phone": "call us", "hours": "每天 9:00–21:00"})
        assert wrong.status_code == 422
        words = _text(wrong.text)
        assert "请填写电话号码，例如 400-820-8820" in words
        assert 'value="每天 9:00–21:00"' in wrong.text  # what was typed is kept

        saved = await console.submit("/console/settings", "/console/settings/service-contact",
                                     {"phone": " 400-820 8820 ", "hours": "每天 9:00–21:00"})
        assert saved.status_code == 303
        assert "已保存" in (await console.get(saved.headers["location"])).text

        footer = (await guest.get("/")).text
        assert '<a href="tel:4008208820">400-820 8820</a>' in footer
        assert "每天 9:00–21:00" in footer

        made = await shop.post("/api/admin/v1/products", json={
            "name": "龙井", "variants": [{"sku": "TEA-1", "price": 2630, "stock": 3}]})
        assert made.status_code == 201, made.text
        buyer = shopper(shop)
        order = await buyer.place_order({made.json()["variants"][0]["id"]: 1})
        page = await guest.get(f"/orders/{order['number']}",
                               params={"access_token": order["access_token"]})
        assert page.status_code == 200
        words = _text(page.text)
        assert "联系客服" in words and "拨打 400-820 8820" in words
        assert "服务时间：每天 9:00–21:00" in words

        assert (await shop.get("/api/v1/service-contact", admin=False)).json() == {
            "phone": "400-820 8820", "hours": "每天 9:00–21:00"}
    finally:
        await guest.close()
        await console.close()


async def test_the_service_phone_through_the_admin_api(open_shop):
    shop = await open_shop()
    refused = await shop.put("/api/admin/v1/service-contact",
                             json={"phone": "12", "hours": ""})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "service_phone"
    set_ = await shop.put("/api/admin/v1/service-contact",
                          json={"phone": "+86 571 8888 6666", "hours": "工作日 9–18 点"})
    assert set_.status_code == 200
    assert set_.json() == {"phone": "+86 571 8888 6666", "hours": "工作日 9–18 点"}
    shown = await shop.get("/api/v1/service-contact", admin=False)
    assert shown.json()["phone"] == "+86 571 8888 6666"
    removed = await shop.put("/api/admin/v1/service-contact", json={"phone": ""})
    assert removed.status_code == 200
    assert (await shop.get("/api/v1/service-contact", admin=False)).json()["phone"] == ""
