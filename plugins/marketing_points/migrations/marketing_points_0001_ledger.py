from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-12-05T13:03:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "points accounts and their ledger"

TABLES = {
    ("PointsAccount", "marketing_points_account"): [
        ("tenant", Integer, {"default": 0}),
        ("customer", Integer, {"default": 0}),
        ("balance", Integer, {"default": 0}),
        ("earned_total", Integer, {"default": 0}),
        ("spend_total", Integer, {"default": 0}),
        ("level", Varchar, {"length": 40, "default": ""}),
        ("updated_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
    ("PointsEntry", "marketing_points_entry"): [
        ("tenant", Integer, {"default": 0}),
        ("customer", Integer, {"default": 0}),
        ("kind", Varchar, {"length": 16, "default": ""}),
        ("points", Integer, {"default": 0}),
        ("remaining", Integer, {"default": 0}),
        ("expires_at", Timestamptz, {"null": True, "default": None}),
        ("order_number", Varchar, {"length": 20, "default": ""}),
        ("amount", Integer, {"default": 0}),
        ("ref", Varchar, {"length": 80, "default": ""}),
        ("note", Varchar, {"length": 200, "default": ""}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing_points",
                               description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params)
    return manager
