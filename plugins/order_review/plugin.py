"""Hook implementations of the order review (审单) plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from piccolo.conf.apps import AppConfig

from galleria.kernel import ConsolePage, PluginInfo, SettingField, Shop, hookimpl
from galleria_plugins.order_review.queue_pages import ROUTES, queue_context
from galleria_plugins.order_review.rules import rules_for
from galleria_plugins.order_review.settings import SCHEMA
from galleria_plugins.order_review.tables import ReviewNote


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(
        title="Order review", title_zh="审单",
        description="Approves, holds or rejects orders when they are paid (or placed, for "
                    "cash on delivery), and a review queue for the held ones.",
        description_zh="订单付款后（货到付款为下单后）自动通过、转人工或拒绝，"
                       "并提供待审订单队列。",
        version="1.0.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return list(SCHEMA)


@hookimpl
def galleria_review_rules(shop: Shop) -> list[Any]:
    return rules_for(shop.id)


@hookimpl
def galleria_migrations() -> list[AppConfig]:
    return [AppConfig(app_name="order_review",
                      migrations_folder_path=str(Path(__file__).parent / "migrations"),
                      table_classes=[ReviewNote])]


@hookimpl
def galleria_routes() -> list[Any]:
    return list(ROUTES)


@hookimpl
def galleria_console_pages() -> list[ConsolePage]:
    return [ConsolePage("order_review", "Review queue", title_zh="待审订单",
                        icon="shield", area="orders",
                        template="order_review/queue.html", context=queue_context)]
