"""The plugins-cost benchmark (issue 14, item 5): checkout CPU per order with 10 plugins
enabled against the minimum (one payment method, one shipping method).

    .venv/bin/python bench/plugins_cost.py --quick
    .venv/bin/python bench/plugins_cost.py --seconds 30 --rounds 3

One server (`noop_plugins_app:make_app`: every installed plugin plus no-op plugins that
implement every hook, bench/noop_plugins_app.py), two shops in it:

* minimum — the shipping plugin (one template, one method) and cash on delivery;
* ten — the same checkout plus the marketing plugin (a 满减 tier, a coupon every order uses),
  every other first-party plugin that can be enabled without credentials, and no-op
  plugins, 10 enabled in all.

The shopper flow (checkout_flow.lua under wrk) runs on each shop in turns, `--rounds` times;
CPU per order (app + PostgreSQL, from /proc) of each shop is the least of its rounds, and
the figure is ten ÷ minimum − 1 (target ≤ 5 %). The ten-plugin shop does more real work
(the 满减 and coupon adjust the price, the coupon is redeemed in the order's transaction), so
the figure bounds the plugins' cost from above.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu
from catalog_bench import REDIS_URL, Database, Server, redis_up
from checkout_bench import Config, open_shop, run_flow

TARGET = 0.05
ENABLED = 10
FIGURES: dict = {}


def log(message: str) -> None:
    print(message, flush=True)


async def enable_up_to_ten(port: int, shop, names: list[str]) -> list[str]:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        admin = {"host": shop.host, "authorization": shop.admin_token}
        states = (await http.get("/api/admin/v1/plugins", headers=admin)).json()["items"]
        enabled = [s["name"] for s in states if s.get("enabled")]
        for name in names:
            if len(enabled) >= ENABLED:
                break
            if name in enabled:
                continue
            answer = await http.put(f"/api/admin/v1/plugins/{name}", headers=admin,
                                    json={"enabled": True})
            if answer.status_code == 200:
                enabled.append(name)
        return enabled


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="8 s per measurement, 2 rounds")
    p.add_argument("--seconds", type=float)
    p.add_argument("--rounds", type=int)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--strict", action="store_true")
    a = p.parse_args(argv)
    seconds = a.seconds or (8.0 if a.quick else 20.0)
    rounds = a.rounds or (2 if a.quick else 3)
    cfg = Config(seconds=seconds, warmup=2.0, clients=a.clients, workers=a.workers,
                 products=20, hot_stock=0, keep_db=False, strict=a.strict)
    workers = a.workers if redis_up(REDIS_URL) else 1
    workdir = Path(tempfile.mkdtemp(prefix="galleria-plugins-cost-"))
    db = Database(cfg, workdir)  # type: ignore[arg-type]
    server = None
    ok = False
    try:
        asyncio.run(db.create())
        asyncio.run(db.migrate())
        env = db.settings_env()
        env.pop("GALLERIA_ADMIN_DATABASE_URL", None)
        if workers > 1:
            env["GALLERIA_REDIS_URL"] = REDIS_URL
        server = Server(env, workers, workdir, app="noop_plugins_app:make_app", factory=True)
        server.start()
        minimum = asyncio.run(open_shop(server.port, cfg, db, "minimum", slug="bench-minimum"))
        ten = asyncio.run(open_shop(server.port, cfg, db, "checkout", slug="bench-ten"))
        enabled = asyncio.run(enable_up_to_ten(server.port, ten, [
            "payments_offline", "order_review", "notify_email", "noop1", "noop2", "noop3",
            "noop4", "noop5", "noop6", "payments_alipay", "payments_wechat",
            "payments_stripe"]))
        log(f"minimum shop: shipping + {minimum.payment_method}; ten-plugin shop: "
            f"{', '.join(sorted(enabled))} ({len(enabled)})")
        best = {"minimum": float("inf"), "ten": float("inf")}
        for shop in (minimum, ten):
            run_flow(server.port, shop, cfg.clients, cfg.warmup, shop.variants)
        for r in range(rounds):
            for name, shop in (("minimum", minimum), ("ten", ten)):
                before = cpu.snapshot(cpu.process_tree(server.proc.pid), db.backend_pids())
                flow = run_flow(server.port, shop, cfg.clients, seconds, shop.variants)
                after = cpu.snapshot(cpu.process_tree(server.proc.pid), db.backend_pids())
                used = cpu.usage(before, after)
                if flow.errors or not flow.orders:
                    log(f"round {r + 1} {name}: {flow.orders} orders, {flow.errors} errors "
                        f"({flow.first_error})")
                    continue
                per = (used.app + used.db) / flow.orders * 1000
                other = (used.other or 0) / flow.seconds
                log(f"round {r + 1} {name}: {flow.orders} orders, CPU per order {per:.2f} ms "
                    f"(app {used.app / flow.orders * 1000:.2f}, PostgreSQL "
                    f"{used.db / flow.orders * 1000:.2f}); other load {other:.2f} cores")
                best[name] = min(best[name], per)
        cost = best["ten"] / best["minimum"] - 1
        ok = cost <= TARGET and len(enabled) >= ENABLED
        FIGURES.update({"plugins cost: CPU/order, 10 plugins vs minimum": cost,
                        "CPU per order, minimum (ms)": best["minimum"],
                        "CPU per order, 10 plugins (ms)": best["ten"],
                        "plugins enabled": len(enabled)})
        print()
        print(f"CPU per order (least of {rounds} rounds): minimum {best['minimum']:.2f} ms, "
              f"{len(enabled)} plugins {best['ten']:.2f} ms: {cost * 100:+.1f}% "
              f"(target ≤ {TARGET * 100:.0f}%): {'OK' if ok else 'OVER'}")
    finally:
        if server is not None:
            server.stop()
        asyncio.run(db.drop())
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if (a.strict and not ok) else 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"done in {time.perf_counter() - started:.0f} s")
    sys.exit(code)
