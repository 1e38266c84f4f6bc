"""axe-core (tests/e2e/vendor/axe-core, the rules Lighthouse's accessibility score uses) on
the storefront, on a phone in Chinese, and on the merchant console: no serious or critical
violation on any page a shopper or a merchant opens every day."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
PASSWORD = "Correct-Horse-9"
TEA = {"name": "西湖龙井", "status": "published", "description": "明前茶。", "variants": [
    {"sku": "LJ-50", "price": 3800, "stock": 0, "options": {"规格": "50g"}},
    {"sku": "LJ-250", "price": 16800, "stock": 4, "options": {"规格": "250g"}}]}


def serious_violations(page: Page) -> list[str]:
    # axe is injected through the DevTools protocol: the pages' CSP allows no inline script.
    page.evaluate(AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {node['target']}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")
            for node in v["nodes"][:3]]


def open_shop(server) -> tuple[str, str, int]:
    slug = f"axe-{uuid.uuid4().hex[:6]}"
    http = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
    answer = http.post("/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
                       json={"shop_name": "莲心茶舍", "slug": slug, "password": PASSWORD,
                             "email": f"owner@{slug}.example", "template": "blank"})
    assert answer.status_code == 201, answer.text
    headers = {"host": f"{slug}.localhost:{server.port}",
               "authorization": f"Bearer {answer.json()['admin_token']}"}
    product = http.post("/api/admin/v1/products", json=TEA, headers=headers)
    assert product.status_code == 201, product.text
    http.put("/api/admin/v1/plugins/payments_offline", json={"enabled": True}, headers=headers)
    return server.shop_url(slug), f"owner@{slug}.example", product.json()["id"]


def test_the_storefront_on_a_phone_has_no_serious_accessibility_violation(
        live_server, browser: Browser, screenshots: Path) -> None:
    shop, _email, product = open_shop(live_server)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    found = {}
    for path in ("/", "/categories", f"/products/{product}", "/account/sign-in",
                 "/account/register", "/products/99999999"):
        page.goto(shop + path)
        found[path] = serious_violations(page)
    page.goto(shop + f"/products/{product}")
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_url(re.compile(r"/cart"))
    found["/cart"] = serious_violations(page)
    page.goto(shop + "/checkout")
    found["/checkout"] = serious_violations(page)
    page.screenshot(path=str(screenshots / "a11y-storefront-checkout.png"), full_page=True)
    context.close()
    assert not {path: v for path, v in found.items() if v}


def test_the_console_has_no_serious_accessibility_violation(
        live_server, browser: Browser, screenshots: Path) -> None:
    shop, email, product = open_shop(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(shop + "/console/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/console/$"))
    found = {}
    for path in ("/console/", "/console/orders", "/console/products",
                 f"/console/products/{product}", "/console/inventory", "/console/reports",
                 "/console/plugins", "/console/settings", "/console/staff", "/console/audit",
                 "/console/returns", "/console/picking"):
        page.goto(shop + path)
        found[path] = serious_violations(page)
    page.screenshot(path=str(screenshots / "a11y-console-picking.png"), full_page=True)
    context.close()
    assert not {path: v for path, v in found.items() if v}
