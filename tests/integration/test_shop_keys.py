"""Keys led by the shop (issue 14, item 6; docs/scaling.md): read from the live schema,
every shop-owned table's unique keys include `tenant`; on PostgreSQL it has the key
`(tenant, id)` and its foreign keys to other shop-owned tables include `tenant` — so a
row cannot point at another shop's row. What is left before the tables can be distributed
by shop (Citus) is the primary keys (docs/scaling.md). The exceptions are listed here,
each with its reason."""

from __future__ import annotations

import pytest

from conftest import on_postgres
from galleria.kernel import db
from galleria.kernel.catalog.tables import Barcode
from galleria.kernel.schema import tenant_first_keys, unique_within_shop
from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.tables import Tenant

# Unique keys of shop-owned tables without `tenant`, each with its reason.
UNIQUE_WITHOUT_SHOP = {
    # A host decides which shop a request is for, before any shop is known: it must be
    # unique across the platform. Under Citus this small table is a reference table.
    ("custom_domain", ("host",)): "the host decides the shop",
}
# Shop-owned tables without the key `(tenant, id)`, each with its reason. (Primary keys stay
# `id` everywhere for now, so that plugins' piccolo ForeignKeys keep working: docs/scaling.md.)
PRIMARY_KEY_WITHOUT_SHOP = {
    # The transactional outbox: platform events carry no shop (`tenant` is NULL), and the
    # relay reads every shop's due rows in one query. Distributing it needs `tenant` NOT
    # NULL first (0 for the platform) and a relay that claims per shop (docs/scaling.md).
    "outbox_event": "platform events have no shop",
}
# On SQLite the primary and foreign keys stay on `id` alone: a SQLite table's keys cannot
# change without rebuilding every table that points at it, and a SQLite database is never
# distributed. The unique keys are checked on both.
SQLITE_KEEPS_ID_KEYS = "SQLite keeps `id` keys (never distributed; see the note above)"


async def shop_owned_tables() -> list[str]:
    if on_postgres():
        rows = await Tenant.raw("""
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                          AND a.attname = 'tenant' AND NOT a.attisdropped)""")
        return sorted(row["relname"] for row in rows)
    tables = await Tenant.raw("SELECT name FROM sqlite_master WHERE type = 'table' "
                              "AND name NOT LIKE 'sqlite_%'")
    owned = []
    for table in tables:
        columns = await Tenant.raw(f'PRAGMA table_info("{table["name"]}")')
        if any(column["name"] == "tenant" for column in columns):
            owned.append(table["name"])
    return sorted(owned)


async def unique_keys() -> dict[str, list[tuple[str, ...]]]:
    """Every unique key (constraint or unique index; primary keys aside) per table."""
    keys: dict[str, list[tuple[str, ...]]] = {}
    if on_postgres():
        rows = await Tenant.raw("""
            SELECT t.relname AS tablename,
                   array_agg(a.attname::text ORDER BY k.ord) AS columns
            FROM pg_index ix
            JOIN pg_class t ON t.oid = ix.indrelid
            CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
            WHERE ix.indisunique AND NOT ix.indisprimary
              AND t.relnamespace = current_schema()::regnamespace
            GROUP BY t.relname, ix.indexrelid""")
        for row in rows:
            keys.setdefault(row["tablename"], []).append(tuple(row["columns"]))
        return keys
    for table in await shop_owned_tables():
        for index in await Tenant.raw(f'PRAGMA index_list("{table}")'):
            if index["unique"] and index["origin"] != "pk":
                info = await Tenant.raw(f'PRAGMA index_info("{index["name"]}")')
                keys.setdefault(table, []).append(tuple(i["name"] for i in info))
    return keys


async def test_every_unique_key_of_a_shop_owned_table_includes_the_shop(migrated):
    tables = await shop_owned_tables()
    assert len(tables) > 50 and "shop_order" in tables and "api_token" in tables
    keys = await unique_keys()
    without_shop = sorted((table, columns) for table in tables
                          for columns in keys.get(table, []) if "tenant" not in columns)
    assert without_shop == sorted(UNIQUE_WITHOUT_SHOP)
    # The hashes of API tokens and invitations are unique within their shop now.
    assert ("tenant", "token_hash") in keys["api_token"]
    assert ("tenant", "token_hash") in keys["invitation"]


@pytest.mark.skipif(not on_postgres(), reason=SQLITE_KEEPS_ID_KEYS)
async def test_foreign_keys_of_shop_owned_tables_start_with_the_shop(migrated):
    tables = await shop_owned_tables()
    keys = {}
    for row in await Tenant.raw("""
            SELECT c.relname, array_agg(a.attname::text ORDER BY k.ord) AS columns
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
            WHERE con.contype IN ('p', 'u')
              AND c.relnamespace = current_schema()::regnamespace
            GROUP BY con.oid, c.relname"""):
        keys.setdefault(row["relname"], []).append(list(row["columns"]))
    assert [t for t in tables if ["tenant", "id"] not in keys.get(t, [])] == sorted(
        PRIMARY_KEY_WITHOUT_SHOP)
    foreign = await Tenant.raw("""
        SELECT child.relname AS child, parent.relname AS parent,
               pg_get_constraintdef(con.oid) AS definition,
               (SELECT array_agg(a.attname::text) FROM pg_attribute a
                WHERE a.attrelid = con.conrelid AND a.attnum = ANY(con.conkey)) AS columns
        FROM pg_constraint con
        JOIN pg_class child ON child.oid = con.conrelid
        JOIN pg_class parent ON parent.oid = con.confrelid
        WHERE con.contype = 'f' AND child.relnamespace = current_schema()::regnamespace""")
    between_shop_tables = [fk for fk in foreign
                           if fk["child"] in tables and fk["parent"] in tables]
    assert len(between_shop_tables) > 30
    assert [fk["definition"] for fk in between_shop_tables
            if "tenant" not in fk["columns"]] == []


