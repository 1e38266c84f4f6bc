from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Varchar

ID = "2026-12-05T17:36:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "how a review names its buyer: a masked name (李**), or anonymous"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ProductReview", tablename="reviews_review",
        column_name="reviewer", db_column_name="reviewer", column_class_name="Varchar",
        column_class=Varchar, params={"length": 40, "default": "", "null": False})
    manager.add_column(
        table_class_name="ProductReview", tablename="reviews_review",
        column_name="anonymous", db_column_name="anonymous", column_class_name="Boolean",
        column_class=Boolean, params={"default": False, "null": False})
    return manager
