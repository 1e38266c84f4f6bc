from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-05T13:48:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "the shopper's birthday (month and day), for the level's birthday points"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing_points",
                               description=DESCRIPTION)
    manager.add_column(
        table_class_name="PointsAccount", tablename="marketing_points_account",
        column_name="birthday", db_column_name="birthday", column_class_name="Varchar",
        column_class=Varchar, params={"length": 5, "default": "", "null": False})
    return manager
