"""Unique keys, shop-first indexes and row-level security for payments (raw steps run
before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-29T09:16:11:000000"
VERSION = "1.38.0"
DESCRIPTION = "payment keys, indexes, row-level security"

INDEXES = [
    Index("payment", ("tenant", "reference"), unique=True),
    Index("payment", ("tenant", "order", "id")),
    Index("payment", ("tenant", "status", "created_at")),
    Index("payment_refund", ("tenant", "reference"), unique=True),
    Index("payment_refund", ("tenant", "payment")),
    Index("payment_notification", ("tenant", "plugin", "notification_id", "outcome")),
    Index("payment_notification", ("tenant", "received_at")),
]

SHOP_OWNED = ["payment", "payment_refund", "payment_notification"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payments", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager
