"""End to end in Chromium: the buyer of a delivered order reviews it on a phone (zh-CN) with
a photo and rates the shop, the merchant replies in the console, and the product page shows
the review with its photo and the reply.

Screenshots of each step go to `test-results/reviews-*.png`.
"""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, expect

from e2e.shop_api import PASSWORD, ShopApi

pytestmark = pytest.mark.e2e
SHOPPER_PASSWORD = "Plum-blossom-8"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
TABLET = {"viewport": {"width": 1024, "height": 900}, "locale": "zh-CN"}
ADDRESS = {"name": "韩梅梅", "phone": "13900001234", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"reviews-{name}.png"), full_page=True)


def tea_photo(path: Path) -> Path:
    picture = Image.new("RGB", (800, 600), (120, 170, 90))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((250, 150, 550, 450), fill=(230, 240, 200))
    out = io.BytesIO()
    picture.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


class Shop(ShopApi):
    def delivered_order(self) -> tuple[str, int]:
        """The shopper's bank-transfer order of a tea, paid, shipped and delivered."""
        for plugin, settings in (("payments_offline", {"bank_transfer": True,
                                                       "bank_instructions": "招商银行 6225"}),
                                 ("reviews", {"sensitive_words": "返现"})):
            self.call("PUT", f"/api/admin/v1/plugins/{plugin}",
                      json={"enabled": True, "settings": settings})
        made = self.call("POST", "/api/admin/v1/products", json={
            "name": "西湖龙井 250g", "variants": [{"sku": "LJ-250", "price": 12800,
                                                 "stock": 10}]}).json()
        shopper = self.call("POST", "/api/v1/account/register", token=None, json={
            "phone": "13900001234", "password": SHOPPER_PASSWORD, "name": "韩梅梅"}).json()
        number = self.delivered_order_of(shopper["token"], made["variants"][0]["id"], ADDRESS)
        return number, made["id"]


def test_review_with_a_photo_reply_and_product_page(live_server, browser: Browser,
                                                    screenshots: Path, tmp_path: Path) -> None:
    api = Shop(live_server, f"rv-{uuid.uuid4().hex[:6]}")
    number, product_id = api.delivered_order()
    shop = live_server.shop_url(api.slug)

    phone = browser.new_context(**PHONE)
    try:
        page = phone.new_page()
        page.goto(shop + "/account/sign-in")
        page.locator("#f-login").fill("13900001234")
        page.locator("#f-password").fill(SHOPPER_PASSWORD)
        page.locator("form[action='/account/sign-in'] button[type=submit]").click()
        expect(page).to_have_url(shop + "/account")
        page.goto(f"{shop}/orders/{number}")
        expect(page.locator("[data-review-order]")).to_be_visible()
        shot(page, screenshots, "1-phone-order-delivered")
        page.locator("[data-review-order]").click()
        expect(page).to_have_url(re.compile(rf"/plugins/reviews/orders/{number}$"))
        line = page.locator("[data-review-line]").first
        line.locator("label.chip", has_text="5 星").click()
        line.locator("textarea").fill("茶汤清亮，豆花香明显，回甘快。")
        line.locator("input[type=file]").set_input_files(str(tea_photo(tmp_path / "tea.jpg")))
        rating = page.locator("[data-shop-rating]")
        for field in rating.locator(".field").all():
            field.locator("label.chip", has_text="5 星").click()
        expect(line.locator("[aria-live]")).to_have_text("已选 1 张")
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top in the shot
        shot(page, screenshots, "2-phone-review-form")
        page.locator("[data-review-form] button[type=submit]").click()
        expect(page.locator("[data-reviews-saved]")).to_contain_text("感谢您的评价")
        expect(page.locator("[data-reviewed-line] img")).to_have_count(1)
        shot(page, screenshots, "3-phone-reviewed")
    finally:
        phone.close()

    staff = browser.new_context(**TABLET)
    try:
        console = staff.new_page()
        console.goto(shop + "/console/login")
        console.locator('input[name="email"]').fill(f"owner@{api.slug}.example")
        console.locator('input[name="password"]').fill(PASSWORD)
        console.locator('button[type="submit"]').click()
        expect(console).to_have_url(re.compile(r"/console/$"))
        console.goto(shop + "/plugins/reviews/manage")
        expect(console.locator("[data-figure=count]")).to_have_text("1")
        review = console.locator("[data-console-review]").first
        expect(review).to_contain_text("茶汤清亮")
        review.locator("[data-reply-form] input[name=text]").fill("谢谢喜欢，建议 85℃ 水温冲泡。")
        review.locator("[data-reply-form] button[type=submit]").click()
        expect(console.locator("[data-console-review] [data-review-reply]")).to_contain_text(
            "85℃")
        shot(console, screenshots, "4-tablet-console-replied")
    finally:
        staff.close()

    visitor = browser.new_context(**PHONE)
    try:
        page = visitor.new_page()
        page.goto(f"{shop}/products/{product_id}")
        block = page.locator("[data-product-reviews]")
        block.scroll_into_view_if_needed()
        expect(block.locator("[data-review-average]")).to_have_text("5.0")
        expect(block).to_contain_text("共 1 条评价")
        expect(block.locator("[data-review-photo]")).to_have_count(1)
        expect(block.locator("[data-review-reply]")).to_contain_text("85℃ 水温")
        shot(page, screenshots, "5-phone-product-page")
    finally:
        visitor.close()
