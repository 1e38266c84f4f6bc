"""End to end in Chromium, in Chinese on a phone: the merchant gives a shopper points in
the console; the shopper signs in, pays part of an order with points at checkout (with the
member price of the level the points reached), and finds the points ledger and the member
level in 我的. Screenshots go to the output folder for a human to judge.
"""

from __future__ import annotations

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


def open_points_shop(server, slug: str) -> tuple[httpx.Client, dict[str, str]]:
    http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
    answer = http.post("/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
                       json={"shop_name": "莲心茶舍", "slug": slug,
                             "email": f"owner@{slug}.example", "password": PASSWORD,
                             "template": "blank"})
    assert answer.status_code == 201, answer.text
    headers = {"host": f"{slug}.localhost:{server.port}",
               "authorization": f"Bearer {answer.json()['admin_token']}"}
    made = http.post("/api/admin/v1/products", headers=headers, json={
        "name": "西湖龙井", "variants": [{"sku": "LJ-50", "price": 10000, "stock": 10}]})
    assert made.status_code == 201, made.text
    # Referral marketing comes with the higher plans: this shop is on 专业版.
    server.command("tenants", "plan", slug, "pro", "--reason", "browser test")
    for plugin, settings in (
            ("payments_offline", {"cash_on_delivery": True, "bank_transfer": False}),
            ("marketing_points", {"redeem_rate": 100, "redeem_cap_percent": 50,
                                  "levels": "银卡:300:98:no\n金卡:5000:95:yes",
                                  "level_basis": "points"}),
            ("marketing_referral", {"reward_kind": "points", "referrer_reward": 500,
                                    "newcomer_reward": 300, "hold_days": 7})):
        enabled = http.put(f"/api/admin/v1/plugins/{plugin}", headers=headers,
                           json={"enabled": True, "settings": settings})
        assert enabled.status_code == 200, enabled.text
    shopper = http.post("/api/v1/account/register", headers={"host": headers["host"]},
                        json={"phone": "13900139000", "password": SHOPPER_PASSWORD,
                              "name": "韩梅梅"})
    assert shopper.status_code == 201, shopper.text
    return http, {"customer": str(shopper.json()["customer"]["id"])}


def test_buy_with_points_then_see_the_ledger_and_level(live_server, browser: Browser,
                                                       screenshots: Path) -> None:
    slug = f"points-{uuid.uuid4().hex[:6]}"
    http, ids = open_points_shop(live_server, slug)
    shop = live_server.shop_url(slug)

    # The merchant gives 800 points (a welcome gift) in the console's ledger.
    staff = browser.new_context(**TABLET)
    console = staff.new_page()
    console.goto(shop + "/console/login")
    console.locator('input[name="email"]').fill(f"owner@{slug}.example")
    console.locator('input[name="password"]').fill(PASSWORD)
    console.locator('button[type="submit"]').click()
    expect(console).to_have_url(re.compile(r"/console/$"))
    console.goto(f"{shop}/plugins/marketing_points/ledger?customer={ids['customer']}")
    console.locator("#f-points").fill("800")
    console.locator("#f-note").fill("新客礼")
    console.locator("[data-adjust-points] button[type=submit]").click()
    expect(console.locator("[data-balance]")).to_have_attribute("data-balance", "800")
    expect(console.locator("body")).to_contain_text("会员等级：银卡")
    shot(console, screenshots, "points-tablet-01-console-ledger")
    staff.close()

    # The shopper signs in on a phone and buys with 500 points.
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(shop + "/account/sign-in")
    page.locator("#f-login").fill("13900139000")
    page.locator("#f-password").fill(SHOPPER_PASSWORD)
    page.locator("form[action='/account/sign-in'] button[type=submit]").click()
    expect(page).to_have_url(shop + "/account")
    page.goto(shop + "/")
    page.get_by_role("link", name=re.compile("西湖龙井")).first.click()
    page.locator("button[name=then][value=cart]").click()
    expect(page).to_have_url(re.compile(r"/cart\?added=\d+$"))
    page.goto(shop + "/checkout")
    page.locator("#f-contact-name").fill("韩梅梅")
    page.locator("#f-contact-phone").fill("13900139000")
    page.locator("#f-address-province").select_option("上海市")
    page.locator("#f-address-city").select_option("上海市")
    page.locator("#f-address-district").select_option("静安区")
    page.locator("#f-address-line1").fill("南京西路 1 号 2 楼")
    page.locator("label.pick", has=page.locator('input[value="cod"]')).click()
    expect(page.locator("[data-points-field]")).to_contain_text("使用积分")
    page.locator("#f-points").fill("9000")  # more than the shopper has
    page.locator("[data-points-field] button[value=update]").click()
    expect(page.locator("#f-points-error")).to_contain_text("您当前有 800 积分")
    page.locator("#f-points").fill("500")
    page.locator("[data-points-field] button[value=update]").click()
    summary = page.locator("[data-region=totals]")
    expect(summary).to_contain_text("银卡会员价")  # 98 % of ¥100: −¥2.00
    expect(summary).to_contain_text("500 积分")
    expect(page.locator("[data-total]")).to_have_text("¥93.00")
    shot(page, screenshots, "points-phone-02-checkout")
    page.locator("[data-place-order]").click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}\?placed=1$"))
    number = re.search(r"/orders/(\d{12})", page.url).group(1)

    # 我的: the balance, the level and the ledger with the order.
    page.goto(shop + "/account")
    panel = page.locator("[data-points-panel]")
    expect(panel.locator("[data-points-balance]")).to_have_text("300")
    expect(panel.locator("[data-member-level]")).to_contain_text("会员等级：银卡")
    entries = panel.locator("[data-my-points-ledger] li")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("下单抵扣")
    expect(entries.first).to_contain_text(number)
    expect(entries.first).to_contain_text("-500")
    expect(entries.nth(1)).to_contain_text("+800")
    body = page.locator("body").inner_text()
    assert "Spent at checkout" not in body and "points" not in body
    shot(page, screenshots, "points-phone-03-account")
    page.locator("[data-points-panel] a", has_text="全部明细").click()
    expect(page.locator("h1")).to_have_text("我的积分")
    shot(page, screenshots, "points-phone-04-ledger")

    # 邀请有礼: the shopper's code, link and QR poster; a friend opens the link.
    page.goto(shop + "/account")
    page.locator("[data-referral-panel] a").click()
    expect(page.locator("h1")).to_have_text("邀请有礼")
    expect(page.locator("[data-qr] svg")).to_be_visible()
    link = page.locator("[data-share-link]").input_value()
    code = page.locator("[data-invite] [data-referral-code]").inner_text()
    assert link.endswith(f"/plugins/marketing_referral/r/{code}")
    shot(page, screenshots, "points-phone-05-invite")
    friend = browser.new_context(**PHONE)
    other = friend.new_page()
    other.goto(link)
    expect(other.locator("h1")).to_contain_text("好友邀请你来莲心茶舍")
    expect(other.locator("[data-share-page]")).to_contain_text("双方各得 300 积分")
    shot(other, screenshots, "points-phone-06-share-page")
    other.locator("[data-register]").click()
    other.locator("#f-phone").fill("13700137000")
    other.locator("#f-password").fill(SHOPPER_PASSWORD)
    other.locator("form[action='/account/register'] button[type=submit]").click()
    expect(other.locator("[data-joined]")).to_have_attribute("data-joined", "yes")
    shot(other, screenshots, "points-phone-07-joined")
    friend.close()
    context.close()
    http.close()
