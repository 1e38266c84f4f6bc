"""End to end in Chromium, on a tablet in Chinese: add a store (门店), move stock to it with a
transfer (调拨), and see the stock per location. Screenshots go to the output folder for a
human to judge."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"
TABLET = {"viewport": {"width": 820, "height": 1180}, "device_scale_factor": 1,
          "has_touch": True, "locale": "zh-CN"}


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_shop_with_tea(server, slug: str) -> str:
    host = {"host": f"localhost:{server.port}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        answer = http.post("/api/platform/v1/signup", headers=host, json={
            "shop_name": "西湖茶庄", "slug": slug, "email": f"owner@{slug}.example",
            "password": PASSWORD, "template": "blank"})
        assert answer.status_code == 201, answer.text
        token = answer.json()["admin_token"]
        made = http.post("/api/admin/v1/products", headers={
            "host": f"{slug}.localhost:{server.port}", "authorization": f"Bearer {token}"},
            json={"name": "龙井茶 250g", "variants": [{"sku": "LJ-250", "price": 12800,
                                                       "stock": 20}]})
        assert made.status_code == 201, made.text
    return f"owner@{slug}.example"


def test_a_store_and_a_transfer_on_a_tablet(live_server, browser: Browser,
                                            screenshots: Path) -> None:
    slug = f"tea-{uuid.uuid4().hex[:6]}"
    email = open_shop_with_tea(live_server, slug)
    shop = live_server.shop_url(slug)
    context = browser.new_context(**TABLET)
    page = context.new_page()
    page.goto(shop + "/console/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/console/$"))

    page.goto(shop + "/console/inventory/locations")
    expect(page.locator("h1")).to_have_text("门店/仓库")
    page.get_by_label("编码").fill("xihu")
    page.locator("#f-name").fill("西湖店")
    page.get_by_label("类型").select_option("store")
    page.locator("#f-province").select_option("浙江省")  # the picker loads its cities
    expect(page.locator("#f-city option[value='杭州市']")).to_have_count(1)
    page.locator("#f-city").select_option("杭州市")
    expect(page.locator("#f-district option[value='西湖区']")).to_have_count(1)
    page.locator("#f-district").select_option("西湖区")
    page.locator("#f-line1").fill("龙井路 1 号")
    page.locator("#f-open").fill("09:00")
    page.locator("#f-close").fill("21:00")
    page.locator("#f-open-6").fill("10:00")
    page.locator("#f-close-6").fill("18:00")
    page.get_by_label("支持到店自提").check()
    page.get_by_role("button", name="添加", exact=True).click()
    expect(page.locator("#location-xihu")).to_contain_text("09:00–21:00")
    expect(page.locator("#location-xihu")).to_contain_text("周六 10:00–18:00")
    shot(page, screenshots, "locations-tablet-01-list")

    page.goto(shop + "/console/inventory/transfers")
    page.locator("select[name=destination]").select_option("xihu")
    page.locator("input[name=quantity]").fill("5")
    page.get_by_role("button", name="创建").click()
    expect(page.locator(".transfers-table")).to_contain_text("草稿")
    page.get_by_role("button", name="发货").click()
    expect(page.locator(".transfers-table")).to_contain_text("运输中")
    shot(page, screenshots, "locations-tablet-02-in-transit")
    page.get_by_role("button", name="签收").click()
    expect(page.locator(".transfers-table")).to_contain_text("已签收")

    page.goto(shop + "/console/inventory")
    expect(page.locator(".stock-table")).to_contain_text("西湖店")
    shot(page, screenshots, "locations-tablet-03-stock")
    body = page.locator("main").inner_text()
    assert "transfer" not in body and "in_transit" not in body
    context.close()
