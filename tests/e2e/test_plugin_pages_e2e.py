"""End to end in Chromium: the shipping and marketing plugins' console pages, which are the
plugins' own templates, stylesheets and scripts (served from their packages), in Chinese and
English. Screenshots go to `test-results/`."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
TEMPLATES = {"default": "标准快递", "templates": [
    {"name": "标准快递", "first": 1, "first_fee": 800, "additional": 1, "additional_fee": 300,
     "eta_days": [2, 4],
     "regions": [{"codes": ["540000", "650000"], "first": 1, "first_fee": 2000,
                  "additional": 1, "additional_fee": 1000, "eta_days": [5, 9]}],
     "free": [{"min_amount": 20000}], "excluded": ["710000"]}]}
SAME_CITY = {"name": "同城配送", "lat": 30.2741, "lng": 120.1551, "radius_km": 8,
             "bands": [{"up_to_km": 3, "fee": 500}, {"up_to_km": 8, "fee": 1000}],
             "slots": [{"start": "09:00", "end": "12:00", "capacity": 5}], "lead_minutes": 30}
PICKUP = [{"name": "西湖店", "address": "杭州市西湖区文三路 100 号", "phone": "057188888888",
           "open": "09:00", "close": "21:00"}]


def shop_with_plugins(server, slug: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        signup = http.post("/api/platform/v1/signup",
                           headers={"host": f"localhost:{server.port}"},
                           json={"shop_name": "Plugin Tea", "slug": slug,
                                 "email": f"owner@{slug}.example", "password": PASSWORD,
                                 "template": "blank"})
        assert signup.status_code == 201, signup.text
        admin = {"host": f"{slug}.localhost:{server.port}",
                 "authorization": f"Bearer {signup.json()['admin_token']}"}
        settings = {"templates": json.dumps(TEMPLATES, ensure_ascii=False),
                    "same_city": json.dumps(SAME_CITY, ensure_ascii=False),
                    "pickup_points": json.dumps(PICKUP, ensure_ascii=False)}
        for plugin, body in (("shipping", {"enabled": True, "settings": settings}),
                             ("marketing", {"enabled": True})):
            enabled = http.put(f"/api/admin/v1/plugins/{plugin}", headers=admin, json=body)
            assert enabled.status_code == 200, enabled.text


def sign_in(page: Page, shop: str, slug: str, next_path: str) -> None:
    page.goto(f"{shop}/console/login?next={next_path}")
    page.locator('input[name="email"]').fill(f"owner@{slug}.example")
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('form button[type="submit"]').first.click()
    expect(page).to_have_url(f"{shop}{next_path}")


def test_plugin_console_pages_in_both_languages(live_server, browser: Browser,
                                                screenshots: Path) -> None:
    slug = f"plug-{uuid.uuid4().hex[:6]}"
    shop_with_plugins(live_server, slug)
    shop = live_server.shop_url(slug)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, shop, slug, "/console/p/shipping")
    expect(page.locator(".shipping-setup")).to_contain_text("首1件 ¥8.00，续1件 ¥3.00")
    expect(page.locator(".shipping-setup")).to_contain_text("满 ¥200.00")
    # the plugin's stylesheet is applied: its template links are laid out in a row
    expect(page.locator(".ship-links")).to_have_css("display", "flex")
    page.screenshot(path=str(screenshots / "plugin-shipping-zh.png"), full_page=True)

    page.goto(f"{shop}/console/p/shipping-quote")
    page.locator('button[type="submit"]', has_text="试算").click()  # the plugin's script
    result = page.locator("#shipping-quote-result")
    expect(result).to_be_visible()
    expect(result.locator('tr[data-code="express"]')).to_contain_text("11.00")  # 2 pieces: ¥8 + ¥3
    page.screenshot(path=str(screenshots / "plugin-shipping-quote-zh.png"), full_page=True)

    page.goto(f"{shop}/plugins/marketing/coupons/new")
    page.locator('input[name="code"]').fill("SPRING5")
    page.locator('select[name="kind"]').select_option("amount_off")
    page.locator('input[name="value"]').fill("5.50")
    page.locator('input[name="min_subtotal"]').fill("50")
    page.get_by_role("button", name="创建").click()
    expect(page).to_have_url(f"{shop}/console/p/marketing")
    expect(page.locator(".plugin-body table")).to_contain_text("−¥5.50")
    page.screenshot(path=str(screenshots / "plugin-marketing-zh.png"), full_page=True)

    page.goto(f"{shop}/lang/en?next=/console/p/shipping")
    expect(page.locator(".shipping-setup")).to_contain_text("first 1 pc ¥8.00")
    expect(page.locator(".shipping-setup")).not_to_contain_text("运费模板")
    page.screenshot(path=str(screenshots / "plugin-shipping-en.png"), full_page=True)
    context.close()
