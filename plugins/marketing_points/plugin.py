"""The points and member levels plugin's hook implementations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from piccolo.conf.apps import AppConfig

from galleria.kernel import (
    AccountPanel,
    Event,
    JobSpec,
    PluginInfo,
    SettingField,
    Shop,
    hookimpl,
)
from galleria_plugins.marketing_points import api, birthdays, console, rewards, storefront
from galleria_plugins.marketing_points.adjusters import MemberPricing, PointsRedemption
from galleria_plugins.marketing_points.rules import settings_schema
from galleria_plugins.marketing_points.tables import TABLES


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(title="Points and member levels", title_zh="积分与会员等级",
                      description="Points earned on completed orders and spent at checkout; "
                                  "member levels with a member price and free shipping.",
                      description_zh="完成订单得积分、下单抵现；按消费或积分分会员等级，享会员价与包邮。",
                      version="1.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return settings_schema()


@hookimpl
def galleria_migrations() -> list[AppConfig]:
    return [AppConfig(app_name="marketing_points",
                      migrations_folder_path=str(Path(__file__).parent / "migrations"),
                      table_classes=list(TABLES))]


@hookimpl
def galleria_price_adjusters(shop: Shop) -> list[Any]:
    return [MemberPricing(), PointsRedemption()]


@hookimpl
def galleria_actors() -> list[JobSpec]:
    return [JobSpec(rewards.EXPIRE_JOB, rewards.expire_all_due),
            JobSpec(birthdays.BIRTHDAY_JOB, birthdays.give_birthday_points)]


@hookimpl
async def galleria_order_completed(event: Event) -> None:
    await rewards.order_completed(event.tenant_id, event.payload["number"])


@hookimpl
async def galleria_order_refunded(event: Event) -> None:
    payload = event.payload
    await rewards.order_refunded(event.tenant_id, payload["number"], int(payload["amount"]),
                                 bool(payload.get("full")), event.id)


@hookimpl
async def galleria_order_cancelled(event: Event) -> None:
    await rewards.order_cancelled(event.tenant_id, event.payload["number"])


@hookimpl
async def galleria_order_lines_cancelled(event: Event) -> None:
    await rewards.lines_cancelled(event.tenant_id, event.payload)


@hookimpl
async def galleria_reward_granted(event: Event) -> None:
    await rewards.grant_reward(event.tenant_id, event.payload)


@hookimpl
def galleria_console_pages() -> list[Any]:
    return console.PAGES


@hookimpl
def galleria_routes() -> list[Any]:
    return console.ROUTES + storefront.ROUTES


@hookimpl
def galleria_account_panels() -> list[AccountPanel]:
    return storefront.PANELS


@hookimpl
def galleria_api_routes() -> list[Any]:
    return api.ROUTES
