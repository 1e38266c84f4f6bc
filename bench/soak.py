"""The soak test: mixed shopping for a long while, watching the app's memory.

    .venv/bin/python bench/soak.py                 # 10 minutes (the release check)
    .venv/bin/python bench/soak.py --minutes 1     # to try it out

Creates a fresh PostgreSQL database (127.0.0.1:5432), migrates it, starts the app as
`galleria serve` does (one uvicorn process, as the app role, with Redis) and one
`galleria worker`, opens a shop with products and a webhook endpoint on 127.0.0.1 (so the
worker has work), then lets `--shoppers` guests loop through mixed shopping until the time
is up: the storefront home and a product page (HTML), the product list and search (API),
a cart with one or two items, a checkout preview, placing an order, and now and then the
merchant marking it paid or cancelling it and reading the order list. Every 10 s it samples
the app's resident memory (VmRSS from /proc) and prints it.

At the end it prints the samples' figures, the ratio of the peak to the 200 MB ceiling and
the trend (a least-squares slope over the samples after the first minute's warm-up); it
fails (exit 1) when the peak passes 200 MB or memory rises by more than 10 MB over the
measured part. Everything runs on 127.0.0.1, every loop stops at the deadline, and the
server, the worker and the database are removed at the end (also on Ctrl-C). Not part of CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_bench import DOMAIN, REPO, Database, Server, redis_up

CEILING_MB = 200.0
TREND_LIMIT_MB = 10.0
SAMPLE_EVERY = 10.0
WARMUP = 60.0
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "13800138000"}


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Config:
    minutes: float
    shoppers: int
    redis_url: str
    keep_db: bool = False
    sqlite: bool = False  # what catalog_bench.Database reads
    reuse_db: str | None = None


def parse_args(argv: list[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=10.0, help="how long to shop (10)")
    p.add_argument("--shoppers", type=int, default=6, help="concurrent shoppers (6)")
    p.add_argument("--redis", default=os.environ.get("GALLERIA_SOAK_REDIS",
                                                     "redis://127.0.0.1:6379/3"),
                   help="Redis for sessions and jobs (database 3 by default)")
    p.add_argument("--keep-db", action="store_true", help="do not drop the database")
    a = p.parse_args(argv)
    if not 0 < a.minutes <= 24 * 60 or not 1 <= a.shoppers <= 64:
        p.error("--minutes must be in (0, 1440] and --shoppers in [1, 64]")
    return Config(a.minutes, a.shoppers, a.redis, a.keep_db)


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its children (uvicorn with one worker has none)."""
    total = 0
    for proc in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{proc}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


class Receiver:
    """A webhook receiver on 127.0.0.1 answering 200 (gives the worker real work)."""

    def __init__(self) -> None:
        self.count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.count += 1
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Shop:
    host: str
    admin: dict[str, str]
    products: list[tuple[int, int]]  # (product id, variant id)


@dataclass
class Tally:
    requests: int = 0
    orders: int = 0
    errors: int = 0
    samples: list[str] = field(default_factory=list)


async def open_shop(port: int, receiver: Receiver) -> Shop:
    import httpx

    slug = f"soak-{os.getpid()}"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        answer = await http.post("/api/platform/v1/signup", headers={"host": DOMAIN}, json={
            "shop_name": "Soak", "slug": slug, "email": f"owner@{slug}.example",
            "password": "Soak-Horse-9", "template": "blank"})
        answer.raise_for_status()
        host = f"{slug}.{DOMAIN}"
        admin = {"host": host, "authorization": f"Bearer {answer.json()['admin_token']}"}
        products = []
        for i in range(12):
            made = await http.post("/api/admin/v1/products", headers=admin, json={
                "name": f"龙井茶 {i}", "variants": [
                    {"sku": f"SOAK-{i}", "price": 1990 + 100 * i, "stock": 10_000_000}]})
            made.raise_for_status()
            products.append((made.json()["id"], made.json()["variants"][0]["id"]))
        hooked = await http.post("/api/admin/v1/webhooks", headers=admin, json={
            "url": receiver.url, "topics": ["order.placed", "order.paid", "order.cancelled"]})
        hooked.raise_for_status()
    return Shop(host, admin, products)


async def shopper(port: int, shop: Shop, deadline: float, tally: Tally, seed: int) -> None:
    import httpx

    rng = random.Random(seed)
    guest = {"host": shop.host}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:

        async def call(method: str, path: str, headers: dict, **kwargs) -> httpx.Response:
            answer = await http.request(method, path, headers=headers, **kwargs)
            tally.requests += 1
            if answer.status_code >= 500 or answer.status_code in (400, 401, 403, 404, 422):
                tally.errors += 1
                if len(tally.samples) < 5:
                    tally.samples.append(f"{method} {path} → {answer.status_code}: "
                                         f"{answer.text[:200]}")
            return answer

        html = {**guest, "accept": "text/html", "accept-language": "zh-CN"}
        while time.monotonic() < deadline:
            product, variant = rng.choice(shop.products)
            await call("GET", "/", html)
            await call("GET", f"/products/{product}", html)
            await call("GET", "/api/v1/products?limit=20", guest)
            await call("GET", "/api/v1/products?q=龙井", guest)
            cart = await call("POST", "/api/v1/carts", guest)
            if cart.status_code != 201:
                continue
            cart_id = cart.json()["id"]
            for _ in range(rng.randint(1, 2)):
                await call("POST", f"/api/v1/carts/{cart_id}/items", guest,
                           json={"variant_id": variant, "quantity": rng.randint(1, 3)})
            await call("POST", "/api/v1/checkout/preview", guest,
                       json={"cart_id": cart_id, "address": ADDRESS})
            placed = await call("POST", "/api/v1/orders", guest, json={
                "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
                "payment_method": "wechat_pay"})
            if placed.status_code != 201:
                continue
            tally.orders += 1
            number = placed.json()["number"]
            roll = rng.random()
            if roll < 0.4:
                await call("POST", f"/api/admin/v1/orders/{number}/mark-paid", shop.admin,
                           json={"note": "soak"})
            elif roll < 0.6:
                await call("POST", f"/api/admin/v1/orders/{number}/cancel", shop.admin,
                           json={"reason": "soak"})
            if roll > 0.9:
                await call("GET", "/api/admin/v1/orders?limit=20", shop.admin)


