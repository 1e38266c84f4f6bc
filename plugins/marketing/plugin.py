"""The marketing plugin's hook implementations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from piccolo.conf.apps import AppConfig

from galleria.kernel import (
    Event,
    PluginInfo,
    SettingField,
    Shop,
    hookimpl,
    shop_scope,
)
from galleria_plugins.marketing import console, coupons
from galleria_plugins.marketing.tables import TABLES
from galleria_plugins.marketing.thresholds import ThresholdDiscount


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(title="Coupons and discounts", title_zh="优惠券与满减",
                      description="Coupon codes with limits and threshold discounts.",
                      description_zh="优惠券（限量、限期、门槛）与满减活动。", version="1.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return [SettingField(
        "threshold_tiers", "Threshold discounts (spend:save, in yuan)", "text",
        label_zh="满减（门槛:优惠，单位元）", default="",
        help="One tier per line or comma, such as 199:20, 299:40. The highest tier the "
             "items reach applies.")]


@hookimpl
def galleria_migrations() -> list[AppConfig]:
    return [AppConfig(app_name="marketing",
                      migrations_folder_path=str(Path(__file__).parent / "migrations"),
                      table_classes=list(TABLES))]


@hookimpl
def galleria_price_adjusters(shop: Shop) -> list[Any]:
    return [ThresholdDiscount(), coupons.CouponAdjuster()]


@hookimpl
async def galleria_order_cancelled(event: Event) -> None:
    async with shop_scope(event.tenant_id):
        await coupons.give_back(event.tenant_id, event.payload["number"])


@hookimpl
def galleria_console_pages() -> list[Any]:
    return console.PAGES


@hookimpl
def galleria_routes() -> list[Any]:
    return console.ROUTES
