"""Flash sales and gifts change the shop's cache token (issue 14, item 5): their adjusters
keep per process which variants have a sale and whether any gift is on (`shop_fact`), so
a cart with nothing on sale in a shop giving no gift is priced without reading them. A
sale's `sold`, written by every order of it, leaves the token alone."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.conf.apps import Finder

from galleria.kernel import watch_shop_rows

ID = "2026-12-05T23:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "flash sales and gifts replace the shop's cache token"
SALE_COLUMNS = ("tenant", "variant", "product", "price", "quota", "per_customer_limit",
                "starts_at", "ends_at", "active")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="marketing_campaigns",
                               description=DESCRIPTION)

    async def triggers():
        engine = Finder().get_engine()
        await watch_shop_rows(engine, "campaigns_flash_sale", update_of=SALE_COLUMNS)
        await watch_shop_rows(engine, "campaigns_gift")

    manager.add_raw(triggers)
    return manager
