"""Where one hot request spends its CPU: profiled in process, one request at a time.

    .venv/bin/python bench/request_profile.py                 # PostgreSQL (fresh database)
    .venv/bin/python bench/request_profile.py --sqlite        # the embedded database
    .venv/bin/python bench/request_profile.py -n 300 --top 25 --only listing,place_order

Creates a fresh database, migrates it, builds the app (`galleria.web.app.create_app`) in this
process as the app role and opens the bench shop (`bench_shop.py`: products, the shipping
plugin, a 满减 tier and a coupon). Then, for each hot request, after a warm-up, it calls the
ASGI app directly (no HTTP client, no socket: only the server's own work is measured) and
prints

* CPU ms per request (`time.process_time`, this process only) and the database round trips
  per request (statements sent through asyncpg / sqlite, BEGIN and COMMIT included);
* cProfile's self time grouped by where the code lives (litestar = routing, middleware,
  DI and encoding; piccolo = building queries and rows; asyncpg = the driver; galleria.* =
  our own code; logging; pluggy = hook calls; jinja2 …), as a share of the request;
* the cumulative time of the steps we care about (host → shop, sessions, shop scope,
  outbox writes, hook calls, JSON encoding), and the top functions by self time.

The figures are CPU of the app code alone; the database's own CPU is in checkout_bench.py.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asgi_client
import bench_shop
from catalog_bench import Database

REQUESTS = ("healthz", "listing", "detail", "search", "product_page", "cart_add",
            "preview", "place_order")
# Not in the default run (it enables marketing_campaigns in the bench shop): `--only
# sold_out` — a late buyer of a sold-out flash sale, refused with 409.
EXTRA_REQUESTS = ("sold_out",)

# Steps whose cumulative time the report shows: (label, file part, function name).
STEPS = [
    ("middleware: request context", "web/context.py", "handle"),
    ("host → shop (resolve_host)", "tenancy/shops.py", "resolve_host"),
    ("sessions (middleware)", "web/sessions.py", ""),
    ("staff session check", "web/staff_sessions.py", "handle"),
    ("caching middleware", "web/caching.py", "handle"),
    ("input guard", "web/bad_input.py", ""),
    ("shop scope (BEGIN/RLS/COMMIT)", "kernel/db.py", "shop_scope"),
    ("enabled plugins lookup", "tenancy/plugin_state.py", "enabled_plugins"),
    ("plugin settings lookup", "tenancy/plugin_state.py", "plugin_settings"),
    ("outbox writes (emit)", "kernel/events.py", "emit"),
    ("hook calls (pluggy)", "pluggy/_hooks.py", "__call__"),
    ("piccolo: run a query", "piccolo/query/base.py", "run"),
    ("piccolo: build SQL (querystrings)", "piccolo/query/base.py", "querystrings"),
    ("asyncpg: send/receive", "asyncpg/connection.py", "fetch"),
    ("JSON encoding (litestar serialize)", "litestar/serialization", "encode_json"),
    ("access log line", "logging/__init__.py", "info"),
    ("Jinja render", "jinja2/environment.py", "render_async"),
]


def group_of(filename: str) -> str:
    f = filename.replace("\\", "/")
    for marker, name in (("/litestar/", "litestar"), ("/piccolo/", "piccolo"),
                         ("/asyncpg/", "asyncpg"), ("/aiosqlite/", "sqlite driver"),
                         ("/pluggy/", "pluggy (hooks)"), ("/jinja2/", "jinja2"),
                         ("/babel/", "babel"), ("/msgspec/", "msgspec"),
                         ("/logging/", "logging"), ("/json/", "json"),
                         ("/asyncio/", "asyncio"), ("/platform/web/", "galleria.web"),
                         ("/platform/kernel/", "galleria.kernel"),
                         ("/platform/auth/", "galleria.auth"), ("/plugins/", "plugins"),
                         ("/redis/", "redis client")):
        if marker in f:
            return name
    if f.startswith("<") or f == "~":
        return "builtins (C)"
    return "other Python"


@dataclass
class Figures:
    name: str
    n: int
    cpu_ms: float
    queries: float
    groups: dict[str, float]
    steps: dict[str, float]
    top: list[tuple[str, float, int]]


def analyse(name: str, prof: cProfile.Profile, n: int, cpu_s: float, queries: int,
            top: int) -> Figures:
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values()) or 1e-9  # tottime sum
    groups: dict[str, float] = defaultdict(float)
    for (filename, _line, _func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        groups[group_of(filename)] += tt
    steps: dict[str, float] = {}
    root = 1e-9
    for (filename, _line, fn), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if filename.endswith("asgi_client.py") and fn == "call":
            root = ct
    for label, part, func in STEPS:
        best = 0.0
        for (filename, _line, fn), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if part in filename.replace("\\", "/") and (not func or fn == func):
                best = max(best, ct) if func else best + ct
        steps[label] = min(best / root, 1.0)  # share of the request (cumulative)
    scale = cpu_s / total
    tops = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    return Figures(
        name, n, cpu_s / n * 1000, queries / n,
        {g: v / total for g, v in sorted(groups.items(), key=lambda kv: -kv[1])},
        steps,
        [(f"{Path(k[0]).parent.name}/{Path(k[0]).name}:{k[1]} {k[2]}", v[2] * scale / n * 1000,
          v[1] // n) for k, v in tops])


async def profile_all(app, shop: bench_shop.BenchShop, names: list[str], n: int, top: int,
                      counter: type[asgi_client.QueryCounter],
                      rounds: int = 5, burst: int = 1) -> list[Figures]:
    calls = bench_shop.request_makers(shop)
    if burst > 1:  # `burst` requests at once, as a flash sale's buyers come
        calls = {name: _bursting(make, burst) for name, make in calls.items()}
        n = max(1, n // burst)
    out = []
    for name in names:
        make = calls[name]
        for _ in range(max(20, n // 5)):  # warm-up: caches, pools, JIT-free but lazy imports
            await make(app)
        prof = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
        counter.count = 0
        cpu0 = time.process_time()
        prof.enable()
        for _ in range(n):
            await make(app)
        prof.disable()
        cpu = time.process_time() - cpu0
        out.append(analyse(name, prof, n * burst, cpu, counter.count, top))
    # The same requests without the profiler (its overhead inflates Python-heavy code), in
    # rounds that take turns between the kinds; the least of the rounds is the figure: other
    # work on a shared machine only ever adds CPU time (cache misses, shared cores).
    best = {fig.name: float("inf") for fig in out}
    for _ in range(rounds):
        for fig in out:
            make = calls[fig.name]
            cpu0 = time.process_time()
            for _ in range(max(1, n // rounds)):
                await make(app)
            best[fig.name] = min(best[fig.name], (time.process_time() - cpu0)
                                 / (max(1, n // rounds) * burst) * 1000)
    for fig in out:
        fig.cpu_ms = best[fig.name]
    return out


def _bursting(make, burst: int):
    ready = []

    async def together(app):
        if not ready:  # its set-up (a sale sold out…) once, alone
            await make(app)
            ready.append(True)
        await asyncio.gather(*(make(app) for _ in range(burst)))
    return together


def _toggle_piccolo_speed(on: bool) -> None:
    from piccolo.columns.column_types import ForeignKey

    from galleria.kernel import piccolo_speed

    ForeignKey.__getattribute__ = (piccolo_speed._getattribute if on  # type: ignore
                                   else piccolo_speed._original)


def _toggle_pool_reset(on: bool) -> None:
    from galleria.kernel import db

    pool = db.database().engine.pool
    if pool is not None:
        pool._reset = db.keep_session if on else None  # None: asyncpg's full reset query


_admission = None


def _toggle_admission(on: bool) -> None:
    """The flash-sale gate before the order's transaction (`--only sold_out`)."""
    global _admission
    from contextlib import nullcontext

    from galleria.web.api import shop_orders

    if _admission is None:
        _admission = shop_orders.admission

    def admit_all(*_args, **_kwargs):
        return nullcontext()

    shop_orders.admission = _admission if on else admit_all


