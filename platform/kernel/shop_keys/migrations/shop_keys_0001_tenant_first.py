"""Every kernel shop-owned table's keys start with the shop.

- Every table with a shop column (the kernel's, made by the kernel apps migrated before
  this one) gets the unique key `(tenant, id)`, and the foreign keys between them become
  `(tenant, col) → (tenant, id)` (PostgreSQL only: see `schema.tenant_first_keys`).
- The API token and invitation hashes become unique within their shop (every lookup
  already names the shop); on SQLite the two tables are rebuilt, rows kept.

Left as they are, and why (docs/scaling.md): `custom_domain.host` is unique across the
platform, because a host decides the shop; `membership (user, tenant)` includes the shop;
`outbox_event`: platform events have no shop (`tenant` NULL).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import shop_owned_tables, tenant_first_keys, unique_within_shop
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T13:16:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "keys led by the shop (Citus-ready)"

async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="shop_keys", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await unique_within_shop(engine, "api_token", "token_hash")
        await unique_within_shop(engine, "invitation", "token_hash")
        await tenant_first_keys(engine, await shop_owned_tables(engine))

    manager.add_raw(run)
    return manager
