"""Each order line records the location (门店/仓库) its stock is reserved at and ships from;
lines of orders placed before locations existed are at `default`, where all stock was."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T16:15:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "order_line: location, where the line's stock is reserved and shipped from"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)
    manager.add_column(
        table_class_name="OrderLine",
        tablename="order_line",
        column_name="location",
        db_column_name="location",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "default",
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
