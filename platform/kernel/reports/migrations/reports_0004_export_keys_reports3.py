"""The background exports' keys (a file's token is unique in its shop; a staff member's list
reads by (tenant, user_id)) and row-level security, after the table exists."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import (
    Index,
    create_indexes,
    enable_row_level_security,
    tenant_first_keys,
)
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T16:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "report_export keys and row-level security"

INDEXES = [
    Index("report_export", ("tenant", "token"), unique=True),
    Index("report_export", ("tenant", "user_id", "created_at")),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, ["report_export"])
        # (tenant, id) as every shop-owned table has (a database whose shop_keys step ran
        # before this table existed gets it here; idempotent).
        await tenant_first_keys(engine, ["report_export"])

    manager.add_raw(run)
    return manager
