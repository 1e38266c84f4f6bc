"""The delivery promise of the shipping method the shopper chose: the longest delivery
time its quote named (template ETA, in days), for delivery supervision."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T13:35:50:493583"
VERSION = "1.38.0"
DESCRIPTION = "order: eta_max_days, the delivery promise of the chosen shipping method"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Order",
        tablename="shop_order",
        column_name="eta_max_days",
        db_column_name="eta_max_days",
        column_class_name="Integer",
        column_class=Integer,
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
