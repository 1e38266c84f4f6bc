"""Indexes and row-level security for the stock ledger and lots (raw steps run before a
migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-23T07:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "stock ledger and lot indexes, row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, [
            Index("stock_movement", ("tenant", "variant", "id")),
            Index("stock_lot", ("tenant", "variant", "expires_on")),
        ])
        await enable_row_level_security(engine, ["stock_movement", "stock_lot"])

    manager.add_raw(run)
    return manager
