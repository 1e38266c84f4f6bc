"""Where a storefront listing spends its time, on a database kept by
`catalog_bench.py --keep-db` (PostgreSQL):

    .venv/bin/python bench/listing_profile.py galleria_bench_12345

1. CPU milliseconds per call, in this process, one call at a time, of the steps a listing
   request takes (host → shop lookup, the shop scope, `list_products`, `get_product`) and of
   the same listing written as one SQL statement (checked to return the same page).
2. The SQL statements piccolo sends for `list_products` (captured at the asyncpg layer) and
   `EXPLAIN (ANALYZE, BUFFERS)` of the product query as the app role, inside the shop scope
   (row-level security on), for the big and the small shop: first page, a deep page, and a
   deep page sorted by price.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_bench import APP_ROLE, DOMAIN, PG_SERVER, SECRET

# The price_asc cursor condition as list_products writes it (an OR the index cannot start
# from), and two forms that let the index start at the cursor.
CURSOR_FORMS = {
    "as written: (price_min > v) OR (price_min = v AND id > last)":
        "(price_min > $3 OR (price_min = $3 AND id > $4))",
    "proposed: price_min >= v AND (the same OR)":
        "price_min >= $3 AND (price_min > $3 OR (price_min = $3 AND id > $4))",
    "proposed: (price_min, id) > (v, last)": "(price_min, id) > ($3, $4)",
}
CURSOR_QUERY = """
SELECT id, name, price_min, sales, status FROM product
WHERE tenant = $1 AND deleted_at IS NULL AND status = $2 AND {condition}
ORDER BY price_min, id LIMIT 25
"""

# Search: the products whose text holds every run of the query, newest first. The truth is
# the substring test alone (what matching_product_ids confirms with); the two proposals use
# the term index, (1) the whole intersection in SQL, (2) walking one term's index entries
# newest first and stopping at the page size.
SEARCH_TRUTH = """
SELECT id FROM product WHERE tenant = $1 AND deleted_at IS NULL AND status = 'published'
  AND search_text LIKE ALL ($2::text[]) ORDER BY id DESC"""
SEARCH_IN_SQL = """
SELECT p.id FROM product p
WHERE p.tenant = $1 AND p.deleted_at IS NULL AND p.status = 'published'
  AND p.id IN (SELECT t.product FROM search_term t WHERE t.tenant = $1 AND t.term = ANY($3)
               GROUP BY t.product HAVING count(*) = cardinality($3))
  AND p.search_text LIKE ALL ($2::text[])
ORDER BY p.id DESC LIMIT 25"""
SEARCH_BY_TERM = """
SELECT p.id FROM search_term t JOIN product p ON p.tenant = t.tenant AND p.id = t.product
WHERE t.tenant = $1 AND t.term = $3
  AND p.deleted_at IS NULL AND p.status = 'published' AND p.search_text LIKE ALL ($2::text[])
ORDER BY t.product DESC LIMIT 25"""

ONE_STATEMENT = """
SELECT p.id, p.name, p.price_min, p.sales, p.status,
       coalesce((SELECT sum(greatest(s.on_hand - s.reserved, 0))
                 FROM variant v JOIN stock_level s
                   ON s.tenant = v.tenant AND s.variant = v.id
                 WHERE v.tenant = p.tenant AND v.product = p.id AND v.status = 'active'),
                0) AS available,
       (SELECT coalesce(nullif(i.thumb_key, ''), i.key) FROM product_image i
        WHERE i.tenant = p.tenant AND i.product = p.id
        ORDER BY i.position, i.id LIMIT 1) AS image