@pytest.mark.skipif(not on_postgres(), reason=SQLITE_KEEPS_ID_KEYS)
async def test_a_row_cannot_point_at_another_shops_row(open_shop):
    """Row-level security hides another shop's rows but does not stop a foreign key from
    naming one; the shop in the key does."""
    a, b = await open_shop(), await open_shop()
    created = await a.post("/api/admin/v1/products", json={
        "name": "龙井", "variants": [{"sku": "KEY-1", "price": 2800, "stock": 1}]})
    assert created.status_code == 201, created.text
    theirs = created.json()["variants"][0]["id"]
    shop_b = await get_shop(b.slug)
    with pytest.raises(Exception, match="foreign key"):
        async with db.shop_scope(shop_b.id):
            await Barcode.insert(Barcode(tenant=shop_b.id, variant=theirs, code="6901234567892"))
    async with db.shop_scope(shop_b.id):
        assert await Barcode.count().where(Barcode.variant == theirs) == 0


@pytest.fixture
async def scratch_engine(settings, tmp_path):
    """An engine that may change the schema: the owner on PostgreSQL (the app's role may
    not), a file of its own on SQLite."""
    url = (settings.admin_database_url if on_postgres()
           else f"sqlite:///{tmp_path / 'scratch.db'}")
    engine = db.make_engine(url)
    if on_postgres():
        await engine.start_connection_pool()
    for table in ("scratch_line", "scratch_token", "scratch_order"):
        await engine.run_ddl(f'DROP TABLE IF EXISTS "{table}"')
    yield engine
    for table in ("scratch_line", "scratch_token", "scratch_order"):
        await engine.run_ddl(f'DROP TABLE IF EXISTS "{table}"')
    if on_postgres():
        await engine.close_connection_pool()


async def test_moving_a_unique_key_into_the_shop_keeps_every_row(scratch_engine):
    engine = scratch_engine
    await engine.run_ddl('CREATE TABLE "scratch_token" ("id" INTEGER PRIMARY KEY NOT NULL, '
                         '"tenant" INTEGER NOT NULL, "token_hash" VARCHAR(64) UNIQUE NOT NULL '
                         "DEFAULT '', \"note\" TEXT)")
    await engine.run_ddl('CREATE INDEX "ix_scratch_token_tenant_note" ON "scratch_token" '
                         '("tenant", "note")')
    await engine.run_ddl("INSERT INTO scratch_token VALUES (1, 1, 'aa', '一'), "
                         "(2, 2, 'bb', '二')")
    await unique_within_shop(engine, "scratch_token", "token_hash")
    await unique_within_shop(engine, "scratch_token", "token_hash")  # idempotent
    rows = await engine.run_ddl("SELECT id, tenant, token_hash, note FROM scratch_token "
                                "ORDER BY id")
    assert [tuple(dict(r).values()) for r in rows] == [(1, 1, "aa", "一"), (2, 2, "bb", "二")]
    await engine.run_ddl("INSERT INTO scratch_token VALUES (3, 2, 'aa', '三')")  # other shop
    with pytest.raises(Exception, match=r"(?i)unique"):
        await engine.run_ddl("INSERT INTO scratch_token VALUES (4, 1, 'aa', '四')")
    if not on_postgres():
        names = await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'index' "
                                     "AND tbl_name = 'scratch_token'")
        assert {"ix_scratch_token_tenant_note", "uq_scratch_token_tenant_token_hash"} <= {
            r["name"] for r in names}  # its other indexes made again


@pytest.mark.skipif(not on_postgres(), reason=SQLITE_KEEPS_ID_KEYS)
async def test_tenant_first_keys_keep_rows_and_the_delete_rules(scratch_engine):
    engine = scratch_engine
    await engine.run_ddl('CREATE TABLE scratch_order (id SERIAL PRIMARY KEY, '
                         "tenant INTEGER NOT NULL)")
    await engine.run_ddl('CREATE TABLE scratch_line (id SERIAL PRIMARY KEY, '
                         'tenant INTEGER NOT NULL, '
                         '"order" INTEGER REFERENCES scratch_order(id) ON DELETE CASCADE, '
                         'moved_from INTEGER REFERENCES scratch_order(id) ON DELETE SET NULL)')
    await engine.run_ddl("INSERT INTO scratch_order (id, tenant) VALUES (1, 1), (2, 1), (3, 2)")
    await engine.run_ddl('INSERT INTO scratch_line (tenant, "order", moved_from) '
                         "VALUES (1, 1, 2), (1, 2, NULL), (2, 3, NULL)")
    await tenant_first_keys(engine, ["scratch_order", "scratch_line"])
    await tenant_first_keys(engine, ["scratch_order", "scratch_line"])  # idempotent
    assert len(await engine.run_ddl("SELECT * FROM scratch_line")) == 3
    with pytest.raises(Exception, match="foreign key"):  # shop 2's line, shop 1's order
        await engine.run_ddl('INSERT INTO scratch_line (tenant, "order") VALUES (2, 1)')
    await engine.run_ddl("DELETE FROM scratch_order WHERE id = 2")
    rows = await engine.run_ddl('SELECT tenant, "order", moved_from FROM scratch_line '
                                "ORDER BY id")
    # The line of order 2 went with it; the line moved from it keeps its shop.
    assert [tuple(r.values()) for r in rows] == [(1, 1, None), (2, 3, None)]
