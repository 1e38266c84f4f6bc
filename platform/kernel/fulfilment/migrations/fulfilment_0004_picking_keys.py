"""Shop-first indexes and row-level security for pick lists, quality checks and box presets
(raw steps run before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T09:52:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "pick list keys, indexes, row-level security"

INDEXES = [
    Index("pick_list", ("tenant", "status", "id")),
    Index("pick_line", ("tenant", "pick_list", "position")),
    Index("pick_line", ("tenant", "order", "variant")),
    Index("quality_check", ("tenant", "order", "id")),
    Index("box_preset", ("tenant", "name"), unique=True),
]

SHOP_OWNED = ["pick_list", "pick_line", "quality_check", "box_preset"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="fulfilment", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager
