"""End to end in Chromium: the owner invites a packer with the Orders area only; the packer
opens the link, chooses a password, lands in the console, sees Orders but not Products, and
is refused the products page. The owner then finds it all in the audit log.

Screenshots of the staff page, the invitation page and the packer's console go to
`test-results/`.
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
PACKER_PASSWORD = "Packing-Tape-42"


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_shop(server, slug: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        answer = http.post("/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
                           json={"shop_name": "Lotus Tea House", "slug": slug,
                                 "email": f"owner@{slug}.example", "password": PASSWORD,
                                 "template": "blank"})
        assert answer.status_code == 201, answer.text


def test_owner_invites_a_packer_who_sees_orders_only(live_server, page: Page, browser: Browser,
                                                      screenshots: Path) -> None:
    slug = f"staff-{uuid.uuid4().hex[:6]}"
    open_shop(live_server, slug)
    shop = live_server.shop_url(slug)

    page.goto(shop + "/console/login")
    page.get_by_label("Email").fill(f"owner@{slug}.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(shop + "/console/")

    page.locator(".sidebar").get_by_role("link", name="Staff").click()
    expect(page.locator("h1")).to_have_text("Staff")
    invite = page.locator("form[action='/console/staff/invite']")
    invite.get_by_label("Email").fill(f"packer@{slug}.example")
    invite.get_by_label("Role").select_option("staff")
    invite.get_by_label("Orders").select_option("write")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".invitation-link")).to_contain_text(f"packer@{slug}.example")
    link = page.locator("#invitation-url").input_value()
    assert link.startswith(shop + "/console/invitation?token=")
    shot(page, screenshots, "desktop-staff-01-invited")

    packer = browser.new_context(locale="en-US").new_page()
    try:
        packer.goto(link)
        expect(packer.locator("h1")).to_have_text("Join Lotus Tea House")
        expect(packer.locator(".invitation-areas")).to_contain_text("Orders")
        shot(packer, screenshots, "desktop-staff-02-invitation")
        packer.get_by_label("Your name").fill("Li Packer")
        packer.get_by_label("Password").fill(PACKER_PASSWORD)
        packer.get_by_role("button", name="Join the shop").click()
        expect(packer).to_have_url(shop + "/console/")

        sidebar = packer.locator(".sidebar")
        expect(sidebar.get_by_role("link", name="Orders")).to_be_visible()
        expect(sidebar.get_by_role("link", name="Products")).to_have_count(0)
        expect(sidebar.get_by_role("link", name="Staff")).to_have_count(0)
        shot(packer, screenshots, "desktop-staff-03-packer-console")
        sidebar.get_by_role("link", name="Orders").click()
        expect(packer.locator("h1")).to_have_text("Orders")

        refused = packer.goto(shop + "/console/products")
        assert refused is not None and refused.status == 403
        expect(packer.locator(".error-code")).to_have_text("403")

        # The link worked once.
        packer.goto(link)
        expect(packer.locator("h1")).to_have_text("This invitation cannot be used")
    finally:
        packer.context.close()

    page.goto(shop + "/console/audit")
    expect(page.locator(".audit-table")).to_contain_text("joined the shop")  # in words,
    expect(page.locator(".audit-table")).to_contain_text("invited a staff member")  # not codes
    shot(page, screenshots, "desktop-staff-04-audit")
    page.goto(shop + "/console/staff")
    expect(page.locator(".staff-table")).to_contain_text(re.compile(r"packer@"))
