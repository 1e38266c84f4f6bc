"""Keys, shop-first indexes and row-level security for the review record (raw steps run
before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-29T09:16:59:000000"
VERSION = "1.38.0"
DESCRIPTION = "order review keys, indexes, row-level security"

INDEXES = [
    Index("order_review", ("tenant", "order"), unique=True),  # an order is reviewed once
    Index("order_review", ("tenant", "outcome", "started_at")),  # the queue
    Index("order_review", ("tenant", "started_at")),  # the figures
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="review", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, ["order_review"])

    manager.add_raw(run)
    return manager
