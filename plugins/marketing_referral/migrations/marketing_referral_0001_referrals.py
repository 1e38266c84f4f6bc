from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

ID = "2026-12-05T13:25:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "referral codes, referrals and their claims"

TABLES = {
    ("ReferralCode", "marketing_referral_code"): [
        ("tenant", Integer, {"default": 0}),
        ("customer", Integer, {"default": 0}),
        ("code", Varchar, {"length": 12, "default": ""}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
    ("Referral", "marketing_referral"): [
        ("tenant", Integer, {"default": 0}),
        ("referrer", Integer, {"default": 0}),
        ("newcomer", Integer, {"default": 0}),
        ("code", Varchar, {"length": 12, "default": ""}),
        ("status", Varchar, {"length": 12, "default": "pending"}),
        ("reason", Varchar, {"length": 24, "default": ""}),
        ("order_number", Varchar, {"length": 20, "default": ""}),
        ("order_total", Integer, {"default": 0}),
        ("hold_until", Timestamptz, {"null": True, "default": None}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
        ("decided_at", Timestamptz, {"null": True, "default": None}),
    ],
    ("ReferralClaim", "marketing_referral_claim"): [
        ("tenant", Integer, {"default": 0}),
        ("key", Varchar, {"length": 300, "default": ""}),
        ("referral", Integer, {"default": 0}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing_referral",
                               description=DESCRIPTION)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename,
                               column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__,
                               column_class=column_class, params=params)
    return manager
