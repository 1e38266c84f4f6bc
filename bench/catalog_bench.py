"""The catalog benchmark: many shops with many products, served by the real app.

    .venv/bin/python bench/catalog_bench.py --quick      # ~2 minutes, to try it out
    .venv/bin/python bench/catalog_bench.py              # 1,000 shops x 1,000 products

Creates a fresh PostgreSQL database (or, with --sqlite, an SQLite file), migrates it with
`galleria.migrations.migrate`, bulk-loads generated shops (bench/catalog_data.py) plus one big
and one small shop, starts `uvicorn galleria.web.asgi:app` on 127.0.0.1 as the app role, and
measures requests/s and latency with a bounded local load generator (wrk, else httpx):
/healthz (the baseline), storefront listing, product detail and search on random shops,
and listing latency of the big shop against the small one (first and a deep page). Prints a
table and the ratios against their limits. Stops the server and drops the database at the
end (keep it with --keep-db; measure an existing one again with --reuse-db NAME).
See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalog_data as data
import cpu
import loadgen

PG_SERVER = os.environ.get("GALLERIA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
APP_ROLE = "galleria_app"
SECRET = "bench-secret-key-" + "x" * 40
DOMAIN = "localhost"
REDIS_URL = os.environ.get("GALLERIA_BENCH_REDIS", "redis://127.0.0.1:6379/14")
REPO = Path(__file__).resolve().parents[1]


def log(message: str) -> None:
    print(message, flush=True)


# -- configuration ----------------------------------------------------------------------------

@dataclass
class Config:
    shops: int
    products: int
    big: int
    small: int
    seconds: float
    warmup: float
    connections: int
    latency_connections: int
    workers: int
    client: str
    sqlite: bool
    keep_db: bool
    reuse_db: str | None
    extras: bool
    seed: int
    strict: bool


FIGURES: dict = {}  # the last report's ratios, for bench/run.py
LIMITS = {
    # name: (kind, limit) — "floor": the ratio should be at least the limit; "ceiling": at most.
    # The targets of issue 14 (never lower one).
    "listing rps / hello rps": ("floor", 0.5),
    "detail rps / hello rps": ("floor", 0.5),
    "search rps / hello rps": ("floor", 0.3),
    "big/small p50, listing first page": ("ceiling", 1.2),
    "big/small p50, listing deep page": ("ceiling", 1.2),
    "big/small p50, search (extra)": ("ceiling", 1.2),
    "big/small p50, price_asc deep page (extra)": ("ceiling", 1.2),
}


def parse_args(argv: list[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="20 shops x 200 products, a big shop of 10,000, 8 s per measurement")
    p.add_argument("--sqlite", action="store_true",
                   help="the embedded SQLite database (default sizes: 100 shops x 1,000, "
                        "big shop 50,000)")
    p.add_argument("--shops", type=int, help="ordinary shops (default 1000)")
    p.add_argument("--products", type=int, help="products per ordinary shop (default 1000)")
    p.add_argument("--big", type=int, help="products of shop-big (default 100000)")
    p.add_argument("--small", type=int, default=100, help="products of shop-small (100)")
    p.add_argument("--seconds", type=float, help="seconds per measurement (default 30)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up before each (default 3)")
    p.add_argument("--connections", type=int, default=16,
                   help="concurrent connections for the throughput runs (16)")
    p.add_argument("--latency-connections", type=int, default=4,
                   help="concurrent connections for the big/small shop runs (4)")
    p.add_argument("--workers", type=int, default=2,
                   help="uvicorn worker processes (2; more than 1 uses Redis, as in "
                        "production)")
    p.add_argument("--client", choices=["auto", "wrk", "httpx"], default="auto",
                   help="load generator (auto: wrk when installed)")
    p.add_argument("--extras", action="store_true",
                   help="also big/small search and price-sorted deep page (on by default "
                        "without --quick)")
    p.add_argument("--no-extras", action="store_true")
    p.add_argument("--keep-db", action="store_true", help="do not drop the database")
    p.add_argument("--reuse-db", metavar="NAME",
                   help="measure an existing (kept) database: no create, migrate or load; "
                        "sizes must match the ones it was loaded with")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--strict", action="store_true", help="exit 1 when a ratio misses its limit")
    a = p.parse_args(argv)
    if a.quick:
        sizes = (20, 200, 10_000, 8.0, 1.0)
    elif a.sqlite:
        sizes = (100, 1000, 50_000, 30.0, 3.0)
    else:
        sizes = (1000, 1000, 100_000, 30.0, 3.0)
    return Config(
        shops=a.shops or sizes[0], products=a.products or sizes[1], big=a.big or sizes[2],
        small=a.small, seconds=a.seconds or sizes[3],
        warmup=a.warmup if a.warmup is not None else sizes[4],
        connections=a.connections, latency_connections=a.latency_connections,
        workers=a.workers, client=a.client, sqlite=a.sqlite, keep_db=a.keep_db,
        reuse_db=a.reuse_db, extras=(a.extras or not a.quick) and not a.no_extras,
        seed=a.seed, strict=a.strict)


# -- database ---------------------------------------------------------------------------------

class Database:
    """The benchmark's database: created, migrated, loaded, dropped."""

    def __init__(self, cfg: Config, workdir: Path) -> None:
        self.cfg = cfg
        self.workdir = workdir
        if cfg.sqlite:
            self.name = cfg.reuse_db or str(workdir / "bench.db")
            self.app_url = f"sqlite:///{self.name}"
            self.admin_url = None
        else:
            self.name = cfg.reuse_db or f"galleria_bench_{os.getpid()}"
            self.admin_url = f"{PG_SERVER}/{self.name}"
            parts = urllib.parse.urlsplit(PG_SERVER)
            self.app_url = f"postgresql://{APP_ROLE}@{parts.hostname}:{parts.port or 5432}" \
                           f"/{self.name}"
        self.created = False

    def settings_env(self) -> dict[str, str]:
        env = {"GALLERIA_DATABASE_URL": self.app_url, "GALLERIA_SECRET_KEY": SECRET,
               "GALLERIA_DOMAIN": DOMAIN, "GALLERIA_VAR_DIR": str(self.workdir / "var")}
        if self.admin_url:
            env["GALLERIA_ADMIN_DATABASE_URL"] = self.admin_url
        return env

    def _remove_sqlite_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(self.name + suffix).unlink(missing_ok=True)

    async def create(self) -> None:
        if self.cfg.sqlite:
            self._remove_sqlite_files()
            self.created = True
            return
        import asyncpg

        conn = await asyncpg.connect(f"{PG_SERVER}/postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await conn.close()
        self.created = True

    async def migrate(self) -> None:
        from galleria.kernel.plugins import PluginHost
        from galleria.migrations import migrate
        from galleria.settings import Settings

        host = PluginHost()
        host.load_entry_points()
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output):
                await migrate(Settings.from_env(self.settings_env()), host)
        except BaseException:
            print(output.getvalue())
            raise

    async def load(self, plans: list[data.ShopPlan]) -> dict[str, int]:
        import bulk_load

        if self.cfg.sqlite:
            return await asyncio.to_thread(bulk_load.load_sqlite, self.name, plans,
                                           seed=self.cfg.seed, log=log)
        return await bulk_load.load_postgres(self.admin_url, plans, seed=self.cfg.seed,
                                             log=log)

    async def fetch(self, sql: str, *args) -> list[dict]:
        """Rows of a query as the owner (no row-level security): for building targets."""
        if self.cfg.sqlite:
            import sqlite3

            conn = sqlite3.connect(self.name)
            conn.row_factory = sqlite3.Row
            try:
                sql_lite = sql
                for i in range(len(args), 0, -1):
                    sql_lite = sql_lite.replace(f"${i}", "?")
                return [dict(r) for r in conn.execute(sql_lite, args).fetchall()]
            finally:
                conn.close()
        import asyncpg

        conn = await asyncpg.connect(self.admin_url)
        try:
            return [dict(r) for r in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    def vacuum(self) -> None:
        """VACUUM (ANALYZE) the database, as autovacuum does in production between bursts
        of writes. This machine's PostgreSQL runs with autovacuum off (its CI set-up,
        /etc/postgresql/*/main/conf.d/90-ci.conf): without it the hot rows a checkout run
        updates (stock levels, carts, sequences of numbers) pile up dead versions, and
        each round of a benchmark cost PostgreSQL more than the one before."""
        if self.cfg.sqlite:
            return

        async def run() -> int:
            import asyncpg

            conn = await asyncpg.connect(self.admin_url)
            try:
                await conn.execute("VACUUM (ANALYZE)")
                return await conn.fetchval("SELECT pg_backend_pid()")
            finally:
                await conn.close()

        pid = asyncio.run(run())
        # Gone (reaped) before the next measurement starts: an ended backend's CPU counts
        # where it is reaped (cpu.snapshot), and this one's is the vacuum's.
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.01)

    def backend_pids(self) -> list[int]:
        """PostgreSQL backends serving the app role on this database (none for SQLite)."""
        if self.cfg.sqlite:
            return []

        async def query() -> list[int]:
            rows = await self.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1 "
                                    "AND usename = $2", self.name, APP_ROLE)
            return [r["pid"] for r in rows]

        return asyncio.run(query())

    async def drop(self) -> None:
        if not self.created or self.cfg.keep_db:
            return
        if self.cfg.sqlite:
            self._remove_sqlite_files()
            return
        import asyncpg

        conn = await asyncpg.connect(f"{PG_SERVER}/postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await conn.close()


# -- server -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_up(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return True
    except OSError:
        return False


class Server:
    """`uvicorn galleria.web.asgi:app` in its own process group, as `galleria serve` runs it
    (log level warning, no uvicorn access log, proxy headers)."""

    def __init__(self, env: dict[str, str], workers: int, workdir: Path,
                 app: str = "galleria.web.asgi:app", factory: bool = False) -> None:
        self.app, self.factory = app, factory
        self.port = free_port()
        self.workers = workers
        self.env = env
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GALLERIA_")}
        env.update(self.env)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent)  # bench apps (factory)
        command = [sys.executable, "-m", "uvicorn", self.app, *(["--factory"] * self.factory),
                   "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(self.workers), "--log-level", "warning",
                   "--no-access-log", "--proxy-headers"]
        self.log_file = open(self.log_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=self.log_file,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        import httpx

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited:\n" + self.log_tail())
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz",
                             headers={"host": DOMAIN}, timeout=2).status_code == 200:
                    # every worker must be up: ask a few times more than there are workers
                    time.sleep(1.0 * self.workers)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the server did not answer /healthz in 90 s:\n" + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # uvicorn's supervisor stops its workers
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group this script started
            self.proc.wait(10)
        self.log_file.close()