_cart_read = None


def _toggle_cart_read(on: bool) -> None:
    """Admission's cart read in one statement (kernel_0017) or, off, in a shop scope
    (BEGIN, RLS setting, SELECT, COMMIT) as before (`--only sold_out`)."""
    global _cart_read
    from galleria.kernel import db
    from galleria.kernel.checkout import admission
    from galleria.kernel.checkout.tables import Cart

    if _cart_read is None:
        _cart_read = admission._Lookup._read

    async def scoped(self):
        async with db.shop_scope(self.tenant_id):
            return await Cart.raw(admission._WANTED, self.tenant_id, self.cart_token)

    admission._Lookup._read = _cart_read if on else scoped


_translations = None


def _toggle_catalog_cache(on: bool) -> None:
    """A plugin catalog kept per locale, or (off) its file found again per message."""
    global _translations
    from galleria.kernel.catalogs import PluginCatalog, compile_po

    if _translations is None:
        _translations = PluginCatalog.translations

    def found_again(self, locale):
        path = self.locale_dir / locale / "LC_MESSAGES" / f"{self.domain}.po"
        return compile_po(path, locale, self.domain)

    PluginCatalog.translations = _translations if on else found_again


_scope_transaction = None


def _toggle_begin_setting(on: bool) -> None:
    """A request's shop scope: BEGIN and the shop setting in one message (off: BEGIN, then
    the setting with the shop's cache token, two round trips as before)."""
    global _scope_transaction
    from galleria.kernel import db

    if _scope_transaction is None:
        _scope_transaction = db._scope_transaction

    def two_round_trips(database, tenant_id, memo):
        if not database.is_postgres:
            return database.transaction()
        return db._TokenScope(database.engine, tenant_id, memo)

    db._scope_transaction = _scope_transaction if on else two_round_trips


