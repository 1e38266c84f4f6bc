"""In Chromium, in sandbox mode: a guest buys a tea with Alipay, pays on the simulated
Alipay cashier (mounted by the app at /sandbox/alipay/) and comes back to a paid order.

A real `galleria` server runs in a subprocess with GALLERIA_SANDBOX=1; the shop's Alipay
settings are the sandbox's (keys made once in the server's var dir), as the demo sets them.
Screenshots go to the output folder for a human to judge.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from e2e.conftest import migrate, server_env, serving
from playwright.sync_api import Page, expect

from galleria_plugins.payments_alipay.sandbox import sandbox_apps

pytestmark = pytest.mark.e2e
SECRET = "alipay-e2e-secret-" + "z" * 40


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory):
    """`galleria` in sandbox mode on a free port; yields (port, var dir)."""
    var = tmp_path_factory.mktemp("alipay-e2e")
    env = server_env(var, GALLERIA_SANDBOX="1", GALLERIA_SECRET_KEY=SECRET)
    migrate(env)
    with serving(env, var) as server:
        yield server.port, var


@pytest.fixture(scope="module")
def screenshots(pytestconfig: pytest.Config) -> Path:
    """pytest-playwright's output folder (as tests/e2e/conftest.py's fixture)."""
    folder = Path(pytestconfig.getoption("--output")).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open_shop(port: int, var: Path, slug: str) -> None:
    """Sign up, stock one tea and turn Alipay on with the sandbox's settings."""
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    answer = http.post("/api/platform/v1/signup", headers={"host": f"localhost:{port}"},
                       json={"shop_name": "Lotus Tea House 莲心茶舍", "slug": slug,
                             "email": f"owner@{slug}.example", "password": "Correct-Horse-9",
                             "template": "blank"})
    assert answer.status_code == 201, answer.text
    headers = {"host": f"{slug}.localhost:{port}",
               "authorization": f"Bearer {answer.json()['admin_token']}"}
    created = http.post("/api/admin/v1/products", headers=headers, json={
        "name": "西湖龙井 Longjing", "variants": [{"sku": "LJ-50", "price": 3800, "stock": 10}]})
    assert created.status_code == 201, created.text
    [(_, _, demo)] = sandbox_apps(var / "sandbox")  # the keys the server loaded
    url = f"http://localhost:{port}/sandbox/alipay"
    enabled = http.put("/api/admin/v1/plugins/payments_alipay", headers=headers, json={
        "enabled": True,
        "settings": {k: v.replace("{sandbox_url}", url) for k, v in demo.items()}})
    assert enabled.status_code == 200, enabled.text


def test_a_guest_pays_with_alipay_in_sandbox_mode(sandbox_server, page: Page,
                                                  screenshots: Path) -> None:
    port, var = sandbox_server
    slug = f"lotus-{uuid.uuid4().hex[:6]}"
    _open_shop(port, var, slug)
    shop = f"http://{slug}.localhost:{port}"

    page.goto(shop + "/")
    page.get_by_role("link", name=re.compile("Longjing")).first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()
    page.locator("#f-contact-name").fill("韩梅梅")
    page.locator("#f-contact-phone").fill("13900139000")
    page.locator("#f-address-province").select_option("上海市")
    page.locator("#f-address-city").select_option("上海市")
    page.locator("#f-address-line1").fill("南京西路 1 号 2 楼")
    shipping = page.locator('input[name="shipping_method"]')
    if shipping.count():
        shipping.first.check()
    page.locator("label.pick", has=page.locator('input[value="alipay"]')).click()
    page.get_by_role("button", name="Place order").click()

    # The payment page sends the shopper on to Alipay's (the simulator's) cashier.
    expect(page).to_have_url(re.compile(r"/orders/\d{12}/pay$"))
    number = re.search(r"/orders/(\d{12})/pay", page.url).group(1)
    shot = lambda name: page.screenshot(  # noqa: E731
        path=str(screenshots / f"alipay-{name}.png"), full_page=True)
    shot("01-pay")
    page.locator("[data-pay-redirect]").click()
    expect(page).to_have_url(re.compile(rf"localhost:{port}/sandbox/alipay/cashier/"))
    expect(page.locator("[data-testid=amount]")).to_have_text("¥38.00")
    shot("02-cashier")
    page.locator("[data-testid=pay]").click()

    # Back at the shop, paid: by the simulator's signed notification, not by the return.
    expect(page).to_have_url(re.compile(rf"{slug}\.localhost:{port}/orders/{number}"))
    expect(page.locator("[data-order-status]")).to_have_attribute(
        "data-order-status", re.compile("paid|review|approved"))
    shot("03-order-paid")
