"""The checkout benchmark: the whole shopper flow over HTTP against the real app.

    .venv/bin/python bench/checkout_bench.py --quick     # ~1 minute, to try it out
    .venv/bin/python bench/checkout_bench.py             # 30 s per measurement

Creates a fresh PostgreSQL database, migrates it, starts `uvicorn galleria.web.asgi:app` as
the app role (2 workers with Redis, as in production), opens a shop through the platform
API and adds products through the admin API. Then 32 concurrent shoppers each loop through
create cart → add item → checkout preview → place order, first on plentiful stock (the
throughput run), then all on one SKU with little stock until it sells out (the contention
run). `/healthz` is measured in the same run with the same client and concurrency. Prints
orders/s, p50/p99 per step and end to end, the ratio to hello-world, and the oversold units
(reserved + sold beyond the stock, and reservations without an order: both must be 0).
Stops the server and drops the database at the end. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu
import loadgen
from catalog_bench import DOMAIN, REDIS_URL, Database, Server, redis_up

STEPS = ("cart", "add item", "preview", "place order")
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "13800138000"}
PASSWORD = "Bench-Horse-9"
LIMITS = {"orders/s / hello rps": ("floor", 0.02), "oversold units": ("ceiling", 0)}


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Config:
    """What `catalog_bench.Database` reads, plus this benchmark's own settings."""

    seconds: float
    warmup: float
    clients: int
    workers: int
    products: int
    hot_stock: int
    keep_db: bool
    strict: bool
    sqlite: bool = False
    reuse_db: str | None = None
    seed: int = 1


