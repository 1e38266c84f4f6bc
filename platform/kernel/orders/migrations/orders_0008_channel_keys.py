"""Another platform's order id is unique per shop and channel (what makes importing the
same file twice, or retrying `POST /api/admin/v1/orders`, create nothing new), and the
console's channel filter has a shop-first index. Raw steps run before a migration's own
table changes, hence a migration of their own, right after 0007."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T13:02:26:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique external order ids per shop and channel; channel filter index"

INDEXES = [
    Index("shop_order", ("tenant", "channel", "external_id"), unique=True),
    Index("shop_order", ("tenant", "channel", "id")),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orders", description=DESCRIPTION)

    async def run():
        await create_indexes(Tenant._meta.db, INDEXES)

    manager.add_raw(run)
    return manager
