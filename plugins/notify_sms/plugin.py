"""Hook implementations of the SMS notification plugin (`notify_sms`)."""

from __future__ import annotations

from typing import Any

from galleria.kernel import PluginInfo, SettingField, hookimpl
from galleria_plugins.notify_sms.aliyun import DEFAULT_BASE_URL
from galleria_plugins.notify_sms.channel import SmsChannel


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(
        title="SMS notifications", title_zh="短信通知",
        description="Texts shoppers their verification and sign-in codes and their orders' "
                    "progress, and the shop its new orders, through Alibaba Cloud SMS.",
        description_zh="通过阿里云短信向顾客发送验证码、登录验证码和订单进展，"
                       "并向店铺发送新订单提醒。")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return [
        SettingField("access_key_id", "AccessKey ID", label_zh="AccessKey ID", required=True),
        SettingField("access_key_secret", "AccessKey secret", label_zh="AccessKey Secret",
                     secret=True, required=True),
        SettingField("sign_name", "Signature", label_zh="短信签名", required=True,
                     help="The signature approved in the Alibaba Cloud SMS console, "
                          "e.g. your shop's name."),
        SettingField("template_verify_code", "Verification code template",
                     label_zh="验证码模板", required=True,
                     help="Template code (SMS_…) of a verification-code template with "
                          "the variable ${code}."),
        SettingField("template_order_status", "Order status template",
                     label_zh="订单状态模板",
                     help="Template code of a notice with the variables ${number} and "
                          "${status}. Leave empty to send no order messages by SMS."),
        SettingField("template_stock_alert", "Stock alert template",
                     label_zh="库存提醒模板",
                     help="Template code of a notice to staff with the variables ${product} "
                          "and ${alert}. Leave empty to send no stock alerts by SMS."),
        SettingField("template_password_reset", "Password reset template",
                     label_zh="重置密码模板",
                     help="Template code of a notice with the variable ${link}."),
        SettingField("base_url", "API address", label_zh="接口地址", default=DEFAULT_BASE_URL,
                     help="Leave as it is unless Alibaba Cloud gives you another endpoint."),
    ]


@hookimpl
def galleria_notification_channels(shop: Any) -> list[Any]:
    return [SmsChannel(shop.id)]


@hookimpl
def galleria_sandbox_apps() -> list[tuple[str, object, dict]]:
    """The Alibaba Cloud SMS simulator at `/sandbox/sms/` (its inbox at
    `/sandbox/sms/inbox`), with the demo shops' settings for it (sandbox mode only)."""
    from galleria_plugins.notify_sms.sandbox import sandbox_settings, sandbox_simulator

    return [("sms", sandbox_simulator().app, sandbox_settings("{sandbox_url}"))]