# -- targets ----------------------------------------------------------------------------------

def host_of(slug: str) -> str:
    return f"{slug}.{DOMAIN}"


def listing_path(q: str = "", cursor: str = "", sort: str = "") -> str:
    params = {"limit": "24"}
    if q:
        params["q"] = q
    if sort:
        params["sort"] = sort
    if cursor:
        params["cursor"] = cursor
    return "/api/v1/products?" + urllib.parse.urlencode(params)


async def cursor_at(db: Database, tenant: int, offset: int, sort: str = "newest") -> str:
    """The cursor the API gives after the row at `offset` of the shop's storefront list (what
    following `next_cursor` page after page reaches; checked against the API below)."""
    from galleria.web.pagination import encode_cursor

    order = "price_min, id" if sort == "price_asc" else "id DESC"
    rows = await db.fetch(
        "SELECT id, price_min FROM product WHERE tenant = $1 AND status = 'published' "
        f"AND deleted_at IS NULL ORDER BY {order} LIMIT 1 OFFSET $2", tenant, offset)
    row = rows[0]
    return encode_cursor({"v": row["price_min"] if sort == "price_asc" else row["id"],
                          "id": row["id"]})


@dataclass
class Targets:
    hello: list[tuple[str, str]]
    listing: list[tuple[str, str]]
    detail: list[tuple[str, str]]
    search: list[tuple[str, str]]
    latency: dict[str, list[tuple[str, str]]]  # big/small runs


