"""A shop's promotions change its cache token (issue 14, item 5): the promotion adjuster
keeps whether the shop has any active promotion per process (`shop_fact`), so a shop
running none prices its carts without reading the table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import watch_shop_rows

ID = "2026-12-05T23:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "marketing_promotion rows replace the shop's cache token"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing", description=DESCRIPTION)

    async def triggers():
        await watch_shop_rows(Finder().get_engine(), "marketing_promotion")

    manager.add_raw(triggers)
    return manager
