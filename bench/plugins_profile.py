"""Where an enabled plugin's cost goes: the minimum shop and the ten-plugin shop of
bench/plugins_cost.py in this process (the app of noop_plugins_app.py, called through ASGI
without a socket), the same flow on each in turns.

    .venv/bin/python bench/plugins_profile.py                 # PostgreSQL (fresh database)
    .venv/bin/python bench/plugins_profile.py --sqlite
    .venv/bin/python bench/plugins_profile.py --profile       # + cProfile of both shops' orders
    .venv/bin/python bench/plugins_profile.py --sql           # the statements of one order each
    .venv/bin/python bench/plugins_profile.py --instructions  # instructions per flow (valgrind)

Prints, for each request of the flow (cart, add item, preview, place order), the statements
each shop sends per request (exact) and its CPU ms (least of the rounds, in turns).

CPU time on this machine (a VM) varies by 10-15 % from one round to the next whatever is
measured, more than the plugins' whole cost. `--instructions` counts instead the machine
instructions the app executes per flow and per request: the script runs itself under
valgrind's callgrind, with collection on only while the measured flows run (the warm-up,
the set-up and PostgreSQL, another process, are not counted). The count is the same from
run to run to within a fraction of a percent; it takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import ctypes
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asgi_client
import bench_shop
from catalog_bench import Database
from plugins_cost import TEN_PLUGINS, enable_plugins

STEPS = ("cart", "add", "preview", "place")
# --groups: the ten-plugin shop's plugins in groups, each group alone beside the minimum's
GROUPS = {"marketing": ["marketing"], "campaigns": ["marketing_campaigns"],
          "points+referral": ["marketing_points", "marketing_referral"],
          "review+notify+reviews": ["order_review", "notify_email", "notify_sms", "reviews"],
          "payments": ["payments_offline", "payments_alipay", "payments_wechat",
                       "payments_stripe"],
          "noop1-6": ["noop1", "noop2", "noop3", "noop4", "noop5", "noop6"]}


def flow_makers(shop: bench_shop.BenchShop):
    """step → `async f(app)`: one shopper's flow split in its four requests (each step uses
    the cart the previous one made)."""
    import itertools

    from asgi_client import call

    variants = itertools.cycle(shop.variants)
    state: dict[str, str] = {}

    async def ok(answer, expected):
        if answer.status_code != expected:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
        return answer

    async def cart(app):
        state["cart"] = (await ok(await call(app, "POST", "/api/v1/carts", host=shop.host),
                                  201)).json()["id"]

    async def add(app):
        await ok(await call(app, "POST", f"/api/v1/carts/{state['cart']}/items", host=shop.host,
                            json={"variant_id": next(variants), "quantity": 1}), 200)

    async def preview(app):
        await ok(await call(app, "POST", "/api/v1/checkout/preview", host=shop.host,
                            json=shop.preview_body(state["cart"])), 200)

    async def place(app):
        await ok(await call(app, "POST", "/api/v1/orders", host=shop.host,
                            json=shop.order_body(state["cart"])), 201)

    return {"cart": cart, "add": add, "preview": preview, "place": place}


async def measure(app, shops: dict[str, bench_shop.BenchShop], n: int, rounds: int,
                  profile: bool) -> None:
    counter = asgi_client.QueryCounter
    makers = {name: flow_makers(shop) for name, shop in shops.items()}
    for name in shops:  # warm-up: caches, pools, lazy imports
        for _ in range(20):
            for step in STEPS:
                await makers[name][step](app)
    best = {(name, step): float("inf") for name in shops for step in STEPS}
    sent = {(name, step): 0 for name in shops for step in STEPS}
    for _ in range(rounds):
        for name in shops:
            spent = dict.fromkeys(STEPS, 0.0)
            counts = dict.fromkeys(STEPS, 0)
            for _ in range(n):
                for step in STEPS:
                    counter.count = 0
                    cpu0 = time.process_time()
                    await makers[name][step](app)
                    spent[step] += time.process_time() - cpu0
                    counts[step] += counter.count
            for step in STEPS:
                best[name, step] = min(best[name, step], spent[step] / n * 1000)
                sent[name, step] = counts[step] / n
    names = list(shops)
    print(f"\nCPU ms per request (least of {rounds} rounds of {n} flows, in turns) and "
          "statements per request")
    print(f"{'request':<10}" + "".join(f"{name + ' ms':>14}{'stmts':>7}" for name in names)
          + f"{'change':>9}")
    total = dict.fromkeys(names, 0.0)
    for step in STEPS:
        row = f"{step:<10}"
        for name in names:
            row += f"{best[name, step]:>14.2f}{sent[name, step]:>7.1f}"
            total[name] += best[name, step]
        a, b = best[names[0], step], best[names[-1], step]
        print(row + f"{(b - a) / a * 100:>+8.1f}%")
    a, b = total[names[0]], total[names[-1]]
    print(f"{'flow':<10}" + "".join(
        f"{total[name]:>14.2f}{sum(sent[name, s] for s in STEPS):>7.1f}" for name in names)
        + f"{(b - a) / a * 100:>+8.1f}%")
    if profile:
        for name in names:
            prof = cProfile.Profile(time.process_time)
            prof.enable()
            for _ in range(n):
                for step in STEPS:
                    await makers[name][step](app)
            prof.disable()
            out = Path(tempfile.gettempdir()) / f"plugins_profile_{name}.prof"
            prof.dump_stats(out)
            print(f"\n== {name}: cProfile of {n} flows written to {out}; top by own time "
                  "in the platform, the plugins and pluggy:")
            stats = pstats.Stats(prof)
            stats.sort_stats("tottime").print_stats(r"platform/|plugins/|galleria|pluggy", 25)


# Callgrind's client requests (valgrind/callgrind.h), callable from Python through ctypes:
# outside valgrind they are no-ops.
CALLGRIND_C = """
#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
"""
UNDER_VALGRIND = "GALLERIA_BENCH_UNDER_CALLGRIND"


def callgrind_requests(workdir: Path) -> ctypes.CDLL:
    source, library = workdir / "cg.c", workdir / "libcg.so"
    source.write_text(CALLGRIND_C)
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(library), str(source)],
                   check=True)
    return ctypes.CDLL(str(library))


async def count_instructions(app, shops: dict[str, bench_shop.BenchShop], n: int,
                             rounds: int) -> None:
    """Each shop's flows under callgrind: instrumented from the warm-up on (stopping and
    starting it again would discard valgrind's translations), collected only around the
    request of one step at a time; the step's count over `n` flows dumped to its own file
    (read back by `report_instructions`)."""
    cg = callgrind_requests(Path(os.environ[UNDER_VALGRIND]))
    makers = {name: flow_makers(shop) for name, shop in shops.items()}
    cg.cg_start()
    for name in shops:
        for _ in range(5):  # warm-up, not counted
            for step in STEPS:
                await makers[name][step](app)
    for r in range(rounds):
        for name in shops:
            for counted in STEPS:
                cg.cg_zero()
                for _ in range(n):
                    for step in STEPS:
                        if step == counted:
                            cg.cg_toggle()
                            await makers[name][step](app)
                            cg.cg_toggle()
                        else:
                            await makers[name][step](app)
                cg.cg_dump(f"{name} {counted} {r} {n}".encode())


def report_instructions(out_dir: Path) -> None:
    """Read the dumps (one per shop, step and round); print each shop's instructions per
    request (the least round's mean) and its change against the first shop (the minimum)."""
    per_flow: dict[tuple[str, str, str], float] = {}
    for path in out_dir.glob("callgrind.out.*"):
        text = path.read_text(errors="replace")
        label = re.search(r"^desc: Trigger: Client Request: (\S+) (\S+) (\d+) (\d+)$", text,
                          re.M)
        total = re.search(r"^totals: (\d+)", text, re.M)
        if label and total:
            name, step, round_, flows = label.groups()
            per_flow[name, step, round_] = int(total.group(1)) / int(flows)
    names = list(dict.fromkeys(name for name, _, _ in sorted(
        per_flow, key=lambda key: (key[0] != "minimum", key[0] == "ten", key[0]))))
    per = {(name, step): min(count for (n, s, _), count in per_flow.items()
                             if (n, s) == (name, step)) / 1e6
           for name in names for step in STEPS}
    print("\nMillions of instructions per request (callgrind: the app only, mean of the "
          "round's flows, least round), and the change against the minimum shop")
    print(f"{'request':<10}" + "".join(f"{name:>22}" for name in names))
    for step in [*STEPS, "flow"]:
        row = f"{step:<10}"
        for name in names:
            value = (sum(per[name, s] for s in STEPS) if step == "flow" else per[name, step])
            base = (sum(per[names[0], s] for s in STEPS) if step == "flow"
                    else per[names[0], step])
            row += f"{value:>13.3f} ({(value - base) / base * 100:+5.1f}%)"
        print(row)


def rerun_under_callgrind(argv: list[str]) -> int:
    """This script again, under valgrind --tool=callgrind with collection off at start."""
    if shutil.which("valgrind") is None or shutil.which("gcc") is None:
        print("--instructions needs valgrind and gcc (apt-get install valgrind gcc)")
        return 2
    out_dir = Path(tempfile.mkdtemp(prefix="galleria-callgrind-"))
    env = {**os.environ, UNDER_VALGRIND: str(out_dir), "PYTHONMALLOC": "malloc"}
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
               "--dump-instr=no", "--dump-line=no",
               "--compress-strings=no", "--compress-pos=no",
               f"--callgrind-out-file={out_dir}/callgrind.out.%p",
               sys.executable, __file__, *argv]
    log = out_dir / "valgrind.log"  # valgrind's own lines and the script's errors
    with log.open("w") as stderr:
        code = subprocess.run(command, env=env, stderr=stderr).returncode
    if code == 0:
        report_instructions(out_dir)
    else:
        print("the run under callgrind failed:\n" + "\n".join(
            log.read_text(errors="replace").splitlines()[-30:]))
    shutil.rmtree(out_dir, ignore_errors=True)
    return code


