"""The reviews plugin's hook implementations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from piccolo.conf.apps import AppConfig

from galleria.kernel import (
    AccountPanel,
    PluginInfo,
    ReportTab,
    SettingField,
    StorefrontBlock,
    hookimpl,
)
from galleria_plugins.reviews import api, console, report, storefront
from galleria_plugins.reviews.tables import TABLES


def N_(message: str) -> str:  # marks a message for extraction; translated where shown
    return message


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(title="Product reviews", title_zh="商品评价",
                      description="Buyers rate delivered products (stars, text, photos) and "
                                  "the shop; the shop replies and moderates.",
                      description_zh="收货后买家为商品打分、写评价、晒图，并为店铺评分；商家回复与审核。",
                      version="0.1.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return [SettingField(
        "sensitive_words", N_("Sensitive words"), label_zh="敏感词", type="text", default="",
        help=N_("One word or phrase per line (or separated by commas). A review containing "
                "one is held for you to check instead of being published."))]


@hookimpl
def galleria_migrations() -> list[AppConfig]:
    return [AppConfig(app_name="reviews",
                      migrations_folder_path=str(Path(__file__).parent / "migrations"),
                      table_classes=list(TABLES))]


@hookimpl
def galleria_console_pages() -> list[Any]:
    return console.PAGES


@hookimpl
def galleria_routes() -> list[Any]:
    return console.ROUTES + report.ROUTES + storefront.ROUTES


@hookimpl
def galleria_api_routes() -> list[Any]:
    return api.ROUTES


@hookimpl
def galleria_account_panels() -> list[AccountPanel]:
    return storefront.PANELS


@hookimpl
def galleria_storefront_blocks() -> list[StorefrontBlock]:
    return storefront.BLOCKS


@hookimpl
def galleria_report_tabs() -> list[ReportTab]:
    return [report.TAB]
