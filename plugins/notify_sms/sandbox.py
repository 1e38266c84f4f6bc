"""Sandbox mode (`GALLERIA_SANDBOX=1`, the demo): one Alibaba Cloud SMS simulator and the
demo account it knows, so codes and order texts "arrive" on a laptop without credentials
(read them at `/sandbox/sms/inbox`).

The key below is PUBLISHED ON PURPOSE, like the demo shops' passwords: it signs only traffic
between a demo shop and this simulator. Only the `galleria_sandbox_apps` hook imports this
module, and only in sandbox mode.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from galleria_plugins.notify_sms.testing.simulator import AliyunSmsSimulator, Template

ACCESS_KEY_ID = "LTAI5tGalleriaSandbox"
ACCESS_KEY_SECRET = "GalleriaSandboxSmsSecret0000000"  # noqa: S105 - published demo key
SIGN_NAME = "Galleria演示"
TEMPLATES = {
    "SMS_100000001": Template("您的验证码为${code}，5分钟内有效，请勿泄露给他人。", "code"),
    "SMS_100000002": Template("您的订单${number}${status}，感谢您的支持。"),
    "SMS_100000003": Template("您正在重置密码，请打开链接：${link}，如非本人操作请忽略。"),
}


@cache
def sandbox_simulator() -> AliyunSmsSimulator:
    return AliyunSmsSimulator(access_keys={ACCESS_KEY_ID: ACCESS_KEY_SECRET},
                              sign_names={SIGN_NAME}, templates=dict(TEMPLATES))


def sandbox_settings(base_url: str) -> dict[str, Any]:
    return {"access_key_id": ACCESS_KEY_ID, "access_key_secret": ACCESS_KEY_SECRET,
            "sign_name": SIGN_NAME, "template_verify_code": "SMS_100000001",
            "template_order_status": "SMS_100000002",
            "template_password_reset": "SMS_100000003", "base_url": base_url}
