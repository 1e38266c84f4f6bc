from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder
from piccolo.engine.postgres import PostgresEngine

from galleria.kernel import Index, create_indexes, enable_row_level_security

ID = "2026-12-05T14:17:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "coupon kinds' longer names, wallet and promotion keys, row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing", description=DESCRIPTION)

    async def kinds_keys_and_rls():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        if isinstance(engine, PostgresEngine):  # SQLite does not enforce VARCHAR lengths
            await engine.run_ddl("ALTER TABLE marketing_coupon ALTER COLUMN kind "
                                 "TYPE VARCHAR(16)")
        await create_indexes(engine, [
            Index("marketing_coupon_claim", ("tenant", "coupon", "customer", "slot"),
                  unique=True),
            Index("marketing_coupon_claim", ("tenant", "customer", "status")),
            Index("marketing_coupon_claim", ("tenant", "order_number")),
            Index("marketing_coupon_redemption", ("tenant", "coupon", "customer", "slot"),
                  unique=True),
            Index("marketing_promotion", ("tenant", "kind")),
            Index("marketing_promotion_use", ("tenant", "promotion", "order_number"),
                  unique=True),
            Index("marketing_promotion_use", ("tenant", "order_number")),
        ])
        await enable_row_level_security(engine, ["marketing_coupon_claim",
                                                 "marketing_promotion",
                                                 "marketing_promotion_use"])

    manager.add_raw(kinds_keys_and_rls)
    return manager
