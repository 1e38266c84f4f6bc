"""`make bench`: the quick variant of every benchmark, one table of figures against the
targets of issue 14, and a JSON file of the same.

    .venv/bin/python bench/run.py                 # quick variants, ~8 minutes
    .venv/bin/python bench/run.py --strict        # exit 1 when a target is missed
    .venv/bin/python bench/run.py --only checkout,plugins --json /tmp/bench.json
    .venv/bin/python bench/run.py --full          # the full variants (the 1,000 x 1,000 data set)

Runs, one after another (each starts its own server and database and stops them):
catalog_bench.py (listing / detail / search ÷ /healthz, big ÷ small shop), checkout_bench.py
(CPU per order, orders/s, p99, oversold units, the product page ÷ a hello template page),
plugins_cost.py (10+ plugins ÷ the minimum, the same flow; the 满减 + coupon variant is
printed among the other figures), when present, flash_sale.py (the flash-sale
row: it sets `FIGURES` with the keys named in TARGETS below), and reports_bench.py (the
30-day overview of a 100,000-order shop on PostgreSQL; 10,000 orders in the quick variant).

"ratio" is how much of its limit a figure uses: value ÷ ceiling for a ceiling, floor ÷ value
for a floor; met when at most 1.00. The machine's other load is printed with the figures:
on a shared machine rates fall and CPU per request rises; ratios taken within one run (÷
/healthz, ÷ a hello page) move least. Writes bench-results.json (or --json FILE).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# name: (benchmark, kind, limit, what the issue says)
TARGETS = {
    "CPU per order, app + PostgreSQL (ms)": ("checkout", "ceiling", 8.0, "≤ 8 ms together"),
    "orders/s at 32 clients": ("checkout", "floor", 100.0, "≥ 100"),
    "p99 ms of the flow's requests": ("checkout", "ceiling", 300.0, "p99 < 300 ms"),
    "oversold units": ("checkout", "ceiling", 0, "0 oversold"),
    "listing rps / hello rps": ("catalog", "floor", 0.5, "≥ 0.5"),
    "detail rps / hello rps": ("catalog", "floor", 0.5, "≥ 0.5"),
    "search rps / hello rps": ("catalog", "floor", 0.3, "≥ 0.3"),
    "product page rps / hello template rps": ("checkout", "floor", 0.4, "≥ 0.4"),
    "big/small p50, listing first page": ("catalog", "ceiling", 1.2,
                                          "≤ 1.2 (full data set; quick size here)"),
    "plugins cost: CPU/order, 10 plugins vs minimum (same flow)": ("plugins", "ceiling", 0.05,
                                                                   "≤ 5 %"),
    "flash sale: orders at the sale price ÷ quota (exact)": ("flash_sale", "equal", 1,
                                                             "exactly the quota"),
    "flash sale: sold-out answers p99 ms": ("flash_sale", "ceiling", 200.0, "p99 < 200 ms"),
    "reports: 30-day overview p50 ms (100,000-order shop)": (
        "reports", "ceiling", 100.0, "p50 < 100 ms (issue 18; 10,000 orders quick)"),
}
BENCHES = {
    "catalog": ("catalog_bench", ["--quick"], []),
    "checkout": ("checkout_bench", ["--quick"], []),
    "plugins": ("plugins_cost", ["--quick"], []),
    "flash_sale": ("flash_sale", ["--quick"], []),  # added by the flash-sale work
    "reports": ("reports_bench", ["--quick"], []),  # issue 18: the overview of a big shop
}


def judge(kind: str, limit: float, value: float | None) -> tuple[str, float | None, bool]:
    if value is None:
        return "not measured", None, False
    if kind == "equal":
        return ("OK" if value == limit else "MISSED"), (value / limit if limit else None), \
            value == limit
    if kind == "ceiling":
        met = value <= limit
        ratio = value / limit if limit else (0.0 if value == 0 else float("inf"))
    else:
        met = value >= limit
        ratio = limit / value if value else float("inf")
    return ("OK" if met else "MISSED"), ratio, met


def run_bench(name: str, full: bool) -> tuple[dict, str | None]:
    module_name, quick, full_args = BENCHES[name]
    if not (HERE / f"{module_name}.py").exists():
        return {}, f"{module_name}.py is not in bench/ yet"
    module = importlib.import_module(module_name)
    started = time.perf_counter()
    print(f"\n===== {module_name} {'(full)' if full else '(quick)'} =====", flush=True)
    try:
        module.main(full_args if full else quick)
    except SystemExit:
        pass
    except Exception as exc:  # one benchmark failing must not hide the others' figures
        return dict(getattr(module, "FIGURES", {})), f"{type(exc).__name__}: {exc}"
    figures = dict(getattr(module, "FIGURES", {}))
    figures["_seconds"] = round(time.perf_counter() - started, 1)
    return figures, None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--only", default="", help="comma-separated: " + ",".join(BENCHES))
    p.add_argument("--full", action="store_true", help="the full variants (long)")
    p.add_argument("--json", default="bench-results.json")
    a = p.parse_args(argv)
    chosen = [x for x in (a.only.split(",") if a.only else BENCHES) if x]
    results: dict[str, dict] = {}
    problems: dict[str, str] = {}
    for name in chosen:
        figures, problem = run_bench(name, a.full)
        results[name] = figures
        if problem:
            problems[name] = problem
    rows = []
    all_met = True
    print("\n" + "=" * 100)
    print(f"Benchmarks against the issues' targets ({'full' if a.full else 'quick'} variants, "
          f"{os.cpu_count()} CPUs, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")
    header = f"{'figure':<50} {'value':>10} {'target':<30} {'ratio':>6}  verdict"
    print(header)
    print("-" * len(header))
    for figure, (bench, kind, limit, said) in TARGETS.items():
        if bench not in chosen:
            continue
        value = results.get(bench, {}).get(figure)
        verdict, ratio, met = judge(kind, limit, value)
        if verdict == "not measured" and bench in problems:
            verdict = f"not measured ({problems[bench][:60]})"
        all_met &= met
        shown = f"{value:>10.3f}" if isinstance(value, float) else f"{value!s:>10}"
        print(f"{figure:<50} {shown} {said:<30} "
              f"{(f'{ratio:6.2f}' if ratio is not None else '     -')}  {verdict}")
        rows.append({"figure": figure, "benchmark": bench, "value": value, "kind": kind,
                     "limit": limit, "target": said, "ratio": ratio, "met": met})
    others = {f"{b}: {k}": v for b, figs in results.items() for k, v in figs.items()
              if k not in TARGETS and not k.startswith("_")}
    if others:
        print("\nalso measured:")
        for k, v in others.items():
            print(f"  {k:<60} {v:.3f}" if isinstance(v, float) else f"  {k:<60} {v}")
    for bench, problem in problems.items():
        print(f"NOTE: {bench}: {problem}")
    with contextlib.suppress(OSError):
        Path(a.json).write_text(json.dumps({
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "variant": "full" if a.full else "quick", "cpus": os.cpu_count(),
            "targets": rows, "figures": results, "problems": problems},
            indent=1, ensure_ascii=False, default=str))
        print(f"\nwrote {a.json}")
    return 1 if (a.strict and not all_met) else 0


if __name__ == "__main__":
    sys.exit(main())
