from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import JSON, Boolean, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-12-05T14:17:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "coupon kinds, scope and limits; the wallet; promotions"

NEW_COLUMNS = {
    ("Coupon", "marketing_coupon"): [
        ("name", Varchar, {"length": 60, "default": ""}),
        ("max_discount", Integer, {"default": 0}),
        ("scope", JSON, {"default": "{}"}),
        ("per_customer_limit", Integer, {"default": 0}),
        ("claimable", Boolean, {"default": False}),
        ("code_typed", Boolean, {"default": True}),
        ("claimed", Integer, {"default": 0}),
    ],
    ("CouponRedemption", "marketing_coupon_redemption"): [
        ("customer", Integer, {"null": True, "default": None}),
        ("slot", Integer, {"null": True, "default": None}),
        ("claim", Integer, {"null": True, "default": None}),
        ("order_amount", Integer, {"default": 0}),
        ("returned_at", Timestamptz, {"null": True, "default": None}),
    ],
}
NEW_TABLES = {
    ("CouponClaim", "marketing_coupon_claim"): [
        ("tenant", Integer, {"default": 0}),
        ("coupon", Integer, {"default": 0}),
        ("customer", Integer, {"default": 0}),
        ("slot", Integer, {"default": 0}),
        ("status", Varchar, {"length": 12, "default": "available"}),
        ("order_number", Varchar, {"length": 20, "default": ""}),
        ("claimed_at", Timestamptz, {"default": TimestamptzNow()}),
        ("used_at", Timestamptz, {"null": True, "default": None}),
    ],
    ("Promotion", "marketing_promotion"): [
        ("tenant", Integer, {"default": 0}),
        ("kind", Varchar, {"length": 12, "default": ""}),
        ("name", Varchar, {"length": 60, "default": ""}),
        ("rule", JSON, {"default": "{}"}),
        ("starts_at", Timestamptz, {"null": True, "default": None}),
        ("ends_at", Timestamptz, {"null": True, "default": None}),
        ("active", Boolean, {"default": True}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
    ("PromotionUse", "marketing_promotion_use"): [
        ("tenant", Integer, {"default": 0}),
        ("promotion", Integer, {"default": 0}),
        ("order_number", Varchar, {"length": 20, "default": ""}),
        ("amount", Integer, {"default": 0}),
        ("order_amount", Integer, {"default": 0}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
        ("returned_at", Timestamptz, {"null": True, "default": None}),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing", description=DESCRIPTION)
    for (class_name, tablename), columns in NEW_TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename)
    for (class_name, tablename), columns in {**NEW_COLUMNS, **NEW_TABLES}.items():
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params)
    return manager
