"""Keys, shop-first indexes and row-level security for line cancellations and returns (raw
steps run before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T09:51:13:000000"
VERSION = "1.38.0"
DESCRIPTION = "after-sales keys, indexes, row-level security"

INDEXES = [
    Index("order_line_cancellation", ("tenant", "order", "id")),
    Index("order_line_cancellation", ("tenant", "refund_status", "id")),
    Index("order_return", ("tenant", "order", "id")),
    Index("order_return", ("tenant", "status", "id")),
    Index("product_aftersales", ("tenant", "product"), unique=True),
]

SHOP_OWNED = ["order_line_cancellation", "order_return", "product_aftersales"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager
