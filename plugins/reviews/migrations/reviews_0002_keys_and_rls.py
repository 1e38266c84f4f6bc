from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import (
    Index,
    create_indexes,
    enable_row_level_security,
    tenant_first_keys,
)

ID = "2026-12-05T16:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "review keys and row-level security"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)

    async def keys_and_rls():
        engine = Finder().get_engine()  # the owning role's engine, set by `galleria migrate`
        await create_indexes(engine, [
            # one review per order line, one shop rating per order
            Index("reviews_review", ("tenant", "line_id"), unique=True),
            Index("reviews_review", ("tenant", "product", "status", "id")),
            Index("reviews_review", ("tenant", "customer", "id")),
            Index("reviews_review", ("tenant", "order_number")),
            Index("reviews_review", ("tenant", "status", "id")),
            Index("reviews_shop_rating", ("tenant", "order_number"), unique=True),
        ])
        await enable_row_level_security(engine, ["reviews_review", "reviews_shop_rating"])
        await tenant_first_keys(engine, ["reviews_review", "reviews_shop_rating"])

    manager.add_raw(keys_and_rls)
    return manager
