"""Unique keys, shop-first indexes and row-level security for shopper accounts (raw steps
run before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-29T09:15:52:000000"
VERSION = "1.38.0"
DESCRIPTION = "customer keys, indexes, row-level security"

# NULLs are distinct in a unique index on both databases: an account with a phone and no
# email does not block another such account.
INDEXES = [
    Index("customer", ("tenant", "email"), unique=True),
    Index("customer", ("tenant", "phone"), unique=True),
    Index("customer_address", ("tenant", "customer", "id")),
    Index("customer_token", ("tenant", "token_hash"), unique=True),
    Index("customer_token", ("tenant", "customer", "purpose")),
]
# At most one default address per customer, whatever the code does (partial index: both
# SQLite and PostgreSQL have them).
ONE_DEFAULT = ('CREATE UNIQUE INDEX IF NOT EXISTS "uq_customer_address_default" ON '
               '"customer_address" ("tenant", "customer") WHERE "is_default"')

SHOP_OWNED = ["customer", "customer_address", "customer_token"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="customers", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await engine.run_ddl(ONE_DEFAULT)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager
