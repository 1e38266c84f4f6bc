"""Schema helpers for migrations: unique keys, indexes and row-level security.

piccolo's auto-migrations cannot add table constraints on SQLite, so unique keys and
composite indexes are written by migrations as `CREATE [UNIQUE] INDEX IF NOT EXISTS`, which
both databases understand. Every index serving a shop's queries starts with `tenant`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine


@dataclass(frozen=True)
class Index:
    table: str
    columns: tuple[str, ...]
    unique: bool = False

    @property
    def name(self) -> str:
        kind = "uq" if self.unique else "ix"
        return f"{kind}_{self.table}_{'_'.join(self.columns)}"

    def sql(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        unique = "UNIQUE " if self.unique else ""
        return f'CREATE {unique}INDEX IF NOT EXISTS "{self.name}" ON "{self.table}" ({cols})'


async def create_indexes(engine: Engine, indexes: Iterable[Index]) -> None:
    for index in indexes:
        await engine.run_ddl(index.sql())


# The shop whose scope the transaction is in (NULL outside any: see db.shop_scope).
CURRENT_SHOP = "NULLIF(current_setting('galleria.tenant', true), '')::integer"


def rls_policy_sql(table: str) -> list[str]:
    """The statements that put `table` behind the shop policy (idempotent)."""
    check = f"tenant = {CURRENT_SHOP}"
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS shop_isolation ON "{table}"',
        f'CREATE POLICY shop_isolation ON "{table}" USING ({check}) WITH CHECK ({check})',
    ]


async def enable_row_level_security(engine: Engine, tables: Iterable[str]) -> None:
    """On PostgreSQL, admit only the current shop's rows of `tables`; no-op on SQLite."""
    if not isinstance(engine, PostgresEngine):
        return
    for table in tables:
        for statement in rls_policy_sql(table):
            await engine.run_ddl(statement)


async def enable_row_level_security_for_platform_reads(engine: Engine, table: str,
                                                       reads: str) -> None:
    """The shop policy on `table`, plus a second policy admitting rows for SELECT where
    `reads` holds: for tables read before a shop is known (resolving a host, signing in).
    Policies for one command are OR-ed, so writes still need the shop's scope."""
    if not isinstance(engine, PostgresEngine):
        return
    for statement in [*rls_policy_sql(table),
                      f'DROP POLICY IF EXISTS platform_reads ON "{table}"',
                      f'CREATE POLICY platform_reads ON "{table}" FOR SELECT USING ({reads})']:
        await engine.run_ddl(statement)


async def enable_row_level_security_with_platform_rows(engine: Engine, table: str) -> None:
    """The shop policy on `table`, where rows with `tenant` 0 belong to the platform and
    are admitted (only) outside any shop's scope."""
    if not isinstance(engine, PostgresEngine):
        return
    check = f"tenant = COALESCE({CURRENT_SHOP}, 0)"
    for statement in rls_policy_sql(table)[:3]:  # enable, force, drop the old policy
        await engine.run_ddl(statement)
    await engine.run_ddl(
        f'CREATE POLICY shop_isolation ON "{table}" USING ({check}) WITH CHECK ({check})')


# -- keys led by the shop (Citus-ready, docs/scaling.md) ----------------------------------
# Table and column names are written into the DDL below: only plain identifiers (the
# migrations' own constants) are accepted.
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL",
            "d": "SET DEFAULT"}


async def tenant_first_keys(engine: Engine, tables: Iterable[str]) -> None:
    """On PostgreSQL, give each of `tables` (shop-owned: they have `tenant`) the unique key
    `(tenant, id)`, and make every foreign key from a shop-owned table to one of them
    `(tenant, col) → (tenant, id)`, with its ON UPDATE / ON DELETE kept (SET NULL clears
    only `col`). So a row can only point at a row of its own shop. The primary key stays
    `id`, so that a plugin's piccolo `ForeignKey` to a kernel table keeps working; turning
    it into `(tenant, id)` is the one step left before Citus (docs/scaling.md). Idempotent:
    run it again to bring foreign keys added since to the shop. Existing rows pointing at
    another shop's row make it fail loudly: that is a bug to fix, not data to keep.

    No-op on SQLite: its keys cannot change without rebuilding every table, and a SQLite
    database is never distributed. piccolo keeps seeing `id` as the primary key, which
    stays unique in practice (one sequence per table)."""
    if not isinstance(engine, PostgresEngine):
        return
    names = [_identifier(name) for name in tables]
    quoted = ", ".join(f"'{name}'" for name in names)
    foreign = await engine.run_ddl(f"""
        SELECT con.conname, child.relname AS child, parent.relname AS parent,
               col.attname AS col, con.confupdtype AS on_update, con.confdeltype AS on_delete
        FROM pg_constraint con
        JOIN pg_class child ON child.oid = con.conrelid
        JOIN pg_class parent ON parent.oid = con.confrelid
        JOIN pg_attribute col ON col.attrelid = con.conrelid AND col.attnum = con.conkey[1]
        WHERE con.contype = 'f' AND array_length(con.conkey, 1) = 1
          AND child.relnamespace = 'public'::regnamespace
          AND parent.relname IN ({quoted})
          AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = con.conrelid
                      AND t.attname = 'tenant' AND NOT t.attisdropped)""")  # noqa: S608
    for fk in foreign:
        await engine.run_ddl(f'ALTER TABLE "{fk["child"]}" DROP CONSTRAINT "{fk["conname"]}"')
    for name in names:
        await _tenant_id_key(engine, name)
    for fk in foreign:
        on_delete = _ACTIONS[_char(fk["on_delete"])]
        if on_delete == "SET NULL":
            on_delete = f'SET NULL ("{fk["col"]}")'  # PostgreSQL 15+: not the tenant
        await engine.run_ddl(
            f'ALTER TABLE "{fk["child"]}" ADD CONSTRAINT "fk_{fk["child"]}_{fk["col"]}" '
            f'FOREIGN KEY ("tenant", "{fk["col"]}") REFERENCES "{fk["parent"]}" '
            f'("tenant", "id") ON UPDATE {_ACTIONS[_char(fk["on_update"])]} ON DELETE {on_delete}')


