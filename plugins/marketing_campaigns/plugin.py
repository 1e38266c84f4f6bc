"""The marketing_campaigns plugin's hook implementations: flash sales and gifts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from piccolo.conf.apps import AppConfig

from galleria.kernel import Event, PluginInfo, Shop, hookimpl, shop_scope
from galleria_plugins.marketing_campaigns import api, console, flash_sales, gifts
from galleria_plugins.marketing_campaigns.promoter import CampaignPromoter
from galleria_plugins.marketing_campaigns.tables import TABLES


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(title="Flash sales and free gifts", title_zh="秒杀与赠品",
                      description="Flash sales with a quota and a countdown; gifts with "
                                  "purchase from their own stock.",
                      description_zh="限量限时秒杀（倒计时、剩余名额）；买赠与满赠，赠品独立库存。",
                      version="1.0")


@hookimpl
def galleria_migrations() -> list[AppConfig]:
    return [AppConfig(app_name="marketing_campaigns",
                      migrations_folder_path=str(Path(__file__).parent / "migrations"),
                      table_classes=list(TABLES))]


@hookimpl
def galleria_price_adjusters(shop: Shop) -> list[Any]:
    return [flash_sales.FlashSalePrice(), gifts.GiftWithPurchase()]


@hookimpl
def galleria_product_promotions(shop: Shop) -> list[Any]:
    return [CampaignPromoter()]


@hookimpl
async def galleria_order_cancelled(event: Event) -> None:
    """Unpaid and timed out, or cancelled: the flash-sale units return to the quota (once)
    and the gifts leave the figures; the kernel releases every line's stock."""
    async with shop_scope(event.tenant_id):
        await flash_sales.give_back(event.tenant_id, event.payload["number"])
        await gifts.forget(event.tenant_id, event.payload["number"])


@hookimpl
def galleria_api_routes() -> list[Any]:
    return api.ROUTES


@hookimpl
def galleria_console_pages() -> list[Any]:
    return console.PAGES


@hookimpl
def galleria_routes() -> list[Any]:
    return console.ROUTES
