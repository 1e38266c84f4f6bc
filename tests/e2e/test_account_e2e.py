"""End to end in Chromium: a shopper registers in a shop, saves an address and sees it as
the default, signs out and signs back in with the phone number.

Screenshots (1280px desktop, 390px phone) go to the output folder for a human to judge.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Plum-blossom-8"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_shop(server, slug: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        answer = http.post("/api/platform/v1/signup",
                           headers={"host": f"localhost:{server.port}"},
                           json={"shop_name": "Lotus Tea House", "slug": slug,
                                 "email": f"owner@{slug}.example", "password": "Correct-Horse-9",
                                 "template": "blank"})
        assert answer.status_code == 201, answer.text


def test_register_add_an_address_sign_out_and_in(live_server, page: Page, browser: Browser,
                                                 screenshots: Path) -> None:
    slug = f"acct-{uuid.uuid4().hex[:6]}"
    open_shop(live_server, slug)
    shop = live_server.shop_url(slug)

    page.goto(shop + "/")
    page.locator("[data-account-link]").click()
    expect(page).to_have_url(shop + "/account/sign-in")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Name").fill("Han Meimei")
    page.get_by_label("Email").fill("meimei@example.com")
    page.get_by_label("Phone").fill("+86 139 0013 9000")
    page.get_by_label("Password").fill(PASSWORD)
    shot(page, screenshots, "account-register")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(shop + "/account")
    expect(page.locator("h1")).to_contain_text("Han Meimei")
    expect(page.get_by_text("No orders yet")).to_be_visible()

    page.get_by_role("link", name="Add an address").click()
    page.locator("#f-name").fill("韩梅梅")  # "Recipient"
    page.get_by_label("Recipient's phone").fill("13900139000")
    page.get_by_label("Province").select_option("上海市")
    page.get_by_label("City").select_option("上海市")
    page.get_by_label("Street address").fill("南京西路 1 号")
    page.get_by_role("button", name="Save address").click()
    expect(page).to_have_url(shop + "/account/addresses")
    entry = page.locator("[data-address]").first
    expect(entry).to_contain_text("南京西路 1 号")
    expect(entry.locator("[data-default-badge]")).to_have_text("Default")
    shot(page, screenshots, "account-addresses")

    page.get_by_role("link", name="Orders").click()
    expect(page.locator("[data-default-address]")).to_contain_text("南京西路 1 号")
    shot(page, screenshots, "account-home")

    page.locator("[data-sign-out]").click()
    expect(page).to_have_url(shop + "/")
    expect(page.locator("[data-account-link]")).to_have_text("Sign in")
    page.goto(shop + "/account/addresses")
    expect(page).to_have_url(shop + "/account/sign-in?next=%2Faccount%2Faddresses")
    page.get_by_label("Email or phone").fill("+8613900139000")
    page.get_by_label("Password").fill("not-the-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email, phone or password.")
    page.get_by_label("Email or phone").fill("+86 139 0013 9000")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(shop + "/account/addresses")
    expect(page.locator("[data-address]")).to_have_count(1)

    # The same pages on a phone, in Chinese.
    context = browser.new_context(**PHONE)
    try:
        phone = context.new_page()
        phone.goto(shop + "/account/sign-in")
        phone.get_by_label("邮箱或手机号").fill("meimei@example.com")
        phone.get_by_label("密码").fill(PASSWORD)
        phone.locator("form.form button[type=submit]").click()
        expect(phone).to_have_url(shop + "/account")
        expect(phone.get_by_text("我的订单")).to_be_visible()
        shot(phone, screenshots, "account-home-phone")
        phone.goto(shop + "/account/addresses")
        expect(phone.locator("[data-default-badge]")).to_have_text("默认")
        shot(phone, screenshots, "account-addresses-phone")
    finally:
        context.close()
