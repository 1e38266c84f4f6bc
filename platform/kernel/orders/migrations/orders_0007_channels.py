from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T13:02:25:000000"
VERSION = "1.38.0"
DESCRIPTION = "the channel an order came from, and another platform's order id"


def _params(length: int, default: str | None, null: bool) -> dict:
    return {"length": length, "default": default, "null": null, "primary_key": False,
            "unique": False, "index": False, "index_method": IndexMethod.btree,
            "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Order", tablename="shop_order", column_name="channel",
        db_column_name="channel", column_class_name="Varchar", column_class=Varchar,
        params=_params(16, "web", False), schema=None)
    manager.add_column(
        table_class_name="Order", tablename="shop_order", column_name="external_id",
        db_column_name="external_id", column_class_name="Varchar", column_class=Varchar,
        params=_params(64, None, True), schema=None)
    return manager
