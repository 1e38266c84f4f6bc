from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import Index, create_indexes, enable_row_level_security

ID = "2026-11-29T09:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "coupon keys and row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing", description=DESCRIPTION)

    async def keys_and_rls():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        await create_indexes(engine, [
            Index("marketing_coupon", ("tenant", "code"), unique=True),
            Index("marketing_coupon_redemption", ("tenant", "coupon", "order_number"),
                  unique=True),
            Index("marketing_coupon_redemption", ("tenant", "order_number")),
        ])
        await enable_row_level_security(engine, ["marketing_coupon",
                                                 "marketing_coupon_redemption"])

    manager.add_raw(keys_and_rls)
    return manager
