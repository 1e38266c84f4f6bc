from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-11-29T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "review notes and contact log"
COLUMNS = [
    ("tenant", Integer, {"default": 0}),
    ("order_number", Varchar, {"length": 20, "default": ""}),
    ("kind", Varchar, {"length": 16, "default": "note"}),
    ("channel", Varchar, {"length": 16, "default": ""}),
    ("body", Text, {"default": ""}),
    ("author", Varchar, {"length": 120, "default": ""}),
    ("created_at", Timestamptz, {"default": TimestamptzNow()}),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="order_review",
                               description=DESCRIPTION)
    manager.add_table(class_name="ReviewNote", tablename="order_review_note")
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="ReviewNote", tablename="order_review_note",
                           column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class,
                           params=params)
    return manager
