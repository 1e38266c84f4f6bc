"""Hook implementations of the email notification plugin (`notify_email`)."""

from __future__ import annotations

from typing import Any

from galleria.kernel import PluginInfo, SettingField, hookimpl
from galleria_plugins.notify_email.smtp import EmailChannel


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(
        title="Email notifications", title_zh="邮件通知",
        description="Emails shoppers and the shop about their orders (placed, paid, shipped, "
                    "delivered, refunded, cancelled, and a feedback invitation) over SMTP.",
        description_zh="通过 SMTP 向顾客和店铺发送订单邮件：下单、付款、发货、送达、退款、"
                       "取消，以及送达后的评价邀请。")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return [
        SettingField("host", "SMTP server", label_zh="SMTP 服务器",
                     help="Leave empty to use the platform's mail server."),
        SettingField("port", "Port", label_zh="端口", type="integer", default=587,
                     minimum=1, maximum=65535),
        SettingField("username", "User name", label_zh="用户名"),
        SettingField("password", "Password", label_zh="密码", secret=True),
        SettingField("from_address", "From address", label_zh="发件地址",
                     help="The address mails come from, e.g. shop@example.com."),
        SettingField("starttls", "Use STARTTLS", label_zh="使用 STARTTLS", type="boolean",
                     default=True),
    ]


@hookimpl
def galleria_notification_channels(shop: Any) -> list[Any]:
    return [EmailChannel(shop.id)]
