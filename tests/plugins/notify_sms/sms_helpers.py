"""Shared by the notify_sms tests: the simulator's account and the shop settings for it."""

from __future__ import annotations

from galleria_plugins.notify_sms.testing import Template

KEY_ID, SECRET, SIGN = "LTAI5tTest", "test-secret", "茶小铺"
TEMPLATES = {"SMS_1": Template("您的验证码为${code}，5分钟内有效。", "code"),
             "SMS_2": Template("您的订单${number}${status}。")}


def sms_settings(sim, **changes):
    return {"access_key_id": KEY_ID, "access_key_secret": SECRET, "sign_name": SIGN,
            "template_verify_code": "SMS_1", "template_order_status": "SMS_2",
            "base_url": sim.url, **changes}
