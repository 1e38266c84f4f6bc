"""Bulk loading of generated catalogs (see catalog_data) into a migrated database.

PostgreSQL: as the owning role, with `session_replication_role = replica` (the generated
rows are consistent by construction, so foreign-key triggers are skipped), the secondary
indexes of the big tables dropped before and re-created after the load from their own
definitions (`pg_indexes.indexdef`, so the schema ends exactly as the migrations made it),
rows sent with COPY (asyncpg `copy_records_to_table`) by two processes in parallel, the
sequences moved past the loaded ids, and VACUUM ANALYZE at the end so that the measured
plans are those of a settled database rather than of one autovacuum is still working on.

SQLite: multi-row inserts (`executemany`) in one transaction per batch of shops.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import catalog_data as data


def _merge(total: dict[str, int], part: dict[str, int]) -> None:
    for table, count in part.items():
        total[table] = total.get(table, 0) + count


# -- PostgreSQL -------------------------------------------------------------------------------

async def _copy_chunk(dsn: str, plans: list[data.ShopPlan], seed: int) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET synchronous_commit = off")
        rows = data.group_rows(plans, seed)
        async with conn.transaction():
            for table in data.TABLES:
                if rows.get(table):
                    await conn.copy_records_to_table(table, records=rows[table],
                                                     columns=list(data.COLUMNS[table]))
        return {table: len(part) for table, part in rows.items()}
    finally:
        await conn.close()


def _copy_chunk_sync(dsn: str, plans: list[data.ShopPlan], seed: int) -> dict[str, int]:
    return asyncio.run(_copy_chunk(dsn, plans, seed))


async def load_postgres(dsn: str, plans: list[data.ShopPlan], *, seed: int = 1,
                        processes: int = 2, log: Callable[[str], None] = print
                        ) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    counts: dict[str, int] = {}
    try:
        indexes = await conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)", data.BULK_TABLES)
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        await conn.execute("SET session_replication_role = replica")
        await conn.copy_records_to_table("tenant", records=data.tenant_rows(plans),
                                         columns=list(data.COLUMNS["tenant"]))
        counts["tenant"] = len(plans)
        # With triggers off the shops got no cache token (the app would never cache them):
        # what the trigger gives a new shop (migration kernel_0016_shop_cache_token_perf4).
        await conn.execute("UPDATE tenant SET cache_token = galleria_cache_token() "
                           "WHERE cache_token IS NULL")

        started = time.perf_counter()
        groups = data.groups(plans)
        done_products = 0
        total_products = sum(p.products for p in plans)
        loop = asyncio.get_running_loop()
        pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
        try:
            futures = [loop.run_in_executor(pool, _copy_chunk_sync, dsn, group, seed)
                       for group in groups]
            for group, future in zip(groups, futures, strict=True):
                _merge(counts, await future)
                done_products += sum(p.products for p in group)
                elapsed = time.perf_counter() - started
                log(f"  copied {done_products:,}/{total_products:,} products "
                    f"({elapsed:.0f} s, {counts.get('search_term', 0):,} search terms)")
        except BaseException:
            # interrupted: stop the loading processes (this pool's own) instead of waiting
            for process in list((pool._processes or {}).values()):
                process.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()

        started = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '1GB'")
        for index in indexes:
            await conn.execute(index["indexdef"])
        log(f"  re-created {len(indexes)} indexes ({time.perf_counter() - started:.0f} s)")

        for table in data.TABLES:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table}\"), false)")
        started = time.perf_counter()
        for table in data.TABLES:
            await conn.execute(f'VACUUM (ANALYZE) "{table}"')
        log(f"  vacuumed and analysed ({time.perf_counter() - started:.0f} s)")
    finally:
        await conn.close()
    return counts


# -- SQLite -----------------------------------------------------------------------------------

def _sqlite_value(value):
    # piccolo stores a Timestamptz on SQLite as str() of the UTC datetime.
    if isinstance(value, dt.datetime):
        return str(value.astimezone(dt.UTC))
    return value


def load_sqlite(path: str, plans: list[data.ShopPlan], *, seed: int = 1,
                log: Callable[[str], None] = print) -> dict[str, int]:
    conn = sqlite3.connect(path)
    counts: dict[str, int] = {}
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")

        def insert(table: str, rows: list[tuple]) -> None:
            columns = data.COLUMNS[table]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                             [tuple(_sqlite_value(v) for v in row) for row in rows])
            counts[table] = counts.get(table, 0) + len(rows)

        with conn:
            insert("tenant", data.tenant_rows(plans))
        started = time.perf_counter()
        done_products = 0
        for group in data.groups(plans):
            with conn:
                rows = data.group_rows(group, seed)
                for table in data.TABLES:
                    if rows.get(table):
                        insert(table, rows[table])
            done_products += sum(p.products for p in group)
            log(f"  inserted {done_products:,} products ({time.perf_counter() - started:.0f} s)")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return counts
