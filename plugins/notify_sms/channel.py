"""The SMS channel: each message goes out as one of the shop's provider-approved templates.

Chinese carriers deliver only templates approved in advance under an approved signature
(签名), so the channel does not send the message's text: it picks the shop's template for the
message's topic and fills in its variables from the message's `params`:

- verification code (`customer.verification_requested`, and the sign-in code): `${code}`;
- password reset (`customer.password_reset_requested`): `${link}`;
- order status (every `order.*` message and the follow-up): `${number}` and `${status}`
  (a short Chinese phrase such as 已发货).

A topic without a template is refused (an exception, as for any failed send): the kernel
logs it as failed, so the merchant sees which template is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from galleria.kernel import NotificationChannel, NotificationMessage, plugin_settings, shop_scope
from galleria_plugins.notify_sms import aliyun

PLUGIN = "notify_sms"
VERIFY_TOPICS = ("customer.verification_requested", "customer.sms_sign_in_requested")
RESET_TOPIC = "customer.password_reset_requested"
ORDER_STATUS = {
    "order.placed": "已下单", "order.paid": "已付款", "order.shipped": "已发货",
    "order.delivered": "已送达", "order.refunded": "已退款", "order.cancelled": "已取消",
    "order.delayed": "有延误", "order.lines_cancelled": "部分商品已取消",
    "order.return_updated": "售后有进展", "order.follow_up": "期待您的评价",
}


STOCK_TOPICS = ("stock.low", "stock.expiring")


def stock_alert_text(topic: str, params: Mapping[str, str]) -> str:
    """The ${alert} of a stock alert: what happened, in a few words."""
    if topic == "stock.low":
        return f"库存仅剩{params.get('available', '')}件，请及时补货"
    return f"批次{params.get('lot_code', '')}将于{params.get('expires_on', '')}到期"


class SmsNotConfigured(RuntimeError):
    """The shop has not filled in what a send needs (key, signature, template)."""


def template_for(message: NotificationMessage,
                 settings: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """(template code, template variables) for `message`; SmsNotConfigured if the shop has
    no template for its topic."""
    params = message.params
    if message.topic in VERIFY_TOPICS:
        key, values = "template_verify_code", {"code": params.get("code", "")}
    elif message.topic == RESET_TOPIC:
        key, values = "template_password_reset", {"link": params.get("link", "")}
    elif message.topic in STOCK_TOPICS:  # to the staff who asked for stock alerts
        key, values = "template_stock_alert", {
            "product": f"{params.get('product_name', '')}（{params.get('sku', '')}）",
            "alert": stock_alert_text(message.topic, params)}
    elif message.topic in ORDER_STATUS:
        key = "template_order_status"
        values = {"number": message.order_number or params.get("number", ""),
                  "status": ORDER_STATUS[message.topic]}
    else:
        raise SmsNotConfigured(f"no SMS template for messages about {message.topic!r}")
    code = str(settings.get(key) or "").strip()
    if not code:
        raise SmsNotConfigured(f"set the SMS template for {message.topic!r} ({key})")
    return code, values


class SmsChannel(NotificationChannel):
    """The shop's SMS channel; reads the shop's settings when it sends."""

    kind = "sms"

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id

    async def send(self, message: NotificationMessage) -> None:
        async with shop_scope(self.tenant_id):
            settings = await plugin_settings(self.tenant_id, PLUGIN)
        key_id = str(settings.get("access_key_id") or "").strip()
        secret = str(settings.get("access_key_secret") or "")
        sign_name = str(settings.get("sign_name") or "").strip()
        if not (key_id and secret and sign_name):
            raise SmsNotConfigured("set the AccessKey ID, AccessKey secret and signature")
        template_code, values = template_for(message, settings)
        base_url = str(settings.get("base_url") or "").strip() or aliyun.DEFAULT_BASE_URL
        await aliyun.send_sms(base_url, key_id, secret,
                              phone=aliyun.mainland_mobile(message.recipient),
                              sign_name=sign_name, template_code=template_code,
                              template_param=values)
