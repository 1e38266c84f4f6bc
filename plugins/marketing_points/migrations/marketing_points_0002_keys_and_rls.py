from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import Index, create_indexes, enable_row_level_security

ID = "2026-12-05T13:03:31:000000"
VERSION = "1.38.0"
DESCRIPTION = "points keys and row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing_points",
                               description=DESCRIPTION)

    async def keys_and_rls():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        await create_indexes(engine, [
            Index("marketing_points_account", ("tenant", "customer"), unique=True),
            Index("marketing_points_entry", ("tenant", "ref"), unique=True),
            Index("marketing_points_entry", ("tenant", "customer", "id")),
            Index("marketing_points_entry", ("tenant", "order_number")),
            Index("marketing_points_entry", ("tenant", "expires_at")),
        ])
        await enable_row_level_security(engine, ["marketing_points_account",
                                                 "marketing_points_entry"])

    manager.add_raw(keys_and_rls)
    return manager
