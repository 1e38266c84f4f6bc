"""Shared by the notify_sms tests: the Alibaba Cloud SMS simulator over real HTTP (fixture
`simulator`, imported by each test module: a conftest here would shadow the suite's
`conftest` module for tests that import from it), its account and the shop settings for it."""

from __future__ import annotations

import pytest

from galleria.testing import serve_asgi
from galleria_plugins.notify_sms.testing import AliyunSmsSimulator, Template

KEY_ID, SECRET, SIGN = "LTAI5tTest", "test-secret", "茶小铺"
TEMPLATES = {"SMS_1": Template("您的验证码为${code}，5分钟内有效。", "code"),
             "SMS_2": Template("您的订单${number}${status}。")}


def sms_settings(sim, **changes):
    return {"access_key_id": KEY_ID, "access_key_secret": SECRET, "sign_name": SIGN,
            "template_verify_code": "SMS_1", "template_order_status": "SMS_2",
            "base_url": sim.url, **changes}


@pytest.fixture(name="simulator")
def simulator_fixture():
    sim = AliyunSmsSimulator(access_keys={KEY_ID: SECRET}, sign_names={SIGN},
                             templates=dict(TEMPLATES))
    with serve_asgi(sim.app) as url:
        sim.url = url
        yield sim
