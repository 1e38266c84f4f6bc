"""The delivery date the shopper asked for at checkout (express orders, within the shop's
rules: galleria.kernel.checkout.delivery_dates); NULL when none was asked for."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T16:38:06:234664"
VERSION = "1.38.0"
DESCRIPTION = "order: requested_delivery_date"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Order",
        tablename="shop_order",
        column_name="requested_delivery_date",
        db_column_name="requested_delivery_date",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
