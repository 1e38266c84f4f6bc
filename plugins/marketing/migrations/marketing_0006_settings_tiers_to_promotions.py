from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import Index, create_indexes
from galleria_plugins.marketing.upgrade import move_settings_tiers

ID = "2026-12-05T16:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = ("the threshold_tiers setting becomes a tiers promotion (one source of 满减); "
               "wallet entries record the reward they pay")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing", description=DESCRIPTION)

    async def move_and_key():
        engine = Finder().get_engine()  # the owner's engine: every shop
        await move_settings_tiers(engine)
        # here, not through add_column: piccolo runs raw steps first, and the key needs it
        await engine.run_ddl('ALTER TABLE "marketing_coupon_claim" ADD COLUMN "ref" '
                             "VARCHAR(120) NULL DEFAULT NULL")
        await create_indexes(engine, [Index("marketing_coupon_claim", ("tenant", "ref"),
                                            unique=True)])

    manager.add_raw(move_and_key)
    return manager
