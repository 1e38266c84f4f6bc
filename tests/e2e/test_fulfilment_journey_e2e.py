"""The whole journey in Chromium, in Chinese: a paid order is picked on the scanning screen
with keyboard input as a USB scanner types it (a wrong product refused), checked, packed and
shipped; the carrier delivers it; the shopper, on a phone, returns one line with a photo of
it; the merchant sees the photo, approves, receives it back into stock and refunds it; the
shopper sees the refund. Screenshots go to `test-results/journey-*.png`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
TABLET = {"viewport": {"width": 1024, "height": 768}, "locale": "zh-CN", "has_touch": True}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
ADDRESS = {"name": "韩梅梅", "phone": "13900001234", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"journey-{name}.png"), full_page=True)


def photo() -> bytes:
    """A phone photo of a dented tin: a grey box with a dark diagonal."""
    picture = Image.new("RGB", (800, 600), (210, 210, 205))
    for i in range(600):
        for w in range(6):
            picture.putpixel((min(799, 100 + i + w), i), (60, 60, 60))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


class Shop:
    def __init__(self, server, slug: str) -> None:
        self.slug = slug
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        self.host = f"{slug}.localhost:{server.port}"
        answer = self.http.post("/api/platform/v1/signup",
                                headers={"host": f"localhost:{server.port}"},
                                json={"shop_name": "莲心茶舍", "slug": slug,
                                      "email": f"owner@{slug}.example", "password": PASSWORD,
                                      "template": "blank"})
        assert answer.status_code == 201, answer.text
        self.token = answer.json()["admin_token"]

    def call(self, method: str, path: str, admin: bool = True, **kwargs) -> httpx.Response:
        headers = {"host": self.host}
        if admin:
            headers["authorization"] = f"Bearer {self.token}"
        answer = self.http.request(method, path, headers=headers, **kwargs)
        assert answer.status_code < 400, answer.text
        return answer

    def wait_for(self, number: str, status: str) -> dict:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            order = self.call("GET", f"/api/admin/v1/orders/{number}").json()
            if order["status"] == status:
                return order
            time.sleep(0.3)
        raise AssertionError(f"order {number} did not become {status}")

    def paid_order(self) -> tuple[str, str, dict[str, tuple[int, int]]]:
        """Two tins of tea and a cup, on shelves and in lots, paid by bank transfer and
        approved by the shop's review."""
        self.call("PUT", "/api/admin/v1/plugins/payments_offline", json={
            "enabled": True, "settings": {"bank_transfer": True,
                                          "bank_instructions": "招商银行 6225"}})
        ids = {}
        expires = (dt.date.today() + dt.timedelta(days=90)).isoformat()
        for sku, name, price, shelf, code in (
                ("LJ-250", "西湖龙井 250g", 12800, "B-10", "6920001"),
                ("CUP", "青瓷杯", 3500, "A-2", "6920002"),
                ("POT", "紫砂壶", 26800, "C-1", "6920003")):
            made = self.call("POST", "/api/admin/v1/products", json={
                "name": name, "variants": [{"sku": sku, "price": price, "stock": 0,
                                            "shelf_location": shelf,
                                            "barcodes": [{"code": code, "units": 1}]}]}).json()
            ids[sku] = (made["id"], made["variants"][0]["id"])
            self.call("POST", "/api/admin/v1/inventory/receive", json={
                "variant_id": ids[sku][1], "quantity": 10, "lot_code": f"{sku}-2612",
                "expires_on": expires})
        cart = self.call("POST", "/api/v1/carts", admin=False).json()["id"]
        for sku, quantity in (("LJ-250", 2), ("CUP", 1)):
            self.call("POST", f"/api/v1/carts/{cart}/items", admin=False,
                      json={"variant_id": ids[sku][1], "quantity": quantity})
        placed = self.call("POST", "/api/v1/orders", admin=False, json={
            "cart_id": cart, "contact": {"name": "韩梅梅", "phone": "13900001234"},
            "address": ADDRESS, "payment_method": "bank_transfer"}).json()
        number = placed["number"]
        self.call("POST", f"/api/admin/v1/orders/{number}/mark-paid", json={"note": "到账"})
        self.wait_for(number, "approved")
        return number, placed["access_token"], ids


def scan(page: Page, code: str) -> None:
    """Type like a USB scanner: the digits, then Enter."""
    field = page.locator("#f-scan")
    field.press_sequentially(code, delay=15)
    field.press("Enter")


