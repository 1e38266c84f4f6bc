from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-12-05T13:10:53:000000"
VERSION = "1.38.0"
DESCRIPTION = "flash sales, their claims and buyers; gifts with purchase"

TABLES = {
    ("FlashSale", "campaigns_flash_sale"): [
        ("tenant", Integer, {"default": 0}),
        ("variant", Integer, {"default": 0}),
        ("product", Integer, {"default": 0}),
        ("price", Integer, {"default": 0}),
        ("quota", Integer, {"default": 0}),
        ("sold", Integer, {"default": 0}),
        ("per_customer_limit", Integer, {"default": 0}),
        ("starts_at", Timestamptz, {"default": TimestamptzNow()}),
        ("ends_at", Timestamptz, {"default": TimestamptzNow()}),
        ("active", Boolean, {"default": True}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
    ("FlashSaleClaim", "campaigns_flash_sale_claim"): [
        ("tenant", Integer, {"default": 0}),
        ("sale", Integer, {"default": 0}),
        ("order_number", Varchar, {"length": 20, "default": ""}),
        ("customer", Integer, {"null": True, "default": None}),
        ("quantity", Integer, {"default": 0}),
        ("price", Integer, {"default": 0}),
        ("regular_price", Integer, {"default": 0}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
    ("FlashSaleBuyer", "campaigns_flash_sale_buyer"): [
        ("tenant", Integer, {"default": 0}),
        ("sale", Integer, {"default": 0}),
        ("customer", Integer, {"default": 0}),
        ("bought", Integer, {"default": 0}),
    ],
    ("Gift", "campaigns_gift"): [
        ("tenant", Integer, {"default": 0}),
        ("gift_variant", Integer, {"default": 0}),
        ("product_ids", Text, {"default": "[]"}),
        ("min_amount", Integer, {"default": 0}),
        ("safety_stock", Integer, {"default": 0}),
        ("active", Boolean, {"default": True}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
    ("GiftGiven", "campaigns_gift_given"): [
        ("tenant", Integer, {"default": 0}),
        ("gift", Integer, {"default": 0}),
        ("order_number", Varchar, {"length": 20, "default": ""}),
        ("quantity", Integer, {"default": 1}),
        ("items_total", Integer, {"default": 0}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing_campaigns",
                               description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params)
    return manager