FROM product p
WHERE p.tenant = $1 AND p.deleted_at IS NULL AND p.status = 'published'
ORDER BY p.id DESC
LIMIT $2
"""


class Capture:
    """Records the statements asyncpg is asked to run while `on`."""

    def __init__(self) -> None:
        import asyncpg.connection

        self.on = False
        self.statements: list[tuple[str, tuple]] = []
        cls = asyncpg.connection.Connection
        for name in ("fetch", "execute"):
            original = getattr(cls, name)

            def wrapper(original=original):
                async def method(conn, query, *args, **kwargs):
                    if self.on:
                        self.statements.append((query, args))
                    return await original(conn, query, *args, **kwargs)
                return method

            setattr(cls, name, wrapper())


async def cpu_per_call(label: str, fn, n: int) -> float:
    for _ in range(max(10, n // 10)):
        await fn()
    started_cpu, started = time.process_time(), time.perf_counter()
    for _ in range(n):
        await fn()
    cpu = (time.process_time() - started_cpu) / n * 1000
    wall = (time.perf_counter() - started) / n * 1000
    print(f"  {label:<58} {cpu:6.2f} ms CPU {wall:6.2f} ms wall")
    return cpu


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("database")
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--q", default="牛奶", help="search query for the search part (牛奶)")
    a = p.parse_args()

    import asyncpg

    from galleria.kernel import db
    from galleria.kernel.catalog.service import get_product, list_products
    from galleria.kernel.storage import storage
    from galleria.kernel.tenancy.shops import get_shop, resolve_host
    from galleria.runtime import Runtime
    from galleria.settings import Settings

    capture = Capture()
    server = PG_SERVER.split("://", 1)[1].split("@", 1)[1]
    app_url = f"postgresql://{APP_ROLE}@{server}/{a.database}"
    settings = Settings.from_env({"GALLERIA_DATABASE_URL": app_url, "GALLERIA_SECRET_KEY": SECRET,
                                  "GALLERIA_DOMAIN": DOMAIN, "GALLERIA_VAR_DIR": "/tmp"})
    runtime = Runtime.build(settings)
    await runtime.open()
    try:
        shop = await get_shop("shop-0001")
        big, small = await get_shop("shop-big"), await get_shop("shop-small")
        async with db.shop_scope(shop.id):
            product_id = (await list_products(shop.id, limit=1))[0]["id"]

        async def scope_only():
            async with db.shop_scope(shop.id):
                pass

        async def listing():
            async with db.shop_scope(shop.id):
                return await list_products(shop.id, limit=25)

        async def detail():
            async with db.shop_scope(shop.id):
                await get_product(shop.id, product_id, published_only=True)

        async def one_statement():
            async with db.database().engine.pool.acquire() as conn, conn.transaction():
                await conn.execute(f"SELECT set_config('galleria.tenant', '{shop.id}', true)")
                rows = await conn.fetch(ONE_STATEMENT, shop.id, 25)
            url = storage().url
            return [{"id": r["id"], "name": r["name"], "price_from": r["price_min"],
                     "available": r["available"], "image": url(r["image"] or ""),
                     "_position": {"v": r["id"], "id": r["id"]}}
                    for r in rows]

        async def one_statement_only():
            async with db.database().engine.pool.acquire() as conn, conn.transaction():
                await conn.execute(f"SELECT set_config('galleria.tenant', '{shop.id}', true)")
                await conn.fetch(ONE_STATEMENT, shop.id, 25)

        # the prototype must give the same page as list_products
        if await listing() != await one_statement():
            raise SystemExit("the one-statement listing differs from list_products")

        print(f"CPU per call in this process (one call at a time, {a.calls} calls):")
        await cpu_per_call("resolve_host: the shop of a Host header (1 query)",
                           lambda: resolve_host(f"{shop.slug}.{DOMAIN}", DOMAIN), a.calls)
        await cpu_per_call("empty shop_scope: BEGIN, set_config, COMMIT", scope_only, a.calls)
        await cpu_per_call("shop_scope + list_products (limit 25)", listing, a.calls)
        await cpu_per_call("shop_scope + get_product", detail, a.calls)
        await cpu_per_call("same listing page as one SQL statement (asyncpg, in a "
                           "transaction with set_config)", one_statement_only, a.calls)

        async def search_in(target):
            async with db.shop_scope(target.id):
                await list_products(target.id, q=a.q, limit=25)

        await cpu_per_call(f"shop_scope + list_products(q={a.q}), {shop.slug}",
                           lambda: search_in(shop), a.calls)
        await cpu_per_call(f"shop_scope + list_products(q={a.q}), shop-small",
                           lambda: search_in(small), a.calls)
        await cpu_per_call(f"shop_scope + list_products(q={a.q}), shop-big",
                           lambda: search_in(big), max(5, a.calls // 20))

        capture.statements.clear()
        capture.on = True
        await listing()
        capture.on = False
        print("\nStatements sent for one list_products call (shop scope included):")
        for query, args in capture.statements:
            print(f"  {' '.join(query.split())[:150]}  args={list(args)[:6]}"
                  f"{' …' if len(args) > 6 else ''}")

        async def product_query(tenant_id: int, **kwargs) -> tuple[str, tuple]:
            capture.statements.clear()
            capture.on = True
            async with db.shop_scope(tenant_id):
                await list_products(tenant_id, **kwargs)
            capture.on = False
            return next((q, args) for q, args in capture.statements
                        if q.lstrip().upper().startswith("SELECT") and '"product"' in q
                        and "price_min" in q)

        conn = await asyncpg.connect(app_url)
        try:
            live = "status = 'published' AND deleted_at IS NULL"
            for name, target in (("shop-big", big), ("shop-small", small)):
                async with conn.transaction():
                    await conn.execute(
                        f"SELECT set_config('galleria.tenant', '{target.id}', true)")
                    count = await conn.fetchval(
                        f"SELECT count(*) FROM product WHERE tenant = $1 AND {live}", target.id)
                    deep = int(count * 0.75)
                    by_id = await conn.fetchrow(
                        f"SELECT id FROM product WHERE tenant = $1 AND {live} "
                        "ORDER BY id DESC OFFSET $2 LIMIT 1", target.id, deep)
                    by_price = await conn.fetchrow(
                        f"SELECT id, price_min FROM product WHERE tenant = $1 AND {live} "
                        "ORDER BY price_min, id OFFSET $2 LIMIT 1", target.id, deep)
                cases = [
                    ("first page", {}),
                    (f"deep page (after row {deep:,})",
                     {"after": {"v": by_id["id"], "id": by_id["id"]}}),
                    (f"price_asc deep page (after row {deep:,})",
                     {"sort": "price_asc",
                      "after": {"v": by_price["price_min"], "id": by_price["id"]}})]
                for label, kwargs in cases:
                    query, args = await product_query(target.id, limit=25, **kwargs)
                    async with conn.transaction():
                        await conn.execute(
                            f"SELECT set_config('galleria.tenant', '{target.id}', true)")
                        plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + query, *args)
                    print(f"\nEXPLAIN ANALYZE, {name} ({count:,} published), {label}:")
                    print(f"  {' '.join(query.split())}  args={list(args)}")
                    for row in plan:
                        print("   ", row[0])
                    if "price_asc" not in label:
                        continue
                    for form, condition in CURSOR_FORMS.items():
                        async with conn.transaction():
                            await conn.execute(
                                f"SELECT set_config('galleria.tenant', '{target.id}', true)")
                            sql = CURSOR_QUERY.format(condition=condition)
                            cursor_args = (target.id, "published", by_price["price_min"],
                                           by_price["id"])
                            plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql,
                                                    *cursor_args)
                            same = (await conn.fetch(sql, *cursor_args)) == (
                                await conn.fetch(query, *args))[:25]
                        lines = [r[0] for r in plan]
                        scan = next((x.strip() for x in lines if "Index Cond" in x), "")
                        removed = next((x.strip() for x in lines if "Removed by Filter" in x),
                                       "Rows Removed by Filter: 0")
                        buffers = next(x.strip() for x in lines if "Buffers" in x)
                        print(f"    {form}: {lines[-1].strip()}; {buffers}; {removed}; "
                              f"{scan}; same rows: {same}")

            print(f"\nSearch in shop-big, q={a.q}: the statements matching_product_ids and "
                  "list_products send, each with EXPLAIN ANALYZE")
            capture.statements.clear()
            capture.on = True
            async with db.shop_scope(big.id):
                found = await list_products(big.id, q=a.q, limit=25)
            capture.on = False
            print(f"  ({len(found)} items on the first page)")
            for query, args in capture.statements:
                if not query.lstrip().upper().startswith("SELECT ALL"):
                    continue
                async with conn.transaction():
                    await conn.execute(f"SELECT set_config('galleria.tenant', '{big.id}', true)")
                    plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + query, *args)
                print(f"  {' '.join(query.split())[:200]}  ({len(args)} parameters)")
                for row in plan:
                    print("   ", row[0][:200])
        finally:
            await conn.close()
        await compare_search(conn_url=app_url, big=big, shop=shop, queries=[
            a.q, "有机", "猕猴桃", "有机牛奶"])
    finally:
        await runtime.close()


async def compare_search(conn_url: str, big, shop, queries: list[str]) -> None:
    """The API's first search page against the truth, and the two proposed statements."""
    import asyncpg

    from galleria.kernel import db
    from galleria.kernel.catalog.search import _RUN_RE, normalise, query_terms
    from galleria.kernel.catalog.service import list_products

    async def timed(conn, sql, *args) -> tuple[list[int], float, str]:
        await conn.fetch(sql, *args)
        started = time.perf_counter()
        ids = [r["id"] for r in await conn.fetch(sql, *args)]
        ms = (time.perf_counter() - started) * 1000
        plan = [r[0] for r in await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)]
        buffers = next(x.strip() for x in plan if "Buffers" in x)
        return ids, ms, buffers

    print("\nSearch: the API's first page against the newest matching products, and two "
          "one-statement forms (as the app role, inside the shop scope)")
    conn = await asyncpg.connect(conn_url)
    try:
        for target in (big, shop):
            for q in queries:
                exact, _ = query_terms(q)
                needles = [f"%{n}%" for n in _RUN_RE.findall(normalise(q))]
                started = time.process_time()
                async with db.shop_scope(target.id):
                    api = [r["id"] for r in await list_products(target.id, q=q, limit=25)]
                api_ms = (time.process_time() - started) * 1000
                async with conn.transaction():
                    await conn.execute(
                        f"SELECT set_config('galleria.tenant', '{target.id}', true)")
                    truth = [r["id"] for r in await conn.fetch(SEARCH_TRUTH, target.id,
                                                                needles)]
                    counts = {t: await conn.fetchval(
                        "SELECT count(*) FROM search_term WHERE tenant = $1 AND term = $2",
                        target.id, t) for t in exact}
                    in_sql = await timed(conn, SEARCH_IN_SQL, target.id, needles,
                                         sorted(exact))
                    rarest = min(exact, key=lambda t: counts[t]) if exact else None
                    commonest = max(exact, key=lambda t: counts[t]) if exact else None
                    by_rarest = await timed(conn, SEARCH_BY_TERM, target.id, needles, rarest)
                    by_commonest = await timed(conn, SEARCH_BY_TERM, target.id, needles,
                                               commonest)
                newest = truth[:25]
                print(f"  {target.slug} q={q}: {len(truth):,} matching; terms "
                      f"{dict(sorted(counts.items()))}")
                print(f"    API (list_products): first page is the newest matches: "
                      f"{api == newest} ({api_ms:.1f} ms CPU in this process)")
                for label, (ids, ms, buffers) in (
                        ("(1) intersection in SQL", in_sql),
                        (f"(2) walk the rarest term {rarest} newest first", by_rarest),
                        (f"(2) walk the commonest term {commonest} newest first",
                         by_commonest)):
                    print(f"    {label}: same: {ids == newest}; {ms:.2f} ms; {buffers}")
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
