from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import Index, create_indexes, enable_row_level_security

ID = "2026-12-05T13:10:54:000000"
VERSION = "1.38.0"
DESCRIPTION = "flash-sale and gift keys and row-level security"
TABLES = ["campaigns_flash_sale", "campaigns_flash_sale_claim", "campaigns_flash_sale_buyer",
          "campaigns_gift", "campaigns_gift_given"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing_campaigns",
                               description=DESCRIPTION)

    async def keys_and_rls():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        await create_indexes(engine, [
            Index("campaigns_flash_sale", ("tenant", "variant", "ends_at")),
            Index("campaigns_flash_sale_claim", ("tenant", "sale", "order_number"), unique=True),
            Index("campaigns_flash_sale_claim", ("tenant", "order_number")),
            Index("campaigns_flash_sale_buyer", ("tenant", "sale", "customer"), unique=True),
            Index("campaigns_gift", ("tenant", "active")),
            Index("campaigns_gift_given", ("tenant", "gift", "order_number"), unique=True),
            Index("campaigns_gift_given", ("tenant", "order_number")),
        ])
        await enable_row_level_security(engine, TABLES)

    manager.add_raw(keys_and_rls)
    return manager
