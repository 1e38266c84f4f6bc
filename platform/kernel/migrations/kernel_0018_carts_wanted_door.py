"""`galleria_carts_wanted(shop, tokens)` (PostgreSQL): the lines of many carts of one shop in
one statement that sets the shop's row-level security scope for itself (issue 14).

The admission door (galleria/web/admission_door.py) admits the buyers of a flash-sale burst
that arrive together as one batch: their carts are read at once, as
`galleria_cart_wanted` (kernel_0017) reads one, with each row's cart token beside it. The
same rules hold: `galleria.tenant` is set transaction-locally, the SELECT still filters by the
shop, and the function is SECURITY INVOKER (the default).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine

from galleria.kernel.checkout.tables import Cart

ID = "2026-12-06T02:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "galleria_carts_wanted(): many carts' lines in one statement scoped to its shop"

POSTGRES = [
    """CREATE OR REPLACE FUNCTION galleria_carts_wanted(shop integer, cart_tokens text[])
       RETURNS TABLE (wanted_token text, wanted_variant integer, wanted_quantity integer)
       LANGUAGE plpgsql VOLATILE AS $$
       BEGIN
         PERFORM set_config('galleria.tenant', shop::text, true);
         RETURN QUERY
           SELECT c.token::text, l.variant::integer, l.quantity::integer FROM cart_line l
           JOIN cart c ON c.tenant = l.tenant AND c.id = l.cart
           WHERE c.tenant = shop AND c.token = ANY(cart_tokens) AND c.order_number = ''
             AND l.quantity > 0;
       END $$""",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def run():
        engine = Cart._meta.db
        if isinstance(engine, PostgresEngine):
            for statement in POSTGRES:
                await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
