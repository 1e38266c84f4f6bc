"""Unique keys, shop-first indexes and row-level security for shipments and tracking events
(raw steps run before a migration's own table changes, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-29T09:16:34:000000"
VERSION = "1.38.0"
DESCRIPTION = "shipment and tracking event keys, indexes, row-level security"

INDEXES = [
    Index("shipment", ("tenant", "reference"), unique=True),
    Index("shipment", ("tenant", "order", "id")),
    Index("shipment", ("tenant", "carrier", "tracking_number")),
    Index("shipment", ("tenant", "status", "id")),
    Index("tracking_event", ("tenant", "shipment", "dedupe_key"), unique=True),
    Index("tracking_event", ("tenant", "shipment", "occurred_at")),
]

SHOP_OWNED = ["shipment", "tracking_event"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="fulfilment", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager
