"""`galleria_cart_wanted(shop, token)` (PostgreSQL): a cart's variants and quantities in one
statement that sets the shop's row-level security scope for itself (issue 14).

Admission (checkout/admission.py) reads a flash-sale buyer's cart before the order's
transaction opens: as a shop scope that is four statements — BEGIN, the RLS setting, the
SELECT, COMMIT — for a read of a few rows, by every buyer of a burst, refused or not. The
function sets `galleria.tenant` (transaction-local, as `db.shop_scope` does) and then runs
the same SELECT, still filtered by the shop explicitly, so the policy admits that shop's rows
only. Called as a statement of its own outside any transaction, its setting ends with it.
It is SECURITY INVOKER (the default): it can read nothing the caller could not.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine

from galleria.kernel.checkout.tables import Cart

ID = "2026-12-05T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "galleria_cart_wanted(): a cart's lines in one statement scoped to its shop"

POSTGRES = [
    """CREATE OR REPLACE FUNCTION galleria_cart_wanted(shop integer, cart_token text)
       RETURNS TABLE (wanted_variant integer, wanted_quantity integer)
       LANGUAGE plpgsql VOLATILE AS $$
       BEGIN
         PERFORM set_config('galleria.tenant', shop::text, true);
         RETURN QUERY
           SELECT l.variant::integer, l.quantity::integer FROM cart_line l
           JOIN cart c ON c.tenant = l.tenant AND c.id = l.cart
           WHERE c.tenant = shop AND c.token = cart_token AND c.order_number = ''
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