async def shop_owned_tables(engine: Engine) -> list[str]:
    """The tables with a shop column, on PostgreSQL (the outbox aside: platform events
    have no shop); [] on SQLite."""
    if not isinstance(engine, PostgresEngine):
        return []
    rows = await engine.run_ddl("""
        SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
          AND c.relname <> 'outbox_event'
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                      AND a.attname = 'tenant' AND NOT a.attisdropped)""")
    return sorted(row["relname"] for row in rows)


def _identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain table or column name: {name!r}")
    return name


def _char(value: bytes | str) -> str:
    """A pg_catalog `"char"` (asyncpg gives bytes)."""
    return value.decode() if isinstance(value, bytes) else value


async def _tenant_id_key(engine: Engine, table: str) -> None:
    """The unique key `(tenant, id)` that foreign keys with the shop point at."""
    rows = await engine.run_ddl(f"""
        SELECT con.conname, array_agg(a.attname::text ORDER BY k.ord) AS columns
        FROM pg_constraint con
        CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
        WHERE con.contype IN ('p', 'u') AND con.conrelid = '"{table}"'::regclass
        GROUP BY con.conname""")  # noqa: S608
    if any(list(row["columns"]) == ["tenant", "id"] for row in rows):
        return
    await engine.run_ddl(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_tenant_id_key" '
                         'UNIQUE ("tenant", "id")')


async def unique_within_shop(engine: Engine, table: str, column: str) -> None:
    """Turn the unique key on `table.column` alone into one on `(tenant, column)`, keeping
    every row: on PostgreSQL by dropping the constraint, on SQLite (where a column's UNIQUE
    cannot be dropped) by rebuilding the table as SQLite's ALTER TABLE guide says. Only for
    tables no other table points at. Idempotent."""
    table, column = _identifier(table), _identifier(column)
    if isinstance(engine, PostgresEngine):
        rows = await engine.run_ddl(f"""
            SELECT con.conname FROM pg_constraint con
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
            WHERE con.contype = 'u' AND con.conrelid = '"{table}"'::regclass
              AND array_length(con.conkey, 1) = 1 AND a.attname = '{column}'""")  # noqa: S608
        for row in rows:
            await engine.run_ddl(f'ALTER TABLE "{table}" DROP CONSTRAINT "{row["conname"]}"')
    else:
        await _rebuild_sqlite_without_unique(engine, table, column)
    await create_indexes(engine, [Index(table, ("tenant", column), unique=True)])


async def _rebuild_sqlite_without_unique(engine: Engine, table: str, column: str) -> None:
    rows = await engine.run_ddl(
        f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'")  # noqa: S608
    definition = rows[0]["sql"]
    rebuilt, found = re.subn(rf'("{column}" [A-Z]+(?:\(\d+\))?) UNIQUE\b', r"\1", definition)
    if not found:
        return
    extras = await engine.run_ddl(  # its indexes and triggers, made again afterwards
        f"SELECT sql FROM sqlite_master WHERE tbl_name = '{table}' "  # noqa: S608
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL")
    staging = f"{table}__rebuilt"
    await engine.run_ddl(rebuilt.replace(f'CREATE TABLE "{table}"',
                                         f'CREATE TABLE "{staging}"', 1))
    await engine.run_ddl(f'INSERT INTO "{staging}" SELECT * FROM "{table}"')  # noqa: S608
    await engine.run_ddl(f'DROP TABLE "{table}"')
    await engine.run_ddl(f'ALTER TABLE "{staging}" RENAME TO "{table}"')
    for extra in extras:
        await engine.run_ddl(extra["sql"])
