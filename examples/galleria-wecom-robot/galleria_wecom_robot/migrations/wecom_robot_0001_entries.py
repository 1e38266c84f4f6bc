from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Timestamptz, Varchar

ID = "2026-12-05T10:26:44:704710"
VERSION = "1.38.0"
DESCRIPTION = "wecom_robot entries"
COLUMNS = [("tenant", Integer, {}), ("order_number", Varchar, {"length": 32}),
           ("amount", Integer, {}), ("currency", Varchar, {"length": 3}),
           ("created_at", Timestamptz, {})]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="wecom_robot", description=DESCRIPTION)
    manager.add_table(class_name="WecomRobotEntry", tablename="wecom_robot_entry")
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="WecomRobotEntry", tablename="wecom_robot_entry",
                           column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class,
                           params=params)
    return manager