async def sql_of_one_order(app, shops: dict[str, bench_shop.BenchShop]) -> None:
    counter = asgi_client.QueryCounter
    for name, shop in shops.items():
        makers = flow_makers(shop)
        for step in STEPS:
            counter.statements = []
            await makers[step](app)
            print(f"\n== {name} {step}: {len(counter.statements)} statements")
            for sql in counter.statements:
                print("   ", sql)
        counter.statements = None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=30, help="flows per shop per round (30)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--sqlite", action="store_true")
    p.add_argument("--profile", action="store_true", help="cProfile each shop's flows")
    p.add_argument("--sql", action="store_true", help="the statements of one flow each")
    p.add_argument("--instructions", action="store_true",
                   help="count the app's instructions per request under valgrind (callgrind)")
    p.add_argument("--groups", action="store_true",
                   help="add a shop per group of plugins (the minimum's plus that group)")
    p.add_argument("--informational", action="store_true",
                   help="add the old ten-plugin shop (满减 tier + coupon) as a third shop")
    a = p.parse_args(argv)
    if a.instructions and UNDER_VALGRIND not in os.environ:
        return rerun_under_callgrind(sys.argv[1:] if argv is None else argv)
    workdir = Path(tempfile.mkdtemp(prefix="galleria-plugins-profile-"))
    db = Database(bench_shop.DbConfig(sqlite=a.sqlite), workdir)  # type: ignore[arg-type]
    try:
        asyncio.run(db.create())
        asyncio.run(db.migrate())
        env = db.settings_env()
        env.pop("GALLERIA_ADMIN_DATABASE_URL", None)
        env["GALLERIA_SANDBOX"] = "1"  # as plugins_cost.py: the gateways on their simulators

        async def run() -> None:
            from noop_plugins_app import make_app

            from galleria.settings import Settings

            os.environ.update(env)
            app = make_app(Settings.from_env(env), embedded_worker=False)
            asgi_client.QueryCounter.install()
            async with app.lifespan():
                http = asgi_client.AsgiHttp(app)
                minimum = await bench_shop.open_shop(http, db, products=20, plugins="minimum",
                                                     slug="bench-minimum")
                ten = await bench_shop.open_shop(http, db, products=20, plugins="minimum",
                                                 slug="bench-ten")
                for shop in (minimum, ten):  # as plugins_cost.py: the plan allowing every plugin
                    await db.fetch("UPDATE billing_subscription SET plan = 'pro' "
                                   "WHERE tenant = $1", shop.tenant_id)
                enabled = await enable_plugins(http, ten, TEN_PLUGINS, "http://localhost/sandbox")
                ten.payment_method = minimum.payment_method
                print(f"ten-plugin shop: {', '.join(sorted(enabled))} ({len(enabled)})")
                shops = {"minimum": minimum, "ten": ten}
                if a.informational:
                    tier = await bench_shop.open_shop(http, db, products=20,
                                                      plugins="checkout", slug="bench-tier")
                    await db.fetch("UPDATE billing_subscription SET plan = 'pro' "
                                   "WHERE tenant = $1", tier.tenant_id)
                    await enable_plugins(http, tier, TEN_PLUGINS, "http://localhost/sandbox")
                    tier.payment_method = minimum.payment_method
                    shops = {"minimum": minimum, "tier+coupon": tier, "ten": ten}
                if a.groups:
                    for i, (group, names) in enumerate(GROUPS.items()):
                        shop = await bench_shop.open_shop(http, db, products=20,
                                                          plugins="minimum", slug=f"group-{i}")
                        await db.fetch("UPDATE billing_subscription SET plan = 'pro' "
                                       "WHERE tenant = $1", shop.tenant_id)
                        await enable_plugins(http, shop, names, "http://localhost/sandbox")
                        shop.payment_method = minimum.payment_method
                        shops[group] = shop
                    shops["ten"] = shops.pop("ten")  # last: the figure's column
                if a.sql:
                    await sql_of_one_order(app, shops)
                    return
                if a.instructions:
                    await count_instructions(app, shops, a.n, a.rounds)
                    return
                await measure(app, shops, a.n, a.rounds, a.profile)

        asyncio.run(run())
    finally:
        asyncio.run(db.drop())
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
