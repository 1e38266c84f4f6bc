"""End to end in Chromium, in sandbox mode: a merchant at the product limit of the basic plan
sees the console's banner, upgrades to 专业版 through the Stripe Billing simulator's checkout
page and the limit rises; a platform operator (made with `galleria operator create`) signs
in with a TOTP code, suspends the shop with a reason (its storefront answers 403) and resumes
it. Screenshots (zh-CN) go to `test-results/`."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import _free_port, _galleria, migrate, server_env, serving

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
OPERATOR_PASSWORD = "Operator-Horse-42"


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory):
    var = tmp_path_factory.mktemp("e2e-billing")
    port = _free_port()
    env = server_env(var, GALLERIA_SANDBOX="1", GALLERIA_BILLING_STRIPE_API_BASE=(
        f"http://127.0.0.1:{port}/sandbox/billing"))
    migrate(env)
    made = subprocess.run([*_galleria(), "operator", "create", "ops@galleria.example"],
                          env={**env, "GALLERIA_OPERATOR_PASSWORD": OPERATOR_PASSWORD},
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr + made.stdout
    uri = re.search(r"otpauth://\S+", made.stdout).group(0)
    with serving(env, var, port) as server:
        yield server, pyotp.parse_uri(uri)


def _catalog(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["product", "sku", "price", "stock"])
    for n in range(count):
        writer.writerow([f"明前龙井 {n + 1} 号", f"LJ-{n + 1:03d}", 12800, 10])
    return out.getvalue().encode()


def test_upgrade_in_sandbox_raises_the_limit_and_an_operator_suspends_and_resumes(
        sandbox_server, browser: Browser, screenshots: Path) -> None:
    server, totp = sandbox_server
    slug = f"tea-{uuid.uuid4().hex[:6]}"
    api = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
    signup = api.post("/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
                      json={"shop_name": "西湖茶庄", "slug": slug, "email": f"owner@{slug}.example",
                            "password": PASSWORD, "template": "blank"})
    assert signup.status_code == 201, signup.text
    admin = {"host": f"{slug}.localhost:{server.port}",
             "authorization": f"Bearer {signup.json()['admin_token']}"}
    imported = api.post("/api/admin/v1/catalog/import", headers=admin,
                        files={"file": ("catalog.csv", _catalog(50), "text/csv")})
    assert imported.status_code == 200, imported.text
    over = api.post("/api/admin/v1/products", headers=admin, json={
        "name": "碧螺春", "variants": [{"sku": "BLC-1", "price": 9900, "stock": 5}]})
    assert over.status_code == 403 and over.json()["type"].endswith("/plan-limit")

    shop = server.shop_url(slug)
    merchant = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = merchant.new_page()
    try:
        page.goto(shop + "/console/login")
        page.locator("input[name=email]").fill(f"owner@{slug}.example")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form[action='/console/login'] button[type=submit]").click()
        expect(page).to_have_url(shop + "/console/")
        expect(page.locator("#billing-banner")).to_contain_text("50 / 50 件商品")
        shot(page, screenshots, "billing-01-banner-at-limit")

        page.locator(".sidebar").get_by_role("link", name="套餐与账单").click()
        expect(page.locator("#current-plan")).to_have_text("基础版")
        expect(page.locator("#billing-status")).to_have_text("试用中")
        shot(page, screenshots, "billing-02-plan-page")
        page.locator("#plan-pro").get_by_role("button", name="选择专业版").click()
        expect(page.locator("h1")).to_contain_text("Stripe sandbox")  # the simulator's page
        shot(page, screenshots, "billing-03-sandbox-checkout")
        page.locator("#pay").click()
        page.locator("#return").click()
        expect(page).to_have_url(re.compile(r"/console/billing\?checkout=done"))
        for _ in range(50):  # the signed webhook arrives on its own
            if page.locator("#current-plan").inner_text() == "专业版":
                break
            time.sleep(0.2)
            page.reload()
        expect(page.locator("#current-plan")).to_have_text("专业版")
        expect(page.locator("#billing-status")).to_have_text("正常")
        expect(page.locator("#usage")).to_contain_text("50 / 1000")
        expect(page.locator("#billing-banner")).to_have_count(0)
        shot(page, screenshots, "billing-04-upgraded")
    finally:
        merchant.close()
    fits = api.post("/api/admin/v1/products", headers=admin, json={
        "name": "碧螺春", "variants": [{"sku": "BLC-1", "price": 9900, "stock": 5}]})
    assert fits.status_code == 201, fits.text

    ops = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ops.new_page()
    try:
        platform = server.url
        page.goto(platform + "/operator/")
        expect(page).to_have_url(platform + "/operator/login")
        page.locator("input[name=email]").fill("ops@galleria.example")
        page.locator("input[name=password]").fill(OPERATOR_PASSWORD)
        page.locator("input[name=code]").fill(totp.now())
        shot(page, screenshots, "billing-05-operator-sign-in")
        page.locator("form[action='/operator/login'] button[type=submit]").click()
        expect(page).to_have_url(platform + "/operator/")
        expect(page.locator("#figure-mrr")).to_have_text("¥299.00")
        page.locator("input[name=q]").fill(slug)
        page.locator("input[name=q]").press("Enter")
        expect(page.locator(f"tr[data-slug='{slug}']")).to_contain_text("专业版")
        shot(page, screenshots, "billing-06-operator-shops")
        page.locator(f"tr[data-slug='{slug}'] a").click()
        page.locator("#suspend-form input[name=reason]").fill("疑似售卖违禁品，暂停待核实")
        page.locator("#suspend-form button").click()
        expect(page.locator("#shop-status")).to_have_text("已暂停")
        shot(page, screenshots, "billing-07-operator-suspended")

        storefront = page.context.new_page()
        answer = storefront.goto(shop + "/")
        assert answer is not None and answer.status == 403
        shot(storefront, screenshots, "billing-08-storefront-suspended")

        page.locator("#resume-form input[name=reason]").fill("已核实，恢复营业")
        page.locator("#resume-form button").click()
        expect(page.locator("#shop-status")).to_have_text("正常")
        expect(page.locator("#audit")).to_contain_text("店铺已恢复")
        expect(page.locator("#audit")).to_contain_text("疑似售卖违禁品，暂停待核实")
        shot(page, screenshots, "billing-09-operator-resumed")
        answer = storefront.goto(shop + "/")
        assert answer is not None and answer.status == 200
    finally:
        ops.close()
        api.close()
