"""Schema helpers for migrations: unique keys, indexes and row-level security.

piccolo's auto-migrations cannot add table constraints on SQLite, so unique keys and
composite indexes are written by migrations as `CREATE [UNIQUE] INDEX IF NOT EXISTS`, which
both databases understand. Every index serving a shop's queries starts with `tenant`.
"""

from __future__ import annotations

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
