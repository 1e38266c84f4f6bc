"""Unique keys, shop-first indexes, and row-level security on every shop-owned table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-23T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique keys, indexes, row-level security"

INDEXES = [
    Index("membership", ("user", "tenant"), unique=True),
    Index("membership", ("tenant",)),
    Index("plugin_state", ("tenant", "plugin"), unique=True),
    Index("api_token", ("tenant", "revoked_at")),
    Index("audit_log", ("tenant", "id")),
    Index("category", ("tenant", "slug"), unique=True),
    Index("product", ("tenant", "status", "id")),
    Index("product", ("tenant", "category", "id")),
    Index("variant", ("tenant", "sku"), unique=True),
    Index("variant", ("tenant", "product")),
    Index("product_image", ("tenant", "product", "position")),
    Index("barcode", ("tenant", "code"), unique=True),
    Index("barcode", ("tenant", "variant")),
    Index("stock_level", ("tenant", "variant", "location"), unique=True),
    Index("outbox_event", ("done_at", "next_attempt_at")),
    Index("outbox_delivery", ("event", "plugin"), unique=True),
    Index("idempotency_record", ("tenant", "scope", "key"), unique=True),
    Index("custom_domain", ("tenant",)),
]

SHOP_OWNED = [
    "plugin_state", "api_token", "audit_log", "category", "product", "variant",
    "product_image", "barcode", "stock_level",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager
