from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import Index, create_indexes, enable_row_level_security

ID = "2026-11-29T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "review notes keys and row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="order_review",
                               description=DESCRIPTION)

    async def keys_and_rls():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        await create_indexes(engine, [
            Index("order_review_note", ("tenant", "order_number", "id"))])
        await enable_row_level_security(engine, ["order_review_note"])

    manager.add_raw(keys_and_rls)
    return manager
