from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-12-05T16:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "product reviews and shop ratings"

TABLES = {
    ("ProductReview", "reviews_review"): [
        ("tenant", Integer, {"default": 0}),
        ("order_number", Varchar, {"length": 20, "default": ""}),
        ("line_id", Integer, {"default": 0}),
        ("customer", Integer, {"default": 0}),
        ("product", Integer, {"default": 0}),
        ("variant", Integer, {"default": 0}),
        ("product_name", Varchar, {"length": 200, "default": ""}),
        ("options", Varchar, {"length": 200, "default": ""}),
        ("rating", Integer, {"default": 0}),
        ("body", Text, {"default": ""}),
        ("photos", Text, {"default": "[]"}),
        ("status", Varchar, {"length": 12, "default": "published"}),
        ("held_words", Varchar, {"length": 200, "default": ""}),
        ("hidden_reason", Varchar, {"length": 200, "default": ""}),
        ("reply", Text, {"default": ""}),
        ("replied_by", Varchar, {"length": 120, "default": ""}),
        ("replied_at", Timestamptz, {"null": True, "default": None}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
        ("updated_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
    ("ShopRating", "reviews_shop_rating"): [
        ("tenant", Integer, {"default": 0}),
        ("order_number", Varchar, {"length": 20, "default": ""}),
        ("customer", Integer, {"default": 0}),
        ("described", Integer, {"default": 0}),
        ("logistics", Integer, {"default": 0}),
        ("service", Integer, {"default": 0}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params)
    return manager