def parse_args(argv: list[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="8 s per measurement, 2 s warm-up")
    p.add_argument("--seconds", type=float, help="seconds per measurement (default 30)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up (default 5)")
    p.add_argument("--clients", type=int, default=32, help="concurrent shoppers (32)")
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers (2, with Redis)")
    p.add_argument("--products", type=int, default=20, help="products with plentiful stock")
    p.add_argument("--hot-stock", type=int, default=200,
                   help="units of the one SKU every shopper wants in the contention run")
    p.add_argument("--keep-db", action="store_true", help="do not drop the database")
    p.add_argument("--strict", action="store_true", help="exit 1 when a limit is missed")
    a = p.parse_args(argv)
    seconds, warmup = (8.0, 2.0) if a.quick else (30.0, 5.0)
    return Config(seconds=a.seconds or seconds,
                  warmup=a.warmup if a.warmup is not None else warmup,
                  clients=a.clients, workers=a.workers, products=a.products,
                  hot_stock=a.hot_stock, keep_db=a.keep_db, strict=a.strict)


# -- the shop ---------------------------------------------------------------------------------
@dataclass
class Shop:
    host: str
    tenant_id: int
    variants: list[int]  # plentiful stock
    hot: int  # little stock
    stock: dict[int, int]  # variant id → units received
    payment_method: str
    shipping_method: str | None


async def open_shop(port: int, cfg: Config, db: Database) -> Shop:
    import httpx

    slug = f"bench-{os.getpid()}"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        answer = await http.post("/api/platform/v1/signup", headers={"host": DOMAIN}, json={
            "shop_name": "Checkout bench", "slug": slug, "email": f"owner@{slug}.example",
            "password": PASSWORD, "template": "blank"})
        answer.raise_for_status()
        host = f"{slug}.{DOMAIN}"
        admin = {"host": host, "authorization": f"Bearer {answer.json()['admin_token']}"}
        stock: dict[int, int] = {}
        variants = []
        for i in range(cfg.products + 1):
            units = cfg.hot_stock if i == cfg.products else 10_000_000
            made = await http.post("/api/admin/v1/products", headers=admin, json={
                "name": f"商品 {i}", "variants": [
                    {"sku": f"SKU-{i}", "price": 990 + 100 * i, "stock": units}]})
            made.raise_for_status()
            variant = made.json()["variants"][0]["id"]
            stock[variant] = units
            variants.append(variant)
        methods = (await http.get("/api/v1/payment-methods", headers={"host": host})).json()
        cart = (await http.post("/api/v1/carts", headers={"host": host})).json()["id"]
        await http.post(f"/api/v1/carts/{cart}/items", headers={"host": host},
                        json={"variant_id": variants[0], "quantity": 1})
        preview = (await http.post("/api/v1/checkout/preview", headers={"host": host},
                                   json={"cart_id": cart, "address": ADDRESS})).json()
    tenant = (await db.fetch("SELECT id FROM tenant WHERE slug = $1", slug))[0]["id"]
    codes = [m["code"] for m in methods.get("items", [])]
    shipping = [o["code"] for o in preview.get("shipping_options", [])]
    return Shop(host, tenant, variants[:-1], variants[-1], stock,
                codes[0] if codes else "cod", shipping[0] if shipping else None)


# -- shoppers ---------------------------------------------------------------------------------
@dataclass
class Tally:
    steps: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    flows: list[float] = field(default_factory=list)  # end to end, placed orders only
    orders: int = 0
    sold_out: int = 0  # 409 answers: the stock ran out (expected in the contention run)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    units: Counter = field(default_factory=Counter)

    def fail(self, what: str) -> None:
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(what[:300])


async def shopper(client, shop: Shop, pick, deadline: float, tally: Tally,
                  stop_when_sold_out: bool) -> None:
    headers = {"host": shop.host}
    while time.perf_counter() < deadline:
        started = time.perf_counter()

        async def step(name: str, path: str, body: dict | None = None):
            t0 = time.perf_counter()
            answer = await client.post(path, json=body, headers=headers)
            tally.steps[name].append(time.perf_counter() - t0)
            return answer

        try:
            made = await step("cart", "/api/v1/carts")
            if made.status_code != 201:
                tally.fail(f"cart {made.status_code} {made.text}")
                continue
            cart = made.json()["id"]
            variant, quantity = pick()
            added = await step("add item", f"/api/v1/carts/{cart}/items",
                               {"variant_id": variant, "quantity": quantity})
            if added.status_code == 409:
                tally.sold_out += 1
                if stop_when_sold_out:
                    return
                continue
            if added.status_code != 200:
                tally.fail(f"add {added.status_code} {added.text}")
                continue
            preview = await step("preview", "/api/v1/checkout/preview",
                                 {"cart_id": cart, "address": ADDRESS})
            if preview.status_code != 200:
                tally.fail(f"preview {preview.status_code} {preview.text}")
                continue
            body = {"cart_id": cart, "contact": CONTACT, "address": ADDRESS,
                    "payment_method": shop.payment_method}
            if shop.shipping_method:
                body["shipping_method"] = shop.shipping_method
            placed = await step("place order", "/api/v1/orders", body)
        except Exception as exc:  # a socket error or timeout is a failed flow, not a crash
            tally.fail(repr(exc))
            continue
        if placed.status_code == 201:
            tally.orders += 1
            tally.flows.append(time.perf_counter() - started)
            tally.units[variant] += quantity
        elif placed.status_code == 409:
            tally.sold_out += 1  # someone else got the last units between add and place
            if stop_when_sold_out:
                return
        else:
            tally.fail(f"place {placed.status_code} {placed.text}")


async def run_shoppers(port: int, shop: Shop, clients: int, seconds: float, pick,
                       stop_when_sold_out: bool = False) -> tuple[Tally, float]:
    import httpx

    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 timeout=30.0) as client:
        started = time.perf_counter()
        await asyncio.gather(*(shopper(client, shop, pick, started + seconds, tally,
                                       stop_when_sold_out) for _ in range(clients)))
        return tally, time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


