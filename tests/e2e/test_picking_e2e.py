"""End to end in Chromium, in Chinese: a cash-on-delivery order approved by the shop is
gathered into a pick list, picked on the scanning screen with keyboard input as a USB
scanner types it (a wrong product refused, a case barcode counting six), checked, packed
and shipped. Screenshots go to `test-results/` (picking-*.png).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
TABLET = {"viewport": {"width": 1024, "height": 768}, "locale": "zh-CN",
          "has_touch": True}


def approved_order(server, slug: str) -> str:
    """A shop selling milk in lots (a unit and a case barcode), tea and cups, and one cash
    on delivery order of 7 milk and 1 tea, approved by the shop's own review."""
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        signup = http.post("/api/platform/v1/signup",
                           headers={"host": f"localhost:{server.port}"},
                           json={"shop_name": "Picking Tea", "slug": slug,
                                 "email": f"owner@{slug}.example", "password": PASSWORD,
                                 "template": "blank"})
        assert signup.status_code == 201, signup.text
        admin = {"host": f"{slug}.localhost:{server.port}",
                 "authorization": f"Bearer {signup.json()['admin_token']}"}
        shopper = {"host": admin["host"]}
        assert http.put("/api/admin/v1/plugins/payments_offline", headers=admin,
                        json={"enabled": True}).status_code == 200
        variants = {}
        for sku, name, shelf, codes in (
                ("MILK", "纯牛奶 250ml", "B-10", [("6901", 1), ("6901-6", 6)]),
                ("TEA", "西湖龙井 50g", "A-2", [("6902", 1)]),
                ("CUP", "玻璃杯", "C-1", [("6903", 1)])):
            made = http.post("/api/admin/v1/products", headers=admin, json={
                "name": name, "variants": [{"sku": sku, "price": 1500, "stock": 0,
                                            "shelf_location": shelf,
                                            "barcodes": [{"code": c, "units": u}
                                                         for c, u in codes]}]})
            assert made.status_code == 201, made.text
            variants[sku] = made.json()["variants"][0]["id"]
            expires = (dt.date.today() + dt.timedelta(days=60)).isoformat()
            received = http.post("/api/admin/v1/inventory/receive", headers=admin, json={
                "variant_id": variants[sku], "quantity": 20, "lot_code": f"{sku}-2612",
                "expires_on": expires})
            assert received.status_code == 201, received.text
        cart = http.post("/api/v1/carts", headers=shopper).json()["id"]
        for sku, quantity in (("MILK", 7), ("TEA", 1)):
            http.post(f"/api/v1/carts/{cart}/items", headers=shopper,
                      json={"variant_id": variants[sku], "quantity": quantity})
        placed = http.post("/api/v1/orders", headers=shopper, json={
            "cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
            "address": {"name": "李雷", "phone": "13800138000", "country": "CN",
                        "province": "浙江省", "city": "杭州市", "line1": "文三路 90 号"},
            "payment_method": "cod"})
        assert placed.status_code == 201, placed.text
        number = placed.json()["number"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the embedded worker reviews it
            status = http.get(f"/api/admin/v1/orders/{number}", headers=admin).json()["status"]
            if status == "approved":
                break
            time.sleep(0.3)
        assert status == "approved"
        return number


def scan(page: Page, code: str) -> None:
    """Type like a USB scanner: the digits, then Enter."""
    field = page.locator("#f-scan")
    field.press_sequentially(code, delay=15)
    field.press("Enter")


def test_pick_with_a_scanner_then_pack_and_ship(live_server, browser: Browser,
                                                 screenshots: Path) -> None:
    slug = f"pick-{uuid.uuid4().hex[:6]}"
    number = approved_order(live_server, slug)
    shop = live_server.shop_url(slug)
    tablet = browser.new_context(**TABLET)
    page = tablet.new_page()
    try:
        page.goto(f"{shop}/console/login?next=/console/picking")
        page.locator("input[name=email]").fill(f"owner@{slug}.example")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").first.click()
        expect(page).to_have_url(f"{shop}/console/picking")
        expect(page.locator("body")).to_contain_text("1 个已审核订单待拣货")
        page.get_by_role("button", name="生成拣货单").click()
        route = page.locator(".pick-route tbody tr")
        expect(route).to_have_count(2)
        expect(route.first).to_contain_text("A-2")  # the walk starts at aisle A
        expect(route.last).to_contain_text("MILK-2612")
        page.screenshot(path=str(screenshots / "picking-list.png"), full_page=True)

        list_url = page.url
        page.goto(f"{list_url}/print?paper=80mm")
        expect(page.locator(".pick-sheet-80mm")).to_contain_text("MILK-2612")
        page.screenshot(path=str(screenshots / "picking-print-80mm.png"), full_page=True)
        page.goto(list_url)
        page.get_by_role("link", name="开始拣货").click()
        expect(page.locator("#f-scan")).to_be_focused()
        message = page.locator("[data-message]")
        scan(page, "6903")  # a glass: not in this order
        expect(message).to_have_text("商品错误：CUP 不在该订单中")
        expect(page.locator("[data-scan-form]")).to_have_class(re.compile("is-refused"))
        page.screenshot(path=str(screenshots / "picking-wrong-scan.png"), full_page=True)

        scan(page, "6901-6")  # a case of six
        expect(message).to_contain_text("纯牛奶 250ml × 6")
        scan(page, "6901")
        expect(message).to_contain_text("纯牛奶 250ml × 1")
        scan(page, "6901")  # one too many
        expect(message).to_have_text("数量超出：扫入 1 件，只剩 0 件待拣")
        scan(page, "6902")
        expect(message).to_have_text("本拣货单已全部拣完")
        expect(page.locator(".pick-route tbody tr.is-done")).to_have_count(2)
        page.screenshot(path=str(screenshots / "picking-done.png"), full_page=True)

        # The camera's fallback decoder is served by the app itself (no CDN) and loads.
        loaded = page.evaluate("""() => new Promise((done) => {
            const script = document.createElement("script");
            script.src = document.querySelector("[data-pick-screen]").dataset.zxing;
            script.onload = () => done(typeof ZXing.BrowserMultiFormatReader);
            script.onerror = () => done("failed");
            document.head.appendChild(script);
        })""")
        assert loaded == "function"

        page.locator(f'[data-pack="{number}"]').first.click()
        expect(page).to_have_url(f"{shop}/console/picking/pack/{number}")
        page.get_by_role("button", name="记录质检").click()
        expect(page.locator("[data-quality]")).to_have_text("合格")
        page.locator("#f-weight").fill("1900")
        page.locator("#f-pack-carrier").select_option("sf")
        page.locator("#f-pack-number").fill("SF1234567890")
        page.screenshot(path=str(screenshots / "picking-pack.png"), full_page=True)
        page.get_by_role("button", name="封箱发货").click()
        expect(page.locator(".alert-success")).to_contain_text("已打包发货")
        expect(page.locator("[data-shipment]")).to_contain_text("SF1234567890")
        page.screenshot(path=str(screenshots / "picking-shipped.png"), full_page=True)
        page.goto(f"{shop}/console/picking/alerts")
        expect(page.locator("body")).to_contain_text("所有承诺均已履行")
        page.screenshot(path=str(screenshots / "picking-alerts.png"), full_page=True)
    finally:
        tablet.close()
