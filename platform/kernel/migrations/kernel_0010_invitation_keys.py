"""Invitations are found by shop (the staff page) and sit behind the shop policy."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-29T09:44:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "invitation index, row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, [Index("invitation", ("tenant", "accepted_at", "id"))])
        await enable_row_level_security(engine, ["invitation"])

    manager.add_raw(run)
    return manager
