"""SKUs of deleted products may be used again; lots are found by expiry within a shop.

The unique key on (tenant, sku) becomes partial: a soft-deleted product's variants are
marked `deleted` and no longer hold their SKUs. Both SQLite and PostgreSQL support partial
unique indexes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-23T07:46:58:000000"
VERSION = "1.38.0"
DESCRIPTION = "live-SKU unique key, lot expiry index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        deleted = "SELECT id FROM product WHERE deleted_at IS NOT NULL"
        await engine.run_ddl(f"UPDATE variant SET status = 'deleted' WHERE product IN ({deleted})")
        await engine.run_ddl("DELETE FROM barcode WHERE variant IN (SELECT id FROM variant "
                             "WHERE status = 'deleted')")
        await engine.run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS "uq_variant_tenant_sku_live" '
            "ON \"variant\" (\"tenant\", \"sku\") WHERE \"status\" <> 'deleted'")
        await engine.run_ddl('DROP INDEX IF EXISTS "uq_variant_tenant_sku"')
        await create_indexes(engine, [Index("stock_lot", ("tenant", "expires_on"))])

    manager.add_raw(run)
    return manager
