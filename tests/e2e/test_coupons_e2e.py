"""End to end in Chromium, on a phone, in Chinese: a shopper follows 领券 from a product page
to the coupon centre, claims a coupon (领取), buys with it (the checkout applies it by
itself and says so), and finds it used on that order in 我的 → 我的优惠券. Screenshots go to
`test-results/` for a human to judge."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_shop(server, slug: str) -> int:
    """A shop with one tea, cash on delivery, marketing on and a claimable ¥20 coupon."""
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        signup = http.post("/api/platform/v1/signup",
                           headers={"host": f"localhost:{server.port}"},
                           json={"shop_name": "莲心茶舍", "slug": slug,
                                 "email": f"owner@{slug}.example", "password": PASSWORD,
                                 "template": "blank"})
        assert signup.status_code == 201, signup.text
        admin = {"host": f"{slug}.localhost:{server.port}",
                 "authorization": f"Bearer {signup.json()['admin_token']}"}
        product = http.post("/api/admin/v1/products", headers=admin, json={
            "name": "西湖龙井", "variants": [{"sku": "LJ-50", "price": 12800, "stock": 10}]})
        assert product.status_code == 201, product.text
        for plugin, body in (("payments_offline", {"enabled": True, "settings": {
                "cash_on_delivery": True}}), ("marketing", {"enabled": True})):
            enabled = http.put(f"/api/admin/v1/plugins/{plugin}", headers=admin, json=body)
            assert enabled.status_code == 200, enabled.text
        coupon = http.post("/api/admin/v1/marketing/coupons", headers=admin, json={
            "kind": "amount_off", "value": 2000, "min_amount": 10000, "claimable": True,
            "name": "新客满100减20", "per_customer_limit": 1})
        assert coupon.status_code == 201, coupon.text
        return product.json()["id"]


def test_claim_a_coupon_buy_with_it_and_see_it_used(live_server, browser: Browser,
                                                     screenshots: Path) -> None:
    slug = f"coupon-{uuid.uuid4().hex[:6]}"
    product_id = open_shop(live_server, slug)
    shop = live_server.shop_url(slug)
    context = browser.new_context(**PHONE)
    page = context.new_page()

    page.goto(shop + "/account/register")
    page.locator("#f-name").fill("韩梅梅")
    page.locator("#f-email").fill("meimei@example.com")
    page.locator("#f-password").fill(PASSWORD)
    page.locator('form button[type="submit"]').first.click()
    expect(page).to_have_url(shop + "/account")

    # The product page leads to the coupons for it.
    page.goto(f"{shop}/products/{product_id}")
    shot(page, screenshots, "coupons-phone-00-product")
    page.locator("[data-plugin-link]", has_text="领券").click()
    expect(page).to_have_url(re.compile(rf"/plugins/marketing/centre\?product={product_id}$"))
    card = page.locator(".coupon-card").first
    expect(card).to_contain_text("¥20.00")
    expect(card).to_contain_text("满¥100.00可用")
    shot(page, screenshots, "coupons-phone-01-centre")
    card.locator("[data-claim]").click()
    expect(page.locator('[data-notice="claimed"]')).to_be_visible()
    expect(page.locator(".coupon-card").first.locator("[data-claimed]")).to_have_text("已领取")
    shot(page, screenshots, "coupons-phone-02-claimed")

    # Buy: the checkout applies the wallet's coupon by itself and explains it.
    page.goto(f"{shop}/products/{product_id}")
    page.wait_for_load_state()
    page.locator('form button[type="submit"]', has_text="加入购物车").first.click()
    expect(page).to_have_url(re.compile(r"/cart\?added=\d+$"))
    page.goto(shop + "/checkout")
    page.locator("#f-contact-name").fill("韩梅梅")
    page.locator("#f-contact-phone").fill("13900139000")
    page.locator("#f-address-province").select_option("上海市")
    page.locator("#f-address-city").select_option("上海市")
    page.locator("#f-address-line1").fill("南京西路 1 号")
    expect(page.locator(".is-discount")).to_contain_text("优惠券 新客满100减20：减¥20.00")
    expect(page.locator("[data-total]")).to_have_text("¥108.00")
    shot(page, screenshots, "coupons-phone-03-checkout")
    page.locator("label.pick", has=page.locator('input[value="cod"]')).click()
    page.locator('button[type="submit"]', has_text="提交订单").click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}\?placed=1$"))
    number = re.search(r"/orders/(\d{12})", page.url).group(1)

    # 我的 → 我的优惠券: the coupon is used, on that order.
    page.goto(shop + "/account")
    page.locator("[data-plugin-link]", has_text="我的优惠券").click()
    used = page.locator('[data-state="used"]')
    expect(used).to_contain_text("新客满100减20")
    expect(used.locator("[data-order]")).to_have_text(f"已用于订单 {number}")
    expect(page.locator('[data-state="available"]')).to_contain_text("暂无")
    shot(page, screenshots, "coupons-phone-04-wallet")
    context.close()
