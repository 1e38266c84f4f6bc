"""The Content-Security-Policy in a real browser: an injected inline script does not run,
and the violation is seen (the check every other browser test relies on)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from .conftest import LiveServer

pytestmark = pytest.mark.e2e
PASSWORD = "Correct-Horse-9"


def test_an_injected_inline_script_does_not_run(live_server: LiveServer, page: Page,
                                                no_csp_violations: list[str]) -> None:
    page.goto(f"{live_server.url}/signup")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected === undefined")
    assert any("inline script" in text for text in no_csp_violations)
    no_csp_violations.clear()  # provoked on purpose


def test_a_plugin_page_script_runs_as_a_file(live_server: LiveServer, page: Page,
                                             screenshots: Path) -> None:
    """The shipping plugin's quote tester (its script once inline, now a file the plugin
    serves) still works under the policy."""
    slug = f"csp-{uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=f"http://127.0.0.1:{live_server.port}", timeout=30) as http:
        signup = http.post("/api/platform/v1/signup",
                           headers={"host": f"localhost:{live_server.port}"},
                           json={"shop_name": "CSP Tea", "slug": slug, "template": "blank",
                                 "email": f"owner@{slug}.example", "password": PASSWORD})
        assert signup.status_code == 201, signup.text
        enabled = http.put("/api/admin/v1/plugins/shipping", json={"enabled": True}, headers={
            "host": f"{slug}.localhost:{live_server.port}",
            "authorization": f"Bearer {signup.json()['admin_token']}"})
        assert enabled.status_code == 200, enabled.text
    shop = live_server.shop_url(slug)
    page.goto(f"{shop}/console/login?next=/console/p/shipping-quote")
    page.get_by_label("Email").fill(f"owner@{slug}.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{shop}/console/p/shipping-quote")
    page.locator("[data-shipping-quote] button[type=submit]").click()
    expect(page.locator("#shipping-quote-result")).to_be_visible()  # filled by quote.js
    page.screenshot(path=str(screenshots / "csp-shipping-quote.png"), full_page=True)