async def build_targets(db: Database, cfg: Config, plans: list[data.ShopPlan]) -> Targets:
    rng = random.Random(cfg.seed)
    ordinary = plans[:cfg.shops]
    big, small = plans[cfg.shops], plans[cfg.shops + 1]
    listing = [(host_of(rng.choice(ordinary).slug), listing_path()) for _ in range(5000)]
    search = [(host_of(rng.choice(ordinary).slug), listing_path(q=rng.choice(data.SEARCH_TERMS)))
              for _ in range(5000)]
    # Published, live products of ordinary shops: the shop's block of ids, drawn at random.
    by_tenant = {p.tenant_id: p for p in ordinary}
    sample: list[tuple[int, int]] = []
    while len(sample) < 5000:
        plan = rng.choice(ordinary)
        sample.append((plan.tenant_id, plan.product_id(rng.randrange(plan.products))))
    live = set()
    ids = [pid for _, pid in sample]
    for chunk_start in range(0, len(ids), 1000):
        chunk = ids[chunk_start:chunk_start + 1000]
        marks = ", ".join(str(int(i)) for i in chunk)
        live.update(r["id"] for r in await db.fetch(
            f"SELECT id FROM product WHERE id IN ({marks}) AND status = 'published' "
            "AND deleted_at IS NULL"))
    detail = [(host_of(by_tenant[t].slug), f"/api/v1/products/{pid}")
              for t, pid in sample if pid in live]
    latency = {
        "big, listing first page": [(host_of(big.slug), listing_path())],
        "small, listing first page": [(host_of(small.slug), listing_path())],
        "big, listing deep page": [(host_of(big.slug), listing_path(
            cursor=await cursor_at(db, big.tenant_id, int(big.products * 0.75))))],
        "small, listing deep page": [(host_of(small.slug), listing_path(
            cursor=await cursor_at(db, small.tenant_id, min(72, small.products // 2))))],
    }
    if cfg.extras:
        terms = ["牛奶", "饼干", "苹果", "有机"]
        latency["big, search (extra)"] = [(host_of(big.slug), listing_path(q=t)) for t in terms]
        latency["small, search (extra)"] = [(host_of(small.slug), listing_path(q=t))
                                            for t in terms]
        latency["big, price_asc deep page (extra)"] = [(host_of(big.slug), listing_path(
            sort="price_asc", cursor=await cursor_at(db, big.tenant_id,
                                                     int(big.products * 0.75), "price_asc")))]
        latency["small, price_asc deep page (extra)"] = [(host_of(small.slug), listing_path(
            sort="price_asc", cursor=await cursor_at(db, small.tenant_id,
                                                     min(72, small.products // 2),
                                                     "price_asc")))]
    return Targets(hello=[(DOMAIN, "/healthz")], listing=listing, detail=detail, search=search,
                   latency=latency)


def check_targets(port: int, targets: Targets) -> list[str]:
    """Ask a few of each kind once and check the answers make sense; returns notes."""
    import httpx

    notes: list[str] = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        def get(host: str, path: str) -> dict:
            response = client.get(path, headers={"host": host})
            if response.status_code != 200:
                raise RuntimeError(f"{host}{path}: {response.status_code} {response.text[:300]}")
            return response.json()

        for host, path in targets.listing[:5]:
            body = get(host, path)
            if len(body["items"]) != 24 or not body["next_cursor"]:
                raise RuntimeError(f"{host}{path}: expected a full first page, got {body}")
        for host, path in targets.detail[:5]:
            body = get(host, path)
            if str(body["id"]) != path.rsplit("/", 1)[1] or not body["variants"]:
                raise RuntimeError(f"{host}{path}: unexpected product {body}")
        hits = [len(get(host, path)["items"]) for host, path in targets.search[:40]]
        notes.append(f"search check: {sum(1 for h in hits if h)}/{len(hits)} sampled queries "
                     f"found products, {sum(hits) / len(hits):.1f} items per page on average")
        if not any(hits):
            raise RuntimeError("search found nothing for every sampled query")
        for name, items in targets.latency.items():
            for host, path in items:
                body = get(host, path)
                if not body["items"]:
                    raise RuntimeError(f"{name}: {host}{path} gave no items")
                if "cursor=" in path and "sort=" not in path:
                    cursor = json.loads(__import__("base64").urlsafe_b64decode(
                        urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["cursor"][0]))
                    if body["items"][0]["id"] >= cursor["id"]:
                        raise RuntimeError(f"{name}: the deep page does not follow its cursor")
    return notes


async def search_completeness(port: int, db: Database, plan: data.ShopPlan,
                              queries: list[str]) -> list[str]:
    """Page through the API's search results for the big shop and count them against the
    products whose text holds the query (what `matching_product_ids` promises)."""
    import httpx

    notes = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for q in queries:
            found, cursor, pages = 0, None, 0
            while pages < 1000:
                params = {"q": q, "limit": "100", **({"cursor": cursor} if cursor else {})}
                body = (await client.get("/api/v1/products", params=params,
                                         headers={"host": host_of(plan.slug)})).json()
                found += len(body["items"])
                pages += 1
                cursor = body.get("next_cursor")
                if not cursor:
                    break
            like = "%" + q + "%"
            expected = (await db.fetch(
                "SELECT count(*) AS n FROM product WHERE tenant = $1 AND status = 'published' "
                "AND deleted_at IS NULL AND search_text LIKE $2", plan.tenant_id, like))[0]["n"]
            verdict = "OK" if found == expected else "INCOMPLETE"
            notes.append(f"search completeness, {plan.slug} q={q}: API returned {found:,} of "
                         f"{expected:,} matching products: {verdict}")
    return notes


# -- measuring --------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    connections: int
    result: loadgen.Result
    load: tuple[float, float]
    usage: cpu.Usage

    def per_request(self, seconds: float) -> float:
        return seconds / self.result.requests * 1000 if self.result.requests else 0.0


def measure(server: Server, db: Database, cfg: Config, name: str,
            targets: list[tuple[str, str]], connections: int) -> Row:
    if cfg.warmup > 0:
        loadgen.run(server.port, targets, connections=connections, seconds=cfg.warmup,
                    client=cfg.client)
    load = os.getloadavg()[0]
    before = cpu.snapshot(cpu.process_tree(server.proc.pid), db.backend_pids())
    result = loadgen.run(server.port, targets, connections=connections, seconds=cfg.seconds,
                         client=cfg.client)
    after = cpu.snapshot(cpu.process_tree(server.proc.pid), db.backend_pids())
    row = Row(name, connections, result, (load, os.getloadavg()[0]), cpu.usage(before, after))
    other = row.usage.other / result.seconds if row.usage.other is not None else float("nan")
    log(f"  {name:<42} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
        f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}  CPU/req app "
        f"{row.per_request(row.usage.app):.2f} ms db {row.per_request(row.usage.db):.2f} ms"
        f"  other load {other:.2f} cores")
    return row


def ratio_line(name: str, value: float) -> tuple[str, bool]:
    kind, limit = LIMITS[name]
    ok = value >= limit if kind == "floor" else value <= limit
    verdict = "OK" if ok else ("UNDER" if kind == "floor" else "OVER")
    return f"{name:<44} ratio {value:5.2f} ({kind} {limit:.2f}): {verdict}", ok


def report(rows: dict[str, Row], cfg: Config, client: str, workers: int) -> bool:
    print()
    print(f"Catalog benchmark — {'SQLite' if cfg.sqlite else 'PostgreSQL'}, {cfg.shops:,} "
          f"shops x {cfg.products:,} products + shop-big ({cfg.big:,}) + shop-small "
          f"({cfg.small:,}); uvicorn {workers} worker(s); client {client}; "
          f"{cfg.seconds:g} s per measurement; {os.cpu_count()} CPUs")
    header = (f"{'measurement':<42} {'conns':>5} {'requests':>9} {'req/s':>9} "
              f"{'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'app CPU':>8} {'db CPU':>7} "
              f"{'other':>6}")
    print(header)
    print("-" * len(header))
    for row in rows.values():
        r = row.result
        other = (f"{row.usage.other / r.seconds:6.2f}" if row.usage.other is not None
                 else f"{'-':>6}")
        print(f"{row.name:<42} {row.connections:>5} {r.requests:>9,} {r.rps:>9.1f} "
              f"{r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>6} "
              f"{row.per_request(row.usage.app):>8.2f} {row.per_request(row.usage.db):>7.2f} "
              f"{other}")
    print("app CPU, db CPU: CPU milliseconds per request used by the uvicorn processes and by "
          "the PostgreSQL backends serving them;\nother: CPU cores busy with anything else on "
          "the machine meanwhile (the load generator excluded)")
    if cfg.sqlite:
        print("SQLite runs inside the app processes: its work is counted in app CPU")
    print()
    hello = rows["(a) hello: /healthz"].result.rps
    ratios = [
        ("listing rps / hello rps", rows["(b) listing, random shops"].result.rps / hello),
        ("detail rps / hello rps", rows["(c) detail, random shops"].result.rps / hello),
        ("search rps / hello rps", rows["(d) search, random shops"].result.rps / hello),
    ]
    for label, big, small in (
            ("big/small p50, listing first page", "big, listing first page",
             "small, listing first page"),
            ("big/small p50, listing deep page", "big, listing deep page",
             "small, listing deep page"),
            ("big/small p50, search (extra)", "big, search (extra)", "small, search (extra)"),
            ("big/small p50, price_asc deep page (extra)", "big, price_asc deep page (extra)",
             "small, price_asc deep page (extra)")):
        key_big, key_small = f"(e) {big}", f"(e) {small}"
        if key_big in rows and key_small in rows:
            ratios.append((label, rows[key_big].result.p50_ms / rows[key_small].result.p50_ms))
    FIGURES.clear()
    FIGURES.update(ratios)
    FIGURES["other load, cores (max)"] = max(
        [r.usage.other / r.result.seconds for r in rows.values() if r.usage.other is not None]
        or [0.0])
    FIGURES["app CPU ms per read / per hello"] = (
        rows["(b) listing, random shops"].per_request(rows["(b) listing, random shops"].usage.app),
        rows["(a) hello: /healthz"].per_request(rows["(a) hello: /healthz"].usage.app))
    all_ok = True
    for label, value in ratios:
        line, ok = ratio_line(label, value)
        all_ok &= ok
        print(line)
    errors = sum(r.result.errors for r in rows.values())
    if errors:
        print(f"WARNING: {errors} requests failed (non-2xx answers or socket errors)")
    busy = [r.usage.other / r.result.seconds for r in rows.values()
            if r.usage.other is not None]
    if busy and max(busy) > 0.25:
        print(f"NOTE: other work kept up to {max(busy):.2f} of {os.cpu_count()} CPUs busy "
              "during some measurements: those figures are lower than on a quiet machine")
    return all_ok and not errors


# -- main -------------------------------------------------------------------------------------

async def prepare(db: Database, cfg: Config, plans: list[data.ShopPlan]) -> None:
    if cfg.reuse_db:
        log(f"reusing database {db.name}")
        return
    started = time.perf_counter()
    await db.create()
    await db.migrate()
    log(f"created and migrated {db.name} ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    total = sum(p.products for p in plans)
    log(f"loading {len(plans):,} shops, {total:,} products ...")
    counts = await db.load(plans)
    log(f"loaded in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{t} {n:,}" for t, n in counts.items()))


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    client = loadgen.client_name(cfg.client)
    if client == "wrk" and not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk), use --client httpx")
    workers = cfg.workers
    if workers > 1 and not redis_up(REDIS_URL):
        log(f"Redis at {REDIS_URL} does not answer: using 1 worker (several need Redis)")
        workers = 1
    if client == "httpx":
        log("client httpx: it shares the CPUs with the server; wrk disturbs the figures less")
    plans = data.plan_shops(cfg.shops, cfg.products, cfg.big, cfg.small)
    workdir = Path(tempfile.mkdtemp(prefix="galleria-bench-"))
    db = Database(cfg, workdir)
    server: Server | None = None

    def on_term(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    ok = False
    started = time.perf_counter()
    try:
        asyncio.run(prepare(db, cfg, plans))
        env = db.settings_env()
        env.pop("GALLERIA_ADMIN_DATABASE_URL", None)  # the server is the app role only
        if workers > 1:
            env["GALLERIA_REDIS_URL"] = REDIS_URL
        server = Server(env, workers, workdir)
        server.start()
        log(f"serving on 127.0.0.1:{server.port} with {workers} uvicorn worker(s)")
        targets = asyncio.run(build_targets(db, cfg, plans))
        for note in check_targets(server.port, targets):
            log(note)
        log(f"measuring: {cfg.seconds:g} s each after {cfg.warmup:g} s of warm-up, "
            f"client {client}")
        rows: dict[str, Row] = {}
        for name, items, conns in (
                ("(a) hello: /healthz", targets.hello, cfg.connections),
                ("(b) listing, random shops", targets.listing, cfg.connections),
                ("(c) detail, random shops", targets.detail, cfg.connections),
                ("(d) search, random shops", targets.search, cfg.connections)):
            rows[name] = measure(server, db, cfg, name, items, conns)
        for name, items in targets.latency.items():
            rows[f"(e) {name}"] = measure(server, db, cfg, f"(e) {name}", items,
                                          cfg.latency_connections)
        if cfg.extras:
            big = plans[cfg.shops]
            for note in asyncio.run(search_completeness(server.port, db, big,
                                                        ["牛奶", "有机", "有机牛奶"])):
                log(note)
        ok = report(rows, cfg, client, workers)
    except KeyboardInterrupt:
        log("interrupted")
    finally:
        if server is not None:
            server.stop()
            if server.proc is not None and server.proc.returncode not in (0, -15, None):
                log("server log:\n" + server.log_tail())
        asyncio.run(db.drop())
        if not cfg.keep_db:
            shutil.rmtree(workdir, ignore_errors=True)
        elif db.created:
            log(f"kept database {db.name} (work files in {workdir})")
        log(f"done in {time.perf_counter() - started:.0f} s")
    return 1 if (cfg.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
