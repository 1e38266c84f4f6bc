"""The referral plugin's hook implementations."""

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
    hookimpl,
)
from galleria_plugins.marketing_referral import api, console, pages, referrals
from galleria_plugins.marketing_referral.tables import TABLES


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(title="Referral", title_zh="邀请有礼",
                      description="Share links and codes; both sides rewarded on the "
                                  "newcomer's first completed order.",
                      description_zh="分享链接与邀请码；新人首单完成后双方得奖励。", version="1.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return referrals.settings_schema()


@hookimpl
def galleria_migrations() -> list[AppConfig]:
    return [AppConfig(app_name="marketing_referral",
                      migrations_folder_path=str(Path(__file__).parent / "migrations"),
                      table_classes=list(TABLES))]


@hookimpl
def galleria_actors() -> list[JobSpec]:
    return [JobSpec(referrals.RELEASE_JOB, referrals.release)]


@hookimpl
async def galleria_order_completed(event: Event) -> None:
    await referrals.order_completed(event.tenant_id, event.payload["number"])


@hookimpl
async def galleria_order_refunded(event: Event) -> None:
    await referrals.order_refunded(event.tenant_id, event.payload["number"],
                                   bool(event.payload.get("full")))


@hookimpl
def galleria_console_pages() -> list[Any]:
    return console.PAGES


@hookimpl
def galleria_routes() -> list[Any]:
    return pages.ROUTES


@hookimpl
def galleria_api_routes() -> list[Any]:
    return api.ROUTES


@hookimpl
def galleria_account_panels() -> list[AccountPanel]:
    return pages.PANELS
