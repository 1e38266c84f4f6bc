"""End to end in Chromium, in Chinese on a phone, the marketing plugins together: the
merchant gives a shopper points in the console; the shopper claims a coupon in the coupon
centre (领券中心), sees at checkout the wallet's coupons that fit (the best applied, another
one a tap away), buys a flash-sale (秒杀) teapot with a coupon and with points, and sees
the points ledger and the used coupon in 我的. Screenshots go to the output folder for a
human to judge."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
SHOPPER_PASSWORD = "Plum-blossom-8"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
TABLET = {"viewport": {"width": 1024, "height": 900}, "locale": "zh-CN"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def marketing_shop(server, slug: str) -> dict[str, str]:
    """A tea shop with cash on delivery; a flash sale on its teapot (¥99.00 → ¥59.00, 5
    units, 1 each, for 2 hours); claimable coupons 满50减10 and 满30减5; points worth ¥1 per
    100, paying at most half; and a registered shopper."""
    http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
    answer = http.post("/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
                       json={"shop_name": "莲心茶舍", "slug": slug, "password": PASSWORD,
                             "email": f"owner@{slug}.example", "template": "blank"})
    assert answer.status_code == 201, answer.text
    headers = {"host": f"{slug}.localhost:{server.port}",
               "authorization": f"Bearer {answer.json()['admin_token']}"}
    made = http.post("/api/admin/v1/products", headers=headers, json={
        "name": "青瓷茶壶", "variants": [{"sku": "POT-1", "price": 9900, "stock": 20}]})
    assert made.status_code == 201, made.text
    for plugin, settings in (
            ("payments_offline", {"cash_on_delivery": True}),
            ("marketing", {}), ("marketing_campaigns", {}),
            ("marketing_points", {"redeem_rate": 100, "redeem_cap_percent": 50})):
        enabled = http.put(f"/api/admin/v1/plugins/{plugin}", headers=headers,
                           json={"enabled": True, "settings": settings})
        assert enabled.status_code == 200, enabled.text
    now = dt.datetime.now(dt.UTC)
    sale = http.post("/api/admin/v1/marketing/flash-sales", headers=headers, json={
        "variant_id": made.json()["variants"][0]["id"], "price": 5900, "quota": 5,
        "per_customer_limit": 1, "starts_at": (now - dt.timedelta(minutes=1)).isoformat(),
        "ends_at": (now + dt.timedelta(hours=2)).isoformat()})
    assert sale.status_code == 201, sale.text
    for value, minimum, name in ((1000, 5000, "满50减10"), (500, 3000, "满30减5")):
        coupon = http.post("/api/admin/v1/marketing/coupons", headers=headers, json={
            "kind": "amount_off", "value": value, "min_amount": minimum, "claimable": True,
            "name": name, "per_customer_limit": 1})
        assert coupon.status_code == 201, coupon.text
    shopper = http.post("/api/v1/account/register", headers={"host": headers["host"]},
                        json={"phone": "13900139000", "password": SHOPPER_PASSWORD,
                              "name": "韩梅梅"})
    assert shopper.status_code == 201, shopper.text
    return {"product": str(made.json()["id"]), "customer": str(shopper.json()["customer"]["id"])}


def test_claim_a_coupon_buy_a_flash_sale_with_it_and_points_see_the_ledger(
        live_server, browser: Browser, screenshots: Path) -> None:
    slug = f"journey-{uuid.uuid4().hex[:6]}"
    ids = marketing_shop(live_server, slug)
    shop = live_server.shop_url(slug)

    # The merchant gives 1,000 points (a welcome gift) in the console's ledger.
    staff = browser.new_context(**TABLET)
    console = staff.new_page()
    console.goto(shop + "/console/login")
    console.locator('input[name="email"]').fill(f"owner@{slug}.example")
    console.locator('input[name="password"]').fill(PASSWORD)
    console.locator('button[type="submit"]').click()
    expect(console).to_have_url(re.compile(r"/console/$"))
    console.goto(f"{shop}/plugins/marketing_points/ledger?customer={ids['customer']}")
    console.locator("#f-points").fill("1000")
    console.locator("#f-note").fill("新客礼")
    console.locator("[data-adjust-points] button[type=submit]").click()
    expect(console.locator("[data-balance]")).to_have_attribute("data-balance", "1000")
    # A 满减 promotion from its form: a tier that takes off more than its threshold is
    # refused under the tiers, in Chinese, with what was typed kept.
    # Only the chosen kind's part of the form shows (every part without the script).
    console.goto(f"{shop}/plugins/marketing/promotions/new")

    def part(name: str):
        return console.locator(f"[data-promotion-form] [data-part={name}]")

    expect(part("timed")).to_be_visible()
    expect(part("products")).to_be_visible()
    expect(part("tiers")).to_be_hidden()
    expect(part("quantity")).to_be_hidden()
    console.locator("#f-kind").select_option("tiers")
    expect(part("tiers")).to_be_visible()
    for hidden in ("timed", "products", "quantity"):
        expect(part(hidden)).to_be_hidden()
    console.locator("#f-name").fill("满100减15")
    console.locator("#f-tier_threshold_0").fill("100")
    console.locator("#f-tier_off_0").fill("150")
    console.locator("[data-promotion-form] button[type=submit]").click()
    expect(console.locator("#f-tiers-error")).to_contain_text("每档需填门槛")
    expect(console.locator("#f-tier_off_0")).to_have_value("150")
    expect(part("timed")).to_be_hidden()  # the refused form keeps showing its kind only
    shot(console, screenshots, "journey-tablet-00-promotion-form-error")
    staff.close()

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(shop + "/account/sign-in")
    page.locator("#f-login").fill("13900139000")
    page.locator("#f-password").fill(SHOPPER_PASSWORD)
    page.locator("form[action='/account/sign-in'] button[type=submit]").click()
    expect(page).to_have_url(shop + "/account")

    # 领券中心: claim 满50减10 and 满30减5 into the wallet.
    page.locator("[data-plugin-link]", has_text="领券中心").click()
    for name, value in (("满30减5", "¥5.00"), ("满50减10", "¥10.00")):
        card = page.locator(".coupon-card", has_text=name)
        expect(card).to_contain_text(value)
        card.locator("[data-claim]").click()
        expect(page.locator('[data-notice="claimed"]')).to_be_visible()
    shot(page, screenshots, "journey-phone-01-coupon-claimed")

    # The flash sale: its price, countdown and what is left lead the product page.
    page.goto(f"{shop}/products/{ids['product']}")
    promotions = page.locator("[data-promotions]")
    expect(promotions).to_contain_text("秒杀")
    expect(page.locator("[data-promoted-price]")).to_have_text("¥59.00")
    expect(promotions).to_contain_text("仅剩 5 件")
    expect(promotions.locator("[data-countdown]")).to_have_text(re.compile(r"^01:5\d:\d\d$"))
    shot(page, screenshots, "journey-phone-02-flash-sale")
    page.get_by_role("button", name="加入购物车").click()
    expect(page).to_have_url(re.compile(r"/cart\?added=\d+$"))

    # Checkout: the sale price, the wallet's coupon by itself, then 1,000 points (¥10).
    page.goto(shop + "/checkout")
    page.locator("#f-contact-name").fill("韩梅梅")
    page.locator("#f-contact-phone").fill("13900139000")
    page.locator("#f-address-province").select_option("上海市")
    page.locator("#f-address-city").select_option("上海市")
    page.locator("#f-address-district").select_option("静安区")
    page.locator("#f-address-line1").fill("南京西路 1 号 2 楼")
    page.locator("label.pick", has=page.locator('input[value="cod"]')).click()
    # The wallet's coupons that fit, best first and applied; the shopper may pick another.
    wallet = page.locator("[data-wallet-coupon]")
    expect(wallet).to_have_count(2)
    expect(wallet.first).to_contain_text("优惠券 满50减10：减¥10.00")
    expect(wallet.first).to_contain_text("最优")
    expect(wallet.first.locator("input")).to_be_checked()
    expect(wallet.nth(1)).to_contain_text("优惠券 满30减5：减¥5.00")
    wallet.nth(1).locator("input").check()
    page.locator("[data-use-wallet-coupon]").click()
    expect(page.locator("[data-total]")).to_have_text("¥54.00")  # 59 − 5
    expect(page.locator("[data-wallet-coupon]").nth(1).locator("input")).to_be_checked()
    page.locator(".checkout-summary").screenshot(  # the summary alone: no sticky header
        path=str(screenshots / "journey-phone-03a-checkout-other-coupon.png"))
    page.locator("[data-wallet-coupon]").first.locator("input").check()  # back to the best
    page.locator("#f-points").fill("1000")
    page.locator("[data-points-field] button[value=update]").click()
    summary = page.locator("[data-region=totals]")
    expect(summary).to_contain_text("秒杀：青瓷茶壶 ¥59.00")
    expect(summary).to_contain_text("优惠券 满50减10：减¥10.00")
    expect(summary).to_contain_text("1000 积分")
    expect(page.locator("[data-total]")).to_have_text("¥39.00")  # 59 − 10 − 10
    shot(page, screenshots, "journey-phone-03-checkout")
    page.locator("[data-place-order]").click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}\?placed=1$"))
    number = re.search(r"/orders/(\d{12})", page.url).group(1)

    # 我的: the points ledger shows the order's spending; the coupon is used on it.
    page.goto(shop + "/account")
    panel = page.locator("[data-points-panel]")
    expect(panel.locator("[data-points-balance]")).to_have_text("0")
    entries = panel.locator("[data-my-points-ledger] li")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("下单抵扣")
    expect(entries.first).to_contain_text(number)
    expect(entries.first).to_contain_text("-1000")
    expect(entries.nth(1)).to_contain_text("+1000")
    shot(page, screenshots, "journey-phone-04-account-points")
    page.locator("[data-points-panel] a", has_text="全部明细").click()
    expect(page.locator("h1")).to_have_text("我的积分")
    shot(page, screenshots, "journey-phone-05-points-ledger")
    page.goto(shop + "/account")
    page.locator("[data-plugin-link]", has_text="我的优惠券").click()
    used = page.locator('[data-state="used"]')
    expect(used).to_contain_text("满50减10")
    expect(used.locator("[data-order]")).to_have_text(f"已用于订单 {number}")
    expect(page.locator('[data-state="available"]')).to_contain_text("满30减5")
    shot(page, screenshots, "journey-phone-06-wallet")
    body = page.locator("body").inner_text()
    assert "coupon" not in body.lower() and "points" not in body.lower()
    context.close()
