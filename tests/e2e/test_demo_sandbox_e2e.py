"""The demo as a laptop user gets it: `galleria demo` seeds the demo shops in sandbox mode,
and a shopper buys in them without credentials — by card through the Stripe simulator, and
cash on delivery, which the merchant marks paid in the console. (WeChat Pay and Alipay have
browser tests of their own in their plugins' folders.)"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import LiveServer, _free_port, _galleria, server_env, serving

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`galleria demo --no-serve` (migrate, seed, sandbox settings for this port), then the
    app served with GALLERIA_SANDBOX=1, as `galleria demo` serves it."""
    var = tmp_path_factory.mktemp("demo")
    env = server_env(var)
    del env["GALLERIA_SECRET_KEY"]  # the demo makes its own, as on a laptop
    port = _free_port()
    subprocess.run([*_galleria(), "demo", "--no-serve", "--port", str(port)],
                   env=env, check=True, capture_output=True, timeout=300)
    env.update({"GALLERIA_SANDBOX": "1",
                "GALLERIA_SECRET_KEY": (var / "secret_key").read_text().strip()})
    with serving(env, var, port) as server:
        yield server


def check_out(page: Page, shop: str, method: str) -> str:
    """Buy the first product on the home page with `method`; returns the order number."""
    page.goto(shop + "/")
    page.locator("a[href^='/products/']").first.click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart\?added=\d+$"))
    page.goto(shop + "/checkout")
    page.locator("#f-contact-name").fill("Han Meimei")
    page.locator("#f-contact-phone").fill("13900139000")
    page.locator("#f-address-province").select_option("浙江省")
    page.locator("#f-address-city").select_option("杭州市")
    page.locator("#f-address-district").select_option("西湖区")
    page.locator("#f-address-line1").fill("龙井路 1 号")
    shipping = page.locator("label.pick", has=page.locator('input[name="shipping_method"]'))
    if shipping.count():
        shipping.first.click()
    page.locator("label.pick", has=page.locator(f'input[value="{method}"]')).click()
    page.locator("form[data-checkout] button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/orders/\d{12}"))
    return re.search(r"/orders/(\d{12})", page.url).group(1)


def test_a_card_payment_in_a_demo_shop_goes_through_the_stripe_simulator(
        demo_server: LiveServer, page: Page, screenshots: Path) -> None:
    shop = demo_server.shop_url("tea-house")
    number = check_out(page, shop, "stripe")
    expect(page).to_have_url(re.compile(rf"/orders/{number}/pay"))
    sandbox = page.locator("[data-pay-sandbox-link]")
    expect(sandbox).to_be_visible()
    page.screenshot(path=str(screenshots / "demo-stripe-01-pay.png"), full_page=True)
    with page.context.expect_page() as opened:
        sandbox.click()
    simulator = opened.value
    expect(simulator.locator("h1")).to_have_text("Stripe sandbox")
    simulator.get_by_role("button", name="Pay").click()
    expect(simulator.locator("#status")).to_have_text("succeeded")
    simulator.close()
    # The payment page notices the webhook by itself and shows the order, paid. (The
    # simulator's webhook goes through the demo's in-process job runner: on a loaded machine
    # it has taken more than 20 s.)
    expect(page).to_have_url(re.compile(rf"/orders/{number}(\?.*)?$"), timeout=60_000)
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", re.compile("paid|under_review|approved"))
    page.screenshot(path=str(screenshots / "demo-stripe-02-paid.png"), full_page=True)


def test_cash_on_delivery_is_marked_paid_by_the_merchant(
        demo_server: LiveServer, page: Page, screenshots: Path) -> None:
    shop = demo_server.shop_url("tea-house")
    number = check_out(page, shop, "cod")
    expect(page).to_have_url(re.compile(rf"/orders/{number}"))
    page.goto(shop + "/console/login")
    page.get_by_label("Email").fill("owner@tea-house.example")
    page.get_by_label("Password").fill("GreenLeaf-2024!")
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    page.goto(shop + f"/console/orders/{number}")
    page.get_by_role("button", name="Mark paid").click()
    expect(page.get_by_role("button", name="Mark paid")).to_have_count(0)
    expect(page.locator("table .badge", has_text="paid")).to_be_visible()
    page.screenshot(path=str(screenshots / "demo-cod-paid.png"), full_page=True)
