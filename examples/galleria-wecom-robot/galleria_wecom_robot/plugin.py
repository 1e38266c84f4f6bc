"""WeCom group robot: announces each paid order to the shop's WeCom group, and lists the
announcements on a console page (docs/plugins.md, "Hook reference")."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel import (
    ConsolePage,
    Event,
    NotificationMessage,
    PluginInfo,
    SettingField,
    format_minor,
    hookimpl,
    plugin_settings,
    shop_scope,
)
from galleria_wecom_robot.console import render_entries
from galleria_wecom_robot.robot import API_BASE, RobotChannel
from galleria_wecom_robot.tables import WecomRobotEntry


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(title="WeCom group robot", title_zh="企业微信群机器人",
                      description="Announces every paid order in your WeCom group.",
                      description_zh="每笔订单付款后，在企业微信群里通知。", version="0.1.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return [
        SettingField("webhook_key", "Robot webhook key", label_zh="机器人 Webhook 密钥",
                     secret=True, required=True,
                     help="The key=… part of the robot's webhook address."),
        SettingField("msgtype", "Message format", label_zh="消息格式", type="choice",
                     choices=("markdown", "text"), default="markdown"),
        SettingField("api_base", "API address", label_zh="接口地址", default=API_BASE),
    ]


@hookimpl
def galleria_migrations() -> list[AppConfig]:
    return [AppConfig(app_name="wecom_robot",
                      migrations_folder_path=str(Path(__file__).parent / "migrations"),
                      table_classes=[WecomRobotEntry])]


@hookimpl
def galleria_console_pages() -> list[ConsolePage]:
    return [ConsolePage("wecom_robot", "WeCom group robot", title_zh="企业微信群机器人",
                        render=render_entries)]


@hookimpl
async def galleria_order_paid(event: Event) -> None:
    """Announce the order once: an announced order has its row; a failed send raises, and
    the outbox delivers the event again later."""
    payload = event.payload
    settings = await plugin_settings(event.tenant_id, "wecom_robot")
    async with shop_scope(event.tenant_id):
        announced = await WecomRobotEntry.exists().where(
            (WecomRobotEntry.tenant == event.tenant_id)
            & (WecomRobotEntry.order_number == payload["number"]))
    if announced or not settings.get("webhook_key"):
        return
    channel = RobotChannel(settings["webhook_key"], settings.get("msgtype") or "markdown",
                           settings.get("api_base") or API_BASE)
    amount = format_minor(payload["amount"], payload["currency"])
    await channel.send(NotificationMessage(
        recipient="group", subject=f"新订单已付款 {payload['number']}",
        text=f"金额 {amount}", topic="order.paid", order_number=payload["number"],
        audience="merchant"))
    async with shop_scope(event.tenant_id):
        await WecomRobotEntry.insert(WecomRobotEntry(
            tenant=event.tenant_id, order_number=payload["number"], amount=payload["amount"],
            currency=payload["currency"], created_at=event.occurred_at))
