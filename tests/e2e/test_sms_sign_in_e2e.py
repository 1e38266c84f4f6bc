"""End to end in Chromium on a phone, in Chinese: a shopper with no account signs in with a
texted code (验证码登录). The shop's SMS channel is the notify_sms plugin pointed at the Aliyun
simulator (served by this test over real HTTP); the served app's worker texts the code.

Screenshots (390px phone) go to the output folder for a human to judge.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from e2e.journeys import PHONE, sign_in_with_code
from galleria.testing import serve_asgi
from galleria_plugins.notify_sms.testing import AliyunSmsSimulator, Template

pytestmark = pytest.mark.e2e
KEY_ID, SECRET, SIGN = "LTAI5tE2E", "e2e-secret", "莲花茶馆"


def _open_shop_with_sms(server, slug: str, sim_url: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        made = http.post("/api/platform/v1/signup", headers={"host": f"localhost:{server.port}"},
                         json={"shop_name": "莲花茶馆", "slug": slug,
                               "email": f"owner@{slug}.example", "password": "Correct-Horse-9",
                               "template": "blank"})
        assert made.status_code == 201, made.text
        enabled = http.put("/api/admin/v1/plugins/notify_sms", json={
            "enabled": True, "settings": {
                "access_key_id": KEY_ID, "access_key_secret": SECRET, "sign_name": SIGN,
                "template_verify_code": "SMS_1", "base_url": sim_url}}, headers={
            "host": f"{slug}.localhost:{server.port}",
            "authorization": f"Bearer {made.json()['admin_token']}"})
        assert enabled.status_code == 200, enabled.text


def test_a_new_shopper_signs_in_with_a_texted_code_on_a_phone(live_server, browser: Browser,
                                                              screenshots: Path) -> None:
    sim = AliyunSmsSimulator(access_keys={KEY_ID: SECRET}, sign_names={SIGN}, templates={
        "SMS_1": Template("您的验证码为${code}，5分钟内有效，请勿泄露给他人。", "code")})
    slug = f"sms-{uuid.uuid4().hex[:6]}"

    def texted_code(phone: str) -> str:
        deadline = time.monotonic() + 30
        while not sim.to(phone) and time.monotonic() < deadline:
            time.sleep(0.2)
        [sms] = sim.to(phone)
        assert sms.text.startswith("【莲花茶馆】您的验证码为")
        return sms.params["code"]

    with serve_asgi(sim.app) as sim_url:
        _open_shop_with_sms(live_server, slug, sim_url)
        shop = live_server.shop_url(slug)
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(shop + "/account/sign-in")
        sign_in_with_code(page, "139 0013 7000", texted_code, screenshots, "sms-sign-in-phone")
        expect(page).to_have_url(shop + "/account")
        expect(page.locator("body")).to_contain_text("13900137000")
        page.screenshot(path=str(screenshots / "sms-sign-in-account-phone.png"), full_page=True)
        context.close()
