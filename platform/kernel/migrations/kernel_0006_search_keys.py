"""Indexes and row-level security for the search index; sorting indexes for listings."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from galleria.kernel.schema import Index, create_indexes, enable_row_level_security
from galleria.kernel.tenancy.tables import Tenant

ID = "2026-11-23T07:21:53:060494"
VERSION = "1.38.0"
DESCRIPTION = "search index keys, listing sort indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        await create_indexes(engine, [
            Index("search_term", ("tenant", "term", "product")),
            Index("search_term", ("tenant", "product")),
            Index("product", ("tenant", "status", "price_min", "id")),
            Index("product", ("tenant", "status", "sales", "id")),
        ])
        await enable_row_level_security(engine, ["search_term"])

    manager.add_raw(run)
    return manager