def test_pick_pack_ship_then_the_shopper_returns_a_line_with_a_photo_and_is_refunded(
        live_server, browser: Browser, screenshots: Path, tmp_path: Path) -> None:
    api = Shop(live_server, f"trip-{uuid.uuid4().hex[:6]}")
    number, token, ids = api.paid_order()
    shop = live_server.shop_url(api.slug)

    tablet = browser.new_context(**TABLET)
    phone = browser.new_context(**PHONE)
    try:
        # -- the back room: pick with the scanner, check, pack, ship ----------------------
        staff = tablet.new_page()
        staff.goto(f"{shop}/console/login?next=/console/picking")
        staff.locator("input[name=email]").fill(f"owner@{api.slug}.example")
        staff.locator("input[name=password]").fill(PASSWORD)
        staff.locator("form button[type=submit]").first.click()
        expect(staff).to_have_url(f"{shop}/console/picking")
        staff.get_by_role("button", name="生成拣货单").click()
        route = staff.locator(".pick-route tbody tr")
        expect(route).to_have_count(2)
        expect(route.first).to_contain_text("A-2")  # the walk starts at aisle A
        shot(staff, screenshots, "1-pick-list")
        staff.get_by_role("link", name="开始拣货").click()
        expect(staff.locator("#f-scan")).to_be_focused()
        message = staff.locator("[data-message]")
        scan(staff, "6920003")  # the teapot: not in this order
        expect(message).to_have_text("商品错误：POT 不在该订单中")
        expect(staff.locator("[data-scan-form]")).to_have_class(re.compile("is-refused"))
        shot(staff, screenshots, "2-wrong-scan")
        scan(staff, "6920002")
        expect(message).to_contain_text("青瓷杯 × 1")
        scan(staff, "6920001")
        scan(staff, "6920001")
        expect(message).to_have_text("本拣货单已全部拣完")
        expect(staff.locator(".pick-route tbody tr.is-done")).to_have_count(2)
        shot(staff, screenshots, "3-picked")

        staff.locator(f'[data-pack="{number}"]').first.click()
        expect(staff).to_have_url(f"{shop}/console/picking/pack/{number}")
        staff.get_by_role("button", name="记录质检").click()
        expect(staff.locator("[data-quality]")).to_have_text("合格")
        staff.locator("#f-weight").fill("900")
        staff.locator("#f-pack-carrier").select_option("sf")
        staff.locator("#f-pack-number").fill("SF5550001111")
        staff.get_by_role("button", name="封箱发货").click()
        expect(staff.locator(".alert-success")).to_contain_text("已打包发货")
        shot(staff, screenshots, "4-shipped")

        order = api.wait_for(number, "shipped")
        shipment = order["shipments"][0]["id"]
        api.call("POST", f"/api/admin/v1/shipments/{shipment}/events",
                 json={"status": "delivered", "description": "已签收"})
        api.wait_for(number, "delivered")
        stock = api.call("GET", f"/api/admin/v1/products/{ids['LJ-250'][0]}").json()
        assert stock["variants"][0]["stock"]["on_hand"] == 8  # 10 − 2 shipped

        # -- the shopper, on a phone: return one tin with a photo -------------------------
        shopper = phone.new_page()
        shopper.goto(f"{shop}/orders/{number}?access_token={token}")
        shopper.locator("[data-return-start]").click()
        shopper.select_option(f"#q-{ids['LJ-250'][1]}", "1")
        shopper.locator("label.chip", has_text="收到时已破损").click()
        shopper.locator("textarea[name=note]").fill("罐子压扁了一个")
        picture = tmp_path / "dent.jpg"
        picture.write_bytes(photo())
        shopper.locator("[data-return-photos]").set_input_files(str(picture))
        expect(shopper.locator("[data-photo-count]")).to_have_text("已选 1 张照片")
        shot(shopper, screenshots, "5-phone-return-form")
        shopper.locator("[data-return-submit]").click()
        expect(shopper.locator("[data-return-status]").first).to_have_text("等待商家处理")
        expect(shopper.locator("[data-returns] [data-return-photos] img")).to_have_count(1)
        shot(shopper, screenshots, "6-phone-requested")

        # -- the merchant sees the photo, approves, receives, refunds ----------------------
        staff.goto(f"{shop}/console/returns")
        staff.locator("[data-return-row] a").first.click()
        thumb = staff.locator("[data-return-photos] img")
        expect(thumb).to_have_count(1)
        assert staff.evaluate("(img) => img.naturalWidth", thumb.element_handle()) > 0
        staff.locator("#f-return-address").fill("杭州市西湖区文三路 100 号 莲心茶舍售后部")
        shot(staff, screenshots, "7-return-with-photo")
        staff.locator("[data-return-approve] button").click()
        expect(staff.locator("[data-return-status]")).to_have_text("已同意，请寄回")

        shopper.reload()
        shopper.locator("input[name=tracking_number]").fill("SF9876543210")
        shopper.locator("[data-return-tracking] button").click()
        expect(shopper.locator("[data-return-status]").first).to_have_text("已寄回")

        staff.reload()
        staff.locator("[data-return-receive] button").click()
        expect(staff.locator("[data-return-status]")).to_have_text("商家已收货")
        expect(staff.locator("#f-refund-amount")).to_have_value("128.00")
        staff.locator("[data-return-refund-form] button").click()
        expect(staff.locator("[data-return-status]")).to_have_text("已退款")
        expect(staff.locator("[data-return-refund]")).to_have_text("¥128.00")
        shot(staff, screenshots, "8-refunded")

        shopper.reload()
        expect(shopper.locator("[data-returns] [data-return-refund]")).to_contain_text(
            "¥128.00")
        shot(shopper, screenshots, "9-phone-refunded")
        stock = api.call("GET", f"/api/admin/v1/products/{ids['LJ-250'][0]}").json()
        assert stock["variants"][0]["stock"]["on_hand"] == 9  # one tin back on the shelf
    finally:
        tablet.close()
        phone.close()
