"""Keys and row-level security for verification codes (raw steps run before a migration's
own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-29T10:32:09:000000"
VERSION = "1.38.0"
DESCRIPTION = "verification code keys, row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="customers", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, [
            Index("customer_code", ("tenant", "customer", "channel", "id"))])
        await enable_row_level_security(engine, ["customer_code"])

    manager.add_raw(run)
    return manager