# -- checking the stock -----------------------------------------------------------------------
async def stock_check(db: Database, shop: Shop) -> dict[str, int]:
    """Oversold units: reserved beyond what was received, plus order lines beyond it; and
    reservations that no order holds (or orders whose units are not reserved)."""
    rows = await db.fetch(
        "SELECT s.variant, s.on_hand, s.reserved, COALESCE((SELECT SUM(l.quantity) FROM "
        "order_line l JOIN shop_order o ON o.id = l.\"order\" WHERE l.tenant = s.tenant "
        "AND l.variant = s.variant AND o.stock_status = 'reserved'), 0) AS in_orders "
        "FROM stock_level s WHERE s.tenant = $1", shop.tenant_id)
    oversold = mismatch = 0
    for row in rows:
        received = shop.stock.get(row["variant"], row["on_hand"])
        oversold += max(0, row["reserved"] - received, row["in_orders"] - received)
        mismatch += abs(row["reserved"] - row["in_orders"])
    hot = next((r for r in rows if r["variant"] == shop.hot), None)
    return {"oversold": oversold, "mismatch": mismatch,
            "hot_reserved": hot["reserved"] if hot else -1}


# -- report -----------------------------------------------------------------------------------
def print_report(cfg: Config, workers: int, runs: dict[str, tuple[Tally, float]],
                 hello: loadgen.Result, checked: dict[str, int], usage: cpu.Usage | None,
                 shop: Shop) -> bool:
    tally, elapsed = runs["throughput"]
    rate = tally.orders / elapsed if elapsed else 0.0
    print()
    print(f"Checkout benchmark — PostgreSQL + Redis, uvicorn {workers} worker(s), "
          f"{cfg.clients} concurrent shoppers, {cfg.seconds:g} s per measurement, "
          f"{os.cpu_count()} CPUs; payment {shop.payment_method}, shipping "
          f"{shop.shipping_method or 'none offered'}")
    header = f"{'measurement':<34} {'count':>8} {'per s':>9} {'p50 ms':>9} {'p99 ms':>9}"
    print(header)
    print("-" * len(header))
    print(f"{'(a) hello: /healthz':<34} {hello.requests:>8,} {hello.rps:>9.1f} "
          f"{hello.p50_ms:>9.2f} {hello.p99_ms:>9.2f}")
    for name in STEPS:
        values = tally.steps[name]
        print(f"{'(b) step: ' + name:<34} {len(values):>8,} {len(values) / elapsed:>9.1f} "
              f"{percentile(values, 50):>9.2f} {percentile(values, 99):>9.2f}")
    print(f"{'(b) orders, end to end':<34} {tally.orders:>8,} {rate:>9.1f} "
          f"{percentile(tally.flows, 50):>9.2f} {percentile(tally.flows, 99):>9.2f}")
    hot, hot_elapsed = runs["contention"]
    print(f"{'(c) one SKU until sold out':<34} {hot.orders:>8,} "
          f"{hot.orders / hot_elapsed if hot_elapsed else 0:>9.1f} "
          f"{percentile(hot.flows, 50):>9.2f} {percentile(hot.flows, 99):>9.2f}")
    print()
    requests = sum(len(v) for v in tally.steps.values())
    print(f"orders/s {rate:.1f}; HTTP requests/s in the flow {requests / elapsed:.1f} "
          f"(4 per order); hello {hello.rps:.1f} req/s")
    if usage is not None and tally.orders:
        other = (usage.other or 0) / elapsed
        print(f"CPU per order: app {usage.app / tally.orders * 1000:.1f} ms, PostgreSQL "
              f"{usage.db / tally.orders * 1000:.1f} ms; other load {other:.2f} cores")
        if other > 0.25:
            print(f"NOTE: other work kept {other:.2f} of {os.cpu_count()} CPUs busy: the "
                  "figures are lower than on a quiet machine; the ratio is steadier")
    print(f"contention run: {hot.units[shop.hot]:,} of {cfg.hot_stock:,} units sold in "
          f"{hot.orders:,} orders, {hot.sold_out:,} sold-out answers; reserved now "
          f"{checked['hot_reserved']:,}")
    figures = {"orders/s / hello rps": rate / hello.rps if hello.rps else 0.0,
               "oversold units": checked["oversold"]}
    ok = True
    for name, value in figures.items():
        kind, limit = LIMITS[name]
        met = value >= limit if kind == "floor" else value <= limit
        ok &= met
        verdict = "OK" if met else ("UNDER" if kind == "floor" else "OVER")
        print(f"{name:<34} {value:>9.3f} ({kind} {limit}): {verdict}")
    if checked["mismatch"]:
        ok = False
        print(f"MISMATCH: {checked['mismatch']} reserved units differ from the orders' lines")
    errors = tally.errors + hot.errors + hello.errors
    if errors:
        ok = False
        print(f"WARNING: {errors} failed requests; first: {tally.samples + hot.samples}")
    return ok


