"""Unique keys, shop-first indexes and row-level security for sign-in identities, sign-in
providers and connected apps (raw steps, hence a migration of their own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-29T10:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "identity keys, connected-app indexes, row-level security"

INDEXES = [
    Index("staff_identity", ("issuer", "subject"), unique=True),
    Index("staff_identity", ("user",)),
    Index("customer_identity", ("tenant", "issuer", "subject"), unique=True),
    Index("customer_identity", ("tenant", "customer")),
    Index("shop_sign_in_provider", ("tenant", "kind"), unique=True),
    Index("oauth_grant", ("tenant", "app"), unique=True),
    Index("oauth_code", ("tenant", "code_hash"), unique=True),
    Index("oauth_token", ("tenant", "token_hash"), unique=True),
    Index("oauth_token", ("tenant", "grant")),
]

SHOP_OWNED = ["customer_identity", "shop_sign_in_provider", "oauth_grant", "oauth_code",
              "oauth_token"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="access", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, INDEXES)
        await enable_row_level_security(engine, SHOP_OWNED)

    manager.add_raw(run)
    return manager
