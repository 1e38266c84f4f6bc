"""The shipping template editor as a merchant uses it (issue 13, item 5), in Chromium on a
tablet-wide console in Chinese: a region rule for some cities of a province picked from the
GB/T 2260 list, a second rule added, the product found by its name, saved; axe-core finds no
serious violation. Screenshots go to the output folder.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from e2e.test_accessibility_e2e import serious_violations

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"


def test_a_template_with_city_rules_and_a_product_by_name(live_server, browser: Browser,
                                                          screenshots: Path) -> None:
    slug = f"ship-{uuid.uuid4().hex[:6]}"
    http = httpx.Client(base_url=f"http://127.0.0.1:{live_server.port}", timeout=30)
    answer = http.post("/api/platform/v1/signup",
                       headers={"host": f"localhost:{live_server.port}"},
                       json={"shop_name": "莲心茶舍", "slug": slug, "password": PASSWORD,
                             "email": f"owner@{slug}.example", "template": "blank"})
    assert answer.status_code == 201, answer.text
    headers = {"host": f"{slug}.localhost:{live_server.port}",
               "authorization": f"Bearer {answer.json()['admin_token']}"}
    tea = http.post("/api/admin/v1/products", headers=headers, json={
        "name": "西湖龙井", "variants": [{"sku": "LJ-50", "price": 3800, "stock": 5}]}).json()
    enabled = http.put("/api/admin/v1/plugins/shipping", headers=headers,
                       json={"enabled": True})
    assert enabled.status_code == 200, enabled.text

    page = browser.new_context(viewport={"width": 1024, "height": 1100}, locale="zh-CN",
                               bypass_csp=True).new_page()
    page.goto(live_server.shop_url(slug) + "/console/login")
    page.locator("input[name=email]").fill(f"owner@{slug}.example")
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/console/$"))
    page.goto(live_server.shop_url(slug) + "/plugins/shipping/templates")

    page.locator("#f-name").fill("江浙沪包邮")
    page.locator("#f-first").fill("1")
    page.locator("#f-first_fee").fill("8")
    rule = page.locator("fieldset.ship-row").first
    rule.locator("details.ship-regions > summary").click()
    zhejiang = rule.locator(".ship-province", has_text="浙江")
    zhejiang.locator("summary").click()
    zhejiang.get_by_label(re.compile("^ ?杭州")).check()
    zhejiang.get_by_label(re.compile("^ ?宁波")).check()
    rule.locator('input[name="region_0_first"]').fill("1")
    rule.locator('input[name="region_0_first_fee"]').fill("5")
    page.get_by_role("button", name="添加规则").click()
    expect(page.locator("fieldset.ship-row")).to_have_count(2 + 3)  # a new blank rule

    page.get_by_placeholder("按名称查找商品").fill("龙井")
    page.get_by_role("button", name="搜索").click()
    page.get_by_label(re.compile("西湖龙井")).check()
    assert serious_violations(page) == []
    page.locator("#region-rules").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "shipping-editor-01-rules.png"))
    page.get_by_role("button", name="保存").last.click()
    page.wait_for_url(re.compile(r"/console/p/shipping"))
    page.screenshot(path=str(screenshots / "shipping-editor-02-saved.png"), full_page=True)

    state = http.get("/api/admin/v1/plugins", headers=headers).json()["items"]
    [shipping] = [p for p in state if p["name"] == "shipping"]
    template = json.loads(shipping["settings"]["templates"])["templates"][0]
    assert template["regions"][0]["codes"] == ["330100", "330200"]
    assert template["regions"][0]["first_fee"] == 500 and template["products"] == [tea["id"]]
    page.context.close()