# -- main -------------------------------------------------------------------------------------
def measure(server: Server, db: Database, cfg: Config, shop: Shop):
    rng = random.Random(cfg.seed)

    def plentiful():
        return rng.choice(shop.variants), rng.randint(1, 2)

    def hot():
        return shop.hot, rng.randint(1, 3)

    if cfg.warmup > 0:
        asyncio.run(run_shoppers(server.port, shop, cfg.clients, cfg.warmup, plentiful))
    loadgen.run(server.port, [(DOMAIN, "/healthz")], connections=cfg.clients,
                seconds=min(cfg.warmup, 2.0) or 1.0, client="httpx")
    log(f"measuring /healthz for {cfg.seconds:g} s")
    hello = loadgen.run(server.port, [(DOMAIN, "/healthz")], connections=cfg.clients,
                        seconds=cfg.seconds, client="httpx")
    log(f"  hello {hello.rps:.1f} req/s, p50 {hello.p50_ms:.2f} ms")
    log(f"measuring the shopper flow for {cfg.seconds:g} s")
    before = cpu.snapshot(cpu.process_tree(server.proc.pid), db.backend_pids())
    runs = {"throughput": asyncio.run(run_shoppers(server.port, shop, cfg.clients,
                                                   cfg.seconds, plentiful))}
    after = cpu.snapshot(cpu.process_tree(server.proc.pid), db.backend_pids())
    log(f"  {runs['throughput'][0].orders:,} orders")
    log(f"contention: {cfg.clients} shoppers on one SKU of {cfg.hot_stock} units")
    runs["contention"] = asyncio.run(run_shoppers(server.port, shop, cfg.clients,
                                                  cfg.seconds * 2, hot, True))
    return runs, hello, cpu.usage(before, after)


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    workers = cfg.workers
    if workers > 1 and not redis_up(REDIS_URL):
        log(f"Redis at {REDIS_URL} does not answer: using 1 worker (several need Redis)")
        workers = 1
    workdir = Path(tempfile.mkdtemp(prefix="galleria-checkout-bench-"))
    db = Database(cfg, workdir)  # type: ignore[arg-type]  (reads the same fields)
    server: Server | None = None

    def on_term(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    ok = False
    started = time.perf_counter()
    try:
        asyncio.run(db.create())
        asyncio.run(db.migrate())
        log(f"created and migrated {db.name}")
        env = db.settings_env()
        env.pop("GALLERIA_ADMIN_DATABASE_URL", None)  # the server is the app role only
        if workers > 1:
            env["GALLERIA_REDIS_URL"] = REDIS_URL
        server = Server(env, workers, workdir)
        server.start()
        log(f"serving on 127.0.0.1:{server.port} with {workers} uvicorn worker(s)")
        shop = asyncio.run(open_shop(server.port, cfg, db))
        log(f"shop {shop.host}: {len(shop.variants)} products with plentiful stock, one with "
            f"{cfg.hot_stock}; payment {shop.payment_method}")
        runs, hello, usage = measure(server, db, cfg, shop)
        checked = asyncio.run(stock_check(db, shop))
        ok = print_report(cfg, workers, runs, hello, checked, usage, shop)
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
