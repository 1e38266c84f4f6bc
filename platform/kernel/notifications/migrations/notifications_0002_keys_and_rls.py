"""Shop-first indexes and row-level security for the notification log and webhooks (raw
steps run before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-29T09:16:09:000000"
VERSION = "1.38.0"
DESCRIPTION = "notification and webhook indexes, row-level security"

INDEXES = [
    Index("notification_log", ("tenant", "id")),
    Index("notification_log", ("tenant", "order_number")),
    Index("webhook_endpoint", ("tenant", "id")),
    Index("webhook_delivery", ("tenant", "endpoint", "id")),
    Index("webhook_attempt", ("tenant", "delivery", "id")),
]

SHOP_OWNED = ["notification_log", "webhook_endpoint", "webhook_delivery", "webhook_attempt"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications",
                               description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager
