"""An order records the location (门店/仓库) its shipping method is tied to — the store whose
same-city area was quoted, the store it is picked up at — and is sourced there; orders
placed before have none ("")."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T16:58:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "order: ship_from, the location its shipping method is tied to"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Order",
        tablename="shop_order",
        column_name="ship_from",
        db_column_name="ship_from",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "",
            "null": False,
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
