"""Keys and row-level security for SMS sign-in codes (raw steps run before a migration's own
table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T14:20:01:499452"
VERSION = "1.38.0"
DESCRIPTION = "sign-in code keys, row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="customers", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, [
            Index("customer_sign_in_code", ("tenant", "phone", "id"))])
        await enable_row_level_security(engine, ["customer_sign_in_code"])

    manager.add_raw(run)
    return manager
