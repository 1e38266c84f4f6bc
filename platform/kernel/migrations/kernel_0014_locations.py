"""Locations (门店/仓库) and stock transfers (调拨); every shop gets its first location,
`default`, where all of its stock already is.

The tables are created in this migration's raw step (a raw step runs before a migration's
own table changes, and the default rows must be written before row-level security is
forced on the table), then keyed by shop and put behind the shop policy."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.inventory.tables import Location, StockTransfer
from galleria.kernel.schema import (
    Index,
    create_indexes,
    enable_row_level_security,
    tenant_first_keys,
)
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T16:14:54:654673"
VERSION = "1.38.0"
DESCRIPTION = "locations (stores, warehouses) and stock transfers"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        for table in (Location, StockTransfer):
            table._meta.db = engine
            await table.create_table(if_not_exists=True)
        await create_indexes(engine, [
            Index("location", ("tenant", "code"), unique=True),
            Index("stock_transfer", ("tenant", "state", "id")),
        ])
        await engine.run_ddl(
            "INSERT INTO location (tenant, code, name, kind, province, city, district, line1, "
            "region_code, phone, hours, delivery_regions, offers_pickup, active, position, "
            "created_at) SELECT t.id, 'default', '默认仓库', 'warehouse', '', '', '', '', '', "
            "'', '[]', '[]', false, true, 0, CURRENT_TIMESTAMP FROM tenant t "
            "WHERE NOT EXISTS (SELECT 1 FROM location l WHERE l.tenant = t.id "
            "AND l.code = 'default')")
        await tenant_first_keys(engine, ["location", "stock_transfer"])
        await enable_row_level_security(engine, ["location", "stock_transfer"])

    manager.add_raw(run)
    return manager
