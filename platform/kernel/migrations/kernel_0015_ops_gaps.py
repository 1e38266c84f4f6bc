"""Store-operations gaps (issue 20 item 6): a picture per category; each staff member's
stock-alert subscription on their membership; a product's video and its poster."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T16:14:41:893572"
VERSION = "1.38.0"
DESCRIPTION = "category pictures, staff stock-alert subscriptions, product videos"


def _params(**extra):
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
            "secret": False, **extra}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Category", tablename="category", column_name="image_key",
        db_column_name="image_key", column_class_name="Varchar", column_class=Varchar,
        params=_params(length=255, default=""), schema=None)

    manager.add_column(
        table_class_name="Membership", tablename="membership", column_name="stock_alerts",
        db_column_name="stock_alerts", column_class_name="JSON", column_class=JSON,
        params=_params(default="{}"), schema=None)

    for column in ("video_key", "video_poster_key"):
        manager.add_column(
            table_class_name="Product", tablename="product", column_name=column,
            db_column_name=column, column_class_name="Varchar", column_class=Varchar,
            params=_params(length=255, default=""), schema=None)

    return manager
