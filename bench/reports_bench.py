"""The reports benchmark (issue 18, item 5): a 30-day overview of a 100,000-order shop.

    .venv/bin/python bench/reports_bench.py --quick     # 10,000 orders: well under a minute
    .venv/bin/python bench/reports_bench.py             # 100,000 orders (plus 20 other shops)

On PostgreSQL (GALLERIA_BENCH_PG, default postgresql://postgres@127.0.0.1:5432): creates a
fresh database `galleria_bench_reports_<pid>`, migrates it as `postgres` (which sets up the
app role `galleria_app`, subject to row-level security), inserts the orders with one bulk
`INSERT … SELECT generate_series` per shop (a year of orders: 10% cancelled unpaid, 5% partly
refunded, a third from guests), rebuilds the rollups with `reports.rollups.rebuild` (timed),
then runs the overview of the last 30 days (`reports.overview.overview`, as the dashboard
and `GET /api/admin/v1/reports/overview` do) in-process as the app role, and prints p50/p95
and the ratio of p50 to the 100 ms ceiling. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time

PG_SERVER = os.environ.get("GALLERIA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
APP_ROLE = "galleria_app"
CEILING_MS = 100.0
OVERVIEW = "reports: 30-day overview p50 ms (100,000-order shop)"
FIGURES: dict[str, float] = {}  # what bench/run.py reads after main()

ORDERS_SQL = """
INSERT INTO shop_order (tenant, number, status, currency, access_token_hash, customer, subtotal,
                        total, refunded_total, created_at, updated_at, paid_at)
SELECT $1, lpad(g::text, 12, '0'),
       CASE WHEN g % 10 = 0 THEN 'cancelled' ELSE 'completed' END, 'CNY', md5(g::text),
       CASE WHEN g % 3 = 0 THEN NULL ELSE g % 5000 END,
       1000 + (g % 50) * 100, 1000 + (g % 50) * 100,
       CASE WHEN g % 20 = 1 THEN 500 ELSE 0 END,
       now() - make_interval(secs => g * (365 * 86400.0 / $2)),
       now() - make_interval(secs => g * (365 * 86400.0 / $2)),
       CASE WHEN g % 10 = 0 THEN NULL
            ELSE now() - make_interval(secs => g * (365 * 86400.0 / $2) - 300) END
FROM generate_series(1, $2) AS g
"""


def log(message: str) -> None:
    print(message, flush=True)


async def run(orders: int, others: int, runs: int) -> bool:
    import asyncpg

    from galleria.kernel.plugins import PluginHost
    from galleria.migrations import migrate
    from galleria.settings import Settings

    name = f"galleria_bench_reports_{os.getpid()}"
    server = await asyncpg.connect(f"{PG_SERVER}/postgres")
    await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await server.execute(f'CREATE DATABASE "{name}"')
    try:
        host_part = PG_SERVER.split("@", 1)[1]
        env = {"GALLERIA_DATABASE_URL": f"postgresql://{APP_ROLE}@{host_part}/{name}",
               "GALLERIA_ADMIN_DATABASE_URL": f"{PG_SERVER}/{name}",
               "GALLERIA_SECRET_KEY": "bench-secret-key-" + "x" * 40}
        settings = Settings.from_env(env)
        host = PluginHost()
        host.load_entry_points()
        await migrate(settings, host)
        admin = await asyncpg.connect(f"{PG_SERVER}/{name}")
        started = time.perf_counter()
        big = await admin.fetchval("INSERT INTO tenant (slug, name) VALUES ('shop-big', 'Big') "
                                   "RETURNING id")
        await admin.execute(ORDERS_SQL, big, orders)
        for n in range(others):  # other shops' orders share the table and its indexes
            other = await admin.fetchval(
                "INSERT INTO tenant (slug, name) VALUES ($1, $1) RETURNING id", f"shop-{n}")
            await admin.execute(ORDERS_SQL, other, max(orders // 20, 100))
        await admin.execute("ANALYZE")
        await admin.close()
        log(f"loaded {orders:,} orders in shop-big and {others} other shops "
            f"in {time.perf_counter() - started:.1f} s")
        return await measure(settings, big, runs)
    finally:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.close()


async def measure(settings, tenant_id: int, runs: int) -> bool:
    from galleria.kernel.reports.overview import overview
    from galleria.kernel.reports.periods import local_day, period_for, zone_of
    from galleria.kernel.reports.rollups import rebuild
    from galleria.runtime import Runtime

    runtime = Runtime.build(settings)
    await runtime.open()
    try:
        started = time.perf_counter()
        days = await rebuild(tenant_id)
        log(f"rebuilt the rollups: {days} days in {time.perf_counter() - started:.2f} s")
        zone = zone_of("Asia/Shanghai")
        period = period_for("30d", None, None, local_day(dt.datetime.now(dt.UTC), zone))
        first = await overview(tenant_id, "Asia/Shanghai", period)
        figures = first["current"]
        log(f"30-day overview: {figures['paid_orders']:,} paid orders, sales "
            f"{figures['sales'] / 100:,.2f} yuan, {figures['paying_customers']:,} customers")
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            await overview(tenant_id, "Asia/Shanghai", period)
            timings.append((time.perf_counter() - began) * 1000)
    finally:
        await runtime.close()
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 20 else max(timings)
    ok = p50 <= CEILING_MS
    FIGURES[OVERVIEW] = round(p50, 2)
    FIGURES["30-day overview p95 ms"] = round(p95, 2)
    log(f"{'measurement':<34} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>7}")
    log(f"{'30-day overview (with previous)':<34} {runs:>5} {p50:>8.2f} {p95:>8.2f} "
        f"{p50 / CEILING_MS:>7.2f}  {'ok' if ok else 'OVER'} (ceiling {CEILING_MS:.0f} ms p50)")
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="10,000 orders, 2 other shops")
    p.add_argument("--orders", type=int, default=None)
    p.add_argument("--others", type=int, default=None)
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--strict", action="store_true", help="exit 1 when p50 is over 100 ms")
    a = p.parse_args(argv)
    orders = a.orders or (10_000 if a.quick else 100_000)
    others = a.others if a.others is not None else (2 if a.quick else 20)
    ok = asyncio.run(run(orders, others, a.runs))
    return 1 if a.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
