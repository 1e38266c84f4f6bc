"""The console's shipping pages as a merchant uses them: edit a template with region rules,
same-city delivery and pickup points; ship an order and print its slip and label."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import httpx
import pytest
from shipping_helpers import add_products, approve, enable_shipping, place, tenant_of

from galleria.kernel import plugin_settings, shop_scope

PASSWORD = "Correct-Horse-9"
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Merchant:
    """A browser signed in to one shop's console."""

    def __init__(self, app, host: str) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url=f"http://{host}",
                                      headers={"accept-language": "zh-CN,zh;q=0.9"})

    async def csrf(self, path: str) -> str:
        page = await self.http.get(path)
        assert page.status_code == 200, page.text
        return CSRF_RE.search(page.text).group(1)

    async def submit(self, form_path: str, action: str, data) -> httpx.Response:
        token = await self.csrf(form_path)
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        body = urlencode([("_csrf_token", token), *pairs])  # repeated names: checkboxes
        return await self.http.post(action, content=body, headers={
            "content-type": "application/x-www-form-urlencoded"})


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


async def _settings(shop):
    tenant_id = await tenant_of(shop)
    async with shop_scope(tenant_id):
        return await plugin_settings(tenant_id, "shipping")


async def test_a_merchant_edits_a_template_with_region_rules(open_shop, merchant):
    shop = await open_shop()
    await enable_shipping(shop, templates="")
    browser = await merchant(shop)
    overview = await browser.http.get("/console/p/shipping")
    assert overview.status_code == 200 and "新建运费模板" in overview.text  # shop language

    form = [("index", ""), ("name", "大件"), ("charge_by", "weight"), ("first", "1000"),
            ("first_fee", "12.00"), ("additional", "1000"), ("additional_fee", "5"),
            ("eta_min", "2"), ("eta_max", "5"), ("region_0_province", "540000"),
            ("region_0_province", "650000"), ("region_0_more", "330100"),
            ("region_0_first", "1000"), ("region_0_first_fee", "30"),
            ("region_0_additional", "1000"), ("region_0_additional_fee", "15"),
            ("free_0_min_amount", "299"), ("excluded_province", "710000"),
            ("products", "7"), ("products", "9"), ("action", "save")]
    saved = await browser.submit("/plugins/shipping/templates", "/plugins/shipping/templates",
                                 form)
    assert saved.status_code == 303, saved.text
    document = json.loads((await _settings(shop))["templates"])
    assert document["default"] == "大件"
    template = document["templates"][0]
    assert template["first_fee"] == 1200 and template["charge_by"] == "weight"
    assert template["regions"][0]["codes"] == ["540000", "650000", "330100"]
    assert template["free"] == [{"min_amount": 29900}] and template["products"] == [7, 9]

    page = await browser.http.get("/console/p/shipping")
    assert "西藏自治区" in page.text and "满 ¥299.00" in page.text

    bad = await browser.submit("/plugins/shipping/templates?t=0",
                               "/plugins/shipping/templates",
                               [("index", "0"), ("name", ""), ("first_fee", "8.001"),
                                ("region_0_more", "999999"), ("action", "save")])
    assert bad.status_code == 422
    assert "first_fee" in bad.text and "unknown region code 999999" in bad.text
    assert json.loads((await _settings(shop))["templates"]) == document  # nothing stored

    gone = await browser.submit("/plugins/shipping/templates?t=0",
                                "/plugins/shipping/templates",
                                [("index", "0"), ("action", "delete")])
    assert gone.status_code == 303
    assert json.loads((await _settings(shop))["templates"]) == {"default": None,
                                                                "templates": []}


