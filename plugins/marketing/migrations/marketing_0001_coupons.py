from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Boolean, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-11-29T09:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "coupons and their redemptions"

TABLES = {
    ("Coupon", "marketing_coupon"): [
        ("tenant", Integer, {"default": 0}),
        ("code", Varchar, {"length": 32, "default": ""}),
        ("kind", Varchar, {"length": 8, "default": ""}),
        ("value", Integer, {"default": 0}),
        ("min_subtotal", Integer, {"default": 0}),
        ("usage_limit", Integer, {"default": 0}),
        ("used", Integer, {"default": 0}),
        ("starts_at", Timestamptz, {"null": True, "default": None}),
        ("ends_at", Timestamptz, {"null": True, "default": None}),
        ("active", Boolean, {"default": True}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
    ("CouponRedemption", "marketing_coupon_redemption"): [
        ("tenant", Integer, {"default": 0}),
        ("coupon", Integer, {"default": 0}),
        ("order_number", Varchar, {"length": 20, "default": ""}),
        ("amount", Integer, {"default": 0}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing", description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params)
    return manager
