"""The shop's cache token (issue 14): `tenant.cache_token`, a random number that triggers
replace whenever something app processes cache about the shop changes — its row's columns
that `Shop` holds, any of its `plugin_state` or `custom_domain` rows (insert, update,
delete; a TRUNCATE of either, on PostgreSQL, gives every shop a new token). A process
keeps the shop, its enabled plugins and their settings with the token they were read at
and uses them while the token is unchanged (galleria.kernel.tenancy.shop_cache), so a change
made by any process, the CLI, a migration or plain SQL is seen by the next request.

Random, not a counter: a token never comes back, not even after a rolled-back transaction
or in another database, so "same token" always means "same rows". Updates of `tenant`
that touch none of the cached columns (none do today, but a counter a later issue adds
would) leave the token alone (`UPDATE OF`).

The column is added here, in the raw step (piccolo runs a migration's raw step before its
own column changes, and the triggers and the backfill need the column); the piccolo table
declares it (`Tenant.cache_token`). Anything that writes these tables with triggers off
(`session_replication_role = replica`, as bench/bulk_load.py) must set new tokens itself:
`UPDATE tenant SET cache_token = galleria_cache_token()` on PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine

from galleria.kernel.tenancy.tables import Tenant

ID = "2026-12-05T20:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant.cache_token, replaced by triggers when a shop's cached rows change"

# The columns `Shop` (tenancy/shops.py) holds.
CACHED_COLUMNS = ("slug", "name", "status", "currency", "locale", "timezone", "plan",
                  "template", "theme_color", "logo", "settings")
# Shop-owned tables whose rows a process caches (plugin_state) or reads with the shop
# (custom_domain: the host → shop look-up itself is read every request).
SHOP_ROWS = ("plugin_state", "custom_domain")

POSTGRES = [
    "ALTER TABLE tenant ADD COLUMN IF NOT EXISTS cache_token BIGINT",
    """CREATE OR REPLACE FUNCTION galleria_cache_token() RETURNS bigint
       LANGUAGE sql VOLATILE AS $$ SELECT (floor(random() * 9007199254740990) + 1)::bigint $$""",
    "UPDATE tenant SET cache_token = galleria_cache_token()",
    """CREATE OR REPLACE FUNCTION galleria_tenant_cache_token() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         NEW.cache_token := galleria_cache_token();
         RETURN NEW;
       END $$""",
    "DROP TRIGGER IF EXISTS tenant_cache_token ON tenant",
    f"""CREATE TRIGGER tenant_cache_token
        BEFORE INSERT OR UPDATE OF {', '.join(CACHED_COLUMNS)} ON tenant
        FOR EACH ROW EXECUTE FUNCTION galleria_tenant_cache_token()""",
    """CREATE OR REPLACE FUNCTION galleria_shop_rows_changed() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'INSERT' THEN
           UPDATE tenant SET cache_token = galleria_cache_token() WHERE id = OLD.tenant;
         END IF;
         IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.tenant IS DISTINCT FROM OLD.tenant)
         THEN
           UPDATE tenant SET cache_token = galleria_cache_token() WHERE id = NEW.tenant;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE OR REPLACE FUNCTION galleria_all_shops_changed() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE tenant SET cache_token = galleria_cache_token();
         RETURN NULL;
       END $$""",
]
for _table in SHOP_ROWS:
    POSTGRES += [
        f"DROP TRIGGER IF EXISTS {_table}_cache_token ON {_table}",
        f"""CREATE TRIGGER {_table}_cache_token AFTER INSERT OR UPDATE OR DELETE ON {_table}
            FOR EACH ROW EXECUTE FUNCTION galleria_shop_rows_changed()""",
        f"DROP TRIGGER IF EXISTS {_table}_cache_token_truncate ON {_table}",
        f"""CREATE TRIGGER {_table}_cache_token_truncate AFTER TRUNCATE ON {_table}
            FOR EACH STATEMENT EXECUTE FUNCTION galleria_all_shops_changed()""",
    ]

# SQLite: random() is a random 64-bit integer. Its AFTER triggers update the row again (a
# BEFORE trigger cannot change NEW); that update names only cache_token, so it fires none.
SQLITE = [
    "UPDATE tenant SET cache_token = random()",
    """CREATE TRIGGER IF NOT EXISTS tenant_cache_token_insert AFTER INSERT ON tenant
       BEGIN UPDATE tenant SET cache_token = random() WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER IF NOT EXISTS tenant_cache_token_update
        AFTER UPDATE OF {', '.join(CACHED_COLUMNS)} ON tenant
        BEGIN UPDATE tenant SET cache_token = random() WHERE id = NEW.id; END""",
]
for _table in SHOP_ROWS:
    SQLITE += [
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_cache_token_insert AFTER INSERT ON {_table}
            BEGIN UPDATE tenant SET cache_token = random() WHERE id = NEW.tenant; END""",
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_cache_token_update AFTER UPDATE ON {_table}
            BEGIN UPDATE tenant SET cache_token = random()
                  WHERE id IN (OLD.tenant, NEW.tenant); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {_table}_cache_token_delete AFTER DELETE ON {_table}
            BEGIN UPDATE tenant SET cache_token = random() WHERE id = OLD.tenant; END""",
    ]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="kernel", description=DESCRIPTION)

    async def run():
        engine = Tenant._meta.db
        if isinstance(engine, PostgresEngine):
            statements = POSTGRES
        else:
            columns = await engine.run_ddl("PRAGMA table_info(tenant)")
            statements = list(SQLITE)
            if not any(column["name"] == "cache_token" for column in columns):
                statements.insert(0, "ALTER TABLE tenant ADD COLUMN cache_token INTEGER")
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