async def test_any_number_of_region_rules_cities_and_products_by_name(open_shop, merchant):
    shop = await open_shop()
    await enable_shipping(shop, templates="")
    made = await add_products(shop, ("LJ", 3800, 5, 0), ("TP", 9900, 5, 0))
    tea, pot = made["LJ"][0], made["TP"][0]
    browser = await merchant(shop)
    base = [("index", ""), ("name", "标准"), ("first", "1"), ("first_fee", "8"),
            ("additional", "1"), ("additional_fee", "2")]

    # Products are found by name (the form comes back, nothing stored yet).
    found = await browser.submit("/plugins/shipping/templates", "/plugins/shipping/templates",
                                 [*base, ("product_query", "LJ"), ("action", "find_products")])
    assert found.status_code == 200
    assert f'name="products" value="{tea}"> 商品 LJ' in found.text
    assert f'value="{pot}"' not in found.text
    assert "templates" not in (await _settings(shop)) or \
        "标准" not in (await _settings(shop))["templates"]

    # Seven rules (more than the five rows the editor used to have), a city of a province.
    provinces = ["110000", "120000", "130000", "140000", "150000", "210000"]
    rules = [field for i, code in enumerate(provinces) for field in (
        (f"region_{i}_province", code), (f"region_{i}_first", "1"),
        (f"region_{i}_first_fee", str(10 + i)))]
    rules += [("region_6_city", "330100"), ("region_6_first", "1"),
              ("region_6_first_fee", "9")]
    saved = await browser.submit("/plugins/shipping/templates", "/plugins/shipping/templates",
                                 [*base, *rules, ("products", str(tea)), ("action", "save")])
    assert saved.status_code == 303, saved.text
    template = json.loads((await _settings(shop))["templates"])["templates"][0]
    assert [r["codes"] for r in template["regions"]] == [[c] for c in provinces] + [["330100"]]
    assert template["regions"][6]["first_fee"] == 900 and template["products"] == [tea]

    page = (await browser.http.get("/plugins/shipping/templates?t=0")).text
    assert page.count('class="ship-row"') == 7 + 1 + 3  # its rules, a blank one, free rules
    assert f'name="products" value="{tea}" checked> 商品 LJ' in page
    assert 'name="region_6_city" value="330100" checked> 杭州' in page
    assert "添加规则" in page and "按名称查找商品" in page


async def test_a_merchant_sets_same_city_slots_and_pickup_points(open_shop, merchant):
    shop = await open_shop()
    await enable_shipping(shop, same_city="", pickup_points="")
    browser = await merchant(shop)
    saved = await browser.submit("/plugins/shipping/local", "/plugins/shipping/local", [
        ("same_city_on", "1"), ("name", "闪送"), ("lat", "30.27"), ("lng", "120.15"),
        ("radius_km", "5"), ("lead_minutes", "30"), ("band_0_km", "3"), ("band_0_fee", "5"),
        ("band_1_km", "5"), ("band_1_fee", "8"), ("slot_0_start", "10:00"),
        ("slot_0_end", "12:00"), ("slot_0_capacity", "10"), ("point_0_name", "西湖店"),
        ("point_0_address", "文三路 100 号"), ("point_0_open", "09:00"),
        ("point_0_close", "21:00"), ("point_0_days", "6"), ("point_0_days", "7"),
        ("point_0_fee", "0")])
    assert saved.status_code == 303, saved.text
    settings = await _settings(shop)
    same_city = json.loads(settings["same_city"])
    assert same_city["bands"] == [{"up_to_km": 3.0, "fee": 500}, {"up_to_km": 5.0, "fee": 800}]
    assert same_city["slots"] == [{"start": "10:00", "end": "12:00", "capacity": 10}]
    assert json.loads(settings["pickup_points"])[0]["days"] == [6, 7]

    bad = await browser.submit("/plugins/shipping/local", "/plugins/shipping/local", [
        ("same_city_on", "1"), ("lat", "300"), ("lng", "120"), ("radius_km", "5"),
        ("slot_0_start", "25:00"), ("slot_0_end", "12:00")])
    assert bad.status_code == 422
    assert "same_city.lat" in bad.text and "a time such as 09:30" in bad.text


async def test_staff_ship_from_the_console_and_print_the_slip_and_label(open_shop, merchant):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0))
    await enable_shipping(shop)
    order = await place(shop, [(products["TEA"][1], 2)], shipping_method="pickup_1")
    number = order["number"]
    await approve(await tenant_of(shop), number)
    browser = await merchant(shop)

    page = f"/console/fulfilment/{number}"
    shipped = await browser.submit(page, f"{page}/ship", {"method": "pickup_1"})
    assert shipped.status_code == 303, shipped.text
    shown = await browser.http.get(shipped.headers["location"])
    code = re.search(r'<b class="mono">(\d{6})</b>', shown.text).group(1)

    printed = await browser.http.get(f"{page}/print")
    assert printed.status_code == 200
    assert "@media print" not in printed.text  # the rules live in galleria.css
    assert "发货单" in printed.text and "TEA" in printed.text and code in printed.text

    wrong = await browser.submit(page, f"{page}/pickup", {"code": "12345"})
    assert wrong.status_code == 422
    handed = await browser.submit(page, f"{page}/pickup", {"code": code})
    assert handed.status_code == 303
    admin = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert admin["status"] == "delivered"


async def test_the_console_pages_need_a_signed_in_member(open_shop, client):
    shop = await open_shop()
    await enable_shipping(shop)
    for path in ("/plugins/shipping/templates", "/plugins/shipping/local",
                 "/console/fulfilment/260101000001"):
        response = await client.get(path, headers={"host": shop.host})
        assert response.status_code in (302, 303), path
        assert response.headers["location"].startswith("/console/login")
