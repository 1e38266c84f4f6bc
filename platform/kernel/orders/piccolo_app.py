"""The `orders` piccolo app: carts and orders, with their own migrations (kept apart from
the kernel app's so that the two are written independently)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from galleria.kernel.checkout.tables import Cart, CartLine
from galleria.kernel.orders.aftersales_tables import (
    LineCancellation,
    ProductAftersales,
    ReturnRequest,
)
from galleria.kernel.orders.tables import Order, OrderAdjustment, OrderLine, TimelineEntry

ORDER_TABLES = [Cart, CartLine, Order, OrderLine, OrderAdjustment, TimelineEntry,
                LineCancellation, ReturnRequest, ProductAftersales]

APP_CONFIG = AppConfig(
    app_name="orders",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(ORDER_TABLES),
    migration_dependencies=["galleria.kernel.piccolo_app"],
)
