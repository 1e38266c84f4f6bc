"""One subscription per shop; the platform audit read newest first by shop; row-level
security on the shop-owned subscription (readable before a shop's scope is open: a Stripe
webhook and the operator console look a shop's row up first, and write inside its scope)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import (
    Index,
    create_indexes,
    enable_row_level_security_for_platform_reads,
)
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T13:04:03:000001"
VERSION = "1.38.0"
DESCRIPTION = "billing_subscription key, platform_audit index, row-level security"

INDEXES = [
    Index("billing_subscription", ("tenant",), unique=True),
    Index("billing_subscription", ("stripe_subscription",)),
    Index("platform_audit", ("tenant_id", "created_at")),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="billing", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security_for_platform_reads(engine, "billing_subscription",
                                                           "true")

    manager.add_raw(run)
    return manager