async def sample_memory(pid: int, started: float, deadline: float,
                        samples: list[tuple[float, float]]) -> None:
    while True:
        elapsed = time.monotonic() - started
        samples.append((elapsed, rss_mb(pid)))
        log(f"  {elapsed:6.0f} s  app RSS {samples[-1][1]:7.1f} MB")
        if time.monotonic() + SAMPLE_EVERY > deadline + 1:
            return
        await asyncio.sleep(SAMPLE_EVERY)


async def soak(port: int, pid: int, shop: Shop, cfg: Config) -> tuple[Tally, list]:
    started = time.monotonic()
    deadline = started + cfg.minutes * 60
    tally, samples = Tally(), []
    await asyncio.gather(sample_memory(pid, started, deadline, samples),
                         *(shopper(port, shop, deadline, tally, seed)
                           for seed in range(cfg.shoppers)))
    samples.append((time.monotonic() - started, rss_mb(pid)))
    return tally, samples


def slope_mb_per_min(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_m = sum(m for _, m in points) / len(points)
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return sum((t - mean_t) * (m - mean_m) for t, m in points) / var * 60


def report(cfg: Config, tally: Tally, samples: list[tuple[float, float]],
           delivered: int) -> bool:
    values = [m for _, m in samples]
    measured = [(t, m) for t, m in samples if t >= min(WARMUP, cfg.minutes * 30)]
    slope = slope_mb_per_min(measured)
    span_min = (measured[-1][0] - measured[0][0]) / 60 if len(measured) > 1 else 0.0
    rise = slope * span_min
    peak = max(values)
    log("")
    log(f"soak: {cfg.minutes:g} min, {cfg.shoppers} shoppers, {tally.requests} requests, "
        f"{tally.orders} orders, {tally.errors} errors, {delivered} webhooks received")
    log(f"app RSS: start {values[0]:.1f} MB, min {min(values):.1f}, max {peak:.1f}, "
        f"end {values[-1]:.1f}, mean {sum(values) / len(values):.1f} ({len(values)} samples)")
    log(f"peak / {CEILING_MB:.0f} MB ceiling: {peak / CEILING_MB:.2f}")
    log(f"trend after warm-up: {slope:+.2f} MB/min, {rise:+.1f} MB over {span_min:.1f} min "
        f"(limit +{TREND_LIMIT_MB:.0f} MB)")
    for sample in tally.samples:
        log(f"  e.g. {sample}")
    ok = peak < CEILING_MB and rise <= TREND_LIMIT_MB and tally.orders > 0
    log("PASS" if ok else "FAIL")
    return ok


def start_worker(env: dict[str, str], workdir: Path) -> subprocess.Popen:
    full = {k: v for k, v in os.environ.items() if not k.startswith("GALLERIA_")}
    full.update(env)
    script = Path(sys.executable).with_name("galleria")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "galleria.cli"]
    with open(workdir / "worker.log", "wb") as out:
        return subprocess.Popen([*command, "worker", "--threads", "2"], env=full, cwd=REPO,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop_worker(worker: subprocess.Popen | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    if not redis_up(cfg.redis_url):
        log(f"Redis at {cfg.redis_url} does not answer; start it or pass --redis")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="galleria-soak-"))
    db = Database(cfg, workdir)  # type: ignore[arg-type]  (reads the same fields)
    server: Server | None = None
    worker: subprocess.Popen | None = None
    receiver = Receiver()

    def on_term(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    ok = False
    try:
        asyncio.run(db.create())
        asyncio.run(db.migrate())
        env = db.settings_env()
        env.pop("GALLERIA_ADMIN_DATABASE_URL", None)  # the app role only
        env["GALLERIA_REDIS_URL"] = cfg.redis_url
        env["GALLERIA_SIGNUP_RATE_LIMIT"] = "100"
        server = Server(env, 1, workdir)
        server.start()
        worker = start_worker(env, workdir)
        log(f"serving on 127.0.0.1:{server.port} (pid {server.proc.pid}) with a worker; "
            f"{cfg.shoppers} shoppers for {cfg.minutes:g} min")
        shop = asyncio.run(open_shop(server.port, receiver))
        tally, samples = asyncio.run(soak(server.port, server.proc.pid, shop, cfg))
        ok = report(cfg, tally, samples, receiver.count)
    except KeyboardInterrupt:
        log("interrupted")
    finally:
        stop_worker(worker)
        if server is not None:
            server.stop()
        receiver.close()
        asyncio.run(db.drop())
        if not cfg.keep_db:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
