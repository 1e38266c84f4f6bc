"""The unique key that tells a delay once, and row-level security, for delay notices (raw
steps run before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T10:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "delay notice key, row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="fulfilment", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, [Index("delay_notice", ("tenant", "order", "key"),
                                            unique=True)])
        await enable_row_level_security(engine, ["delay_notice"])

    manager.add_raw(run)
    return manager
