"""Row-level security on the last tables with a `tenant` column that had none.

- `idempotency_record`: a shop's records in its scope only; the platform's (tenant 0, the
  signup API) outside any shop's.
- `custom_domain`: written in the shop's scope only; read by anyone, because resolving a
  host (and serving its verification token) happens before a shop is known, and adding a
  domain must see every shop's hosts to refuse a taken one. A host→shop mapping is public
  (DNS says as much).
- `membership`: written in the shop's scope only; read in a shop's scope as that shop's
  rows, and outside any scope in full, for signing in (a user's shops) before a shop is known.

`outbox_event` stays without: the relay reads every shop's events (see the exemption list
in tests/integration/test_rls_everywhere.py).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import (
    CURRENT_SHOP,
    enable_row_level_security_for_platform_reads,
    enable_row_level_security_with_platform_rows,
)
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T10:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "row-level security on idempotency_record, custom_domain, membership"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await enable_row_level_security_with_platform_rows(engine, "idempotency_record")
        await enable_row_level_security_for_platform_reads(engine, "custom_domain", "true")
        await enable_row_level_security_for_platform_reads(
            engine, "membership", f"{CURRENT_SHOP} IS NULL")

    manager.add_raw(run)
    return manager