# Cuts that can be switched off in this process to measure before/after in one run.
CUTS = {"piccolo_speed": _toggle_piccolo_speed, "pool_reset": _toggle_pool_reset,
        "admission": _toggle_admission, "begin_setting": _toggle_begin_setting,
        "cart_read": _toggle_cart_read, "catalog_cache": _toggle_catalog_cache,
        "refusal": lambda on: (_toggle_cart_read(on), _toggle_catalog_cache(on))}


async def compare(app, shop: bench_shop.BenchShop, names: list[str], n: int, cut: str,
                  rounds: int = 7) -> None:
    """CPU ms per request with the cut off and on, taking turns; the least of the rounds."""
    calls = bench_shop.request_makers(shop)
    best = {(name, on): float("inf") for name in names for on in (False, True)}
    sent = {(name, on): 0.0 for name in names for on in (False, True)}
    per = max(1, n // rounds)
    counter = asgi_client.QueryCounter
    for _ in range(rounds):
        for on in (False, True):
            CUTS[cut](on)
            for name in names:
                make = calls[name]
                counter.count = 0
                cpu0 = time.process_time()
                for _ in range(per):
                    await make(app)
                best[name, on] = min(best[name, on], (time.process_time() - cpu0) / per * 1000)
                sent[name, on] = counter.count / per
    CUTS[cut](True)
    print(f"\nCut {cut}: CPU ms per request without → with (least of {rounds} rounds of {per})"
          ", statements per request")
    for name in names:
        off, on = best[name, False], best[name, True]
        print(f"  {name:<14} {off:>7.2f} → {on:>7.2f}  ({(on - off) / off * 100:+.0f}%)"
              f"   statements {sent[name, False]:.1f} → {sent[name, True]:.1f}")


def report(figs: list[Figures], db_kind: str, top: int) -> None:
    print(f"\nRequest profile — {db_kind}, in process, one request at a time "
          f"({figs[0].n if figs else 0} per request kind)\n")
    print(f"{'request':<14} {'CPU ms':>8} {'÷healthz':>9} {'queries':>8}")
    base = figs[0].cpu_ms if figs and figs[0].name == "healthz" else None
    for f in figs:
        ratio = f"{f.cpu_ms / base:>9.1f}" if base else f"{'':>9}"
        print(f"{f.name:<14} {f.cpu_ms:>8.2f} {ratio} {f.queries:>8.1f}")
    for f in figs:
        print(f"\n== {f.name}: {f.cpu_ms:.2f} ms CPU, {f.queries:.1f} queries per request")
        print("  self time by package: " + ", ".join(
            f"{g} {share * 100:.0f}%" for g, share in f.groups.items() if share >= 0.01))
        print("  steps (share of the request, cumulative; middleware nest, so an outer one "
              "holds the inner ones):")
        for label, share in f.steps.items():
            if share >= 0.005:
                print(f"    {label:<40} {share * 100:>5.1f}%  ~{share * f.cpu_ms:.2f} ms")
        print(f"  top {top} functions by self time (ms per request, calls per request):")
        for where, ms, calls in f.top:
            print(f"    {ms:>7.3f} {calls:>5}  {where}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=200, help="requests per kind (200)")
    p.add_argument("--top", type=int, default=12)
    p.add_argument("--only", default="",
                   help="comma-separated: " + ",".join(REQUESTS + EXTRA_REQUESTS))
    p.add_argument("--sqlite", action="store_true")
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--redis", help="GALLERIA_REDIS_URL for the app (default: none; the "
                   "flash-sale gate then reads the database)")
    p.add_argument("--burst", type=int, default=1,
                   help="send the requests this many at once (a flash sale: --only sold_out "
                        "--burst 500); figures are per request")
    p.add_argument("--sql", action="store_true",
                   help="print the statements one request of each kind sends")
    p.add_argument("--compare", choices=sorted(CUTS),
                   help="measure before/after of one cut instead of profiling")
    a = p.parse_args(argv)
    names = [x for x in (a.only.split(",") if a.only else REQUESTS) if x]
    workdir = Path(tempfile.mkdtemp(prefix="galleria-profile-"))
    cfg = bench_shop.DbConfig(sqlite=a.sqlite)
    db = Database(cfg, workdir)  # type: ignore[arg-type]
    try:
        asyncio.run(db.create())
        asyncio.run(db.migrate())
        env = db.settings_env()
        env.pop("GALLERIA_ADMIN_DATABASE_URL", None)
        if a.redis:
            env["GALLERIA_REDIS_URL"] = a.redis

        async def run() -> list[Figures]:
            from galleria.settings import Settings
            from galleria.web.app import create_app

            os.environ.update(env)
            app = create_app(Settings.from_env(env), embedded_worker=False)
            counter = asgi_client.QueryCounter.install()
            async with app.lifespan():
                shop = await bench_shop.open_shop(asgi_client.AsgiHttp(app), db, products=20)
                if a.sql:
                    calls = bench_shop.request_makers(shop)
                    for name in names:
                        await calls[name](app)
                        counter.statements = []
                        await calls[name](app)
                        print(f"\n== {name}: {len(counter.statements)} statements")
                        for sql in counter.statements:
                            print("   ", sql)
                        counter.statements = None
                    return []
                if a.compare:
                    await compare(app, shop, names, a.n, a.compare)
                    return []
                return await profile_all(app, shop, names, a.n, a.top, counter,
                                         burst=a.burst)

        figs = asyncio.run(run())
        if not figs:
            return 0
        report(figs, "SQLite" if a.sqlite else "PostgreSQL", a.top)
        if a.json:
            Path(a.json).write_text(json.dumps([f.__dict__ for f in figs], indent=1,
                                               ensure_ascii=False))
    finally:
        asyncio.run(db.drop())
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
