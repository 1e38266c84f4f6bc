"""Lighthouse (mobile) on the demo storefront: home, a category, a product, cart, checkout.

    (cd tools/lighthouse && npm ci)        # once: Lighthouse 12 in a dev folder
    .venv/bin/python bench/lighthouse.py   # ~2 minutes; --keep to leave the server running

Starts `galleria demo` on SQLite in a temporary folder on a free port, puts a product in a
cart (so the cart and checkout pages have something on them; the cookie is handed to
Lighthouse), runs Lighthouse's mobile preset with Debian's chromium on each page, and prints
each category's score and its ratio to the 95 target (target ÷ score; met when ≤ 1.00).
Exits 1 when a score is under 95. Not run in CI: it takes minutes and a browser.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "tools/lighthouse/node_modules/.bin/lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGET = 95
SHOP = "tea-house"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_demo(var_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "GALLERIA_VAR_DIR": str(var_dir), "GALLERIA_DOMAIN": "localhost",
           "GALLERIA_SECRET_KEY": secrets.token_hex(24)}
    for name in ("GALLERIA_DATABASE_URL", "GALLERIA_REDIS_URL", "GALLERIA_DEBUG"):
        env.pop(name, None)
    galleria = Path(sys.executable).with_name("galleria")
    return subprocess.Popen([str(galleria), "demo", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _client(port: int) -> httpx.Client:
    """A client for the shop (by its Host header: Python does not resolve *.localhost)."""
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15, follow_redirects=True,
                        headers={"host": f"{SHOP}.localhost:{port}"})


def _wait(port: int, server: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"galleria demo stopped (exit {server.returncode})")
        try:
            with _client(port) as client:
                if client.get("/").status_code == 200:
                    return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("galleria demo did not answer in time")


def _pages(port: int) -> tuple[list[tuple[str, str]], str]:
    """The pages to measure and the Cookie header of a cart holding one product."""
    with _client(port) as client:
        home = client.get("/").text
        category = re.search(r'href="(/\?category=[^"]+)"', home)
        product = re.search(r'href="(/products/\d+)"', home)
        if not (category and product):
            raise SystemExit("the demo shop's home page lists no category or product")
        page = client.get(product.group(1)).text
        form = re.search(r'<form[^>]*action="/cart/items".*?</form>', page, re.S)
        if not form:
            raise SystemExit("the product page has no add-to-cart form")
        fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form.group(0)))
        fields.pop("then", None)
        fields.setdefault("quantity", "1")
        variant = re.search(r'name="variant_id"[^>]*value="(\d+)"', page) or re.search(
            r'value="(\d+)"[^>]*name="variant_id"', page) or re.search(
            r'data-variant(?:-id)?="(\d+)"', page)
        if variant:
            fields.setdefault("variant_id", variant.group(1))
        headers = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        added = client.post("/cart/items", data=fields, headers=headers)
        if "/cart" not in str(added.url):
            raise SystemExit(f"could not put the product in a cart ({added.status_code})")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    pages = [("home", "/"), ("category", category.group(1).replace("&amp;", "&")),
             ("product", product.group(1)), ("cart", "/cart"), ("checkout", "/checkout")]
    return pages, cookie


def _lighthouse(url: str, cookie: str, out: Path) -> dict[str, float]:
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
               f"--chrome-flags={CHROME_FLAGS}",
               f"--only-categories={','.join(CATEGORIES)}",
               f"--extra-headers={json.dumps({'Cookie': cookie})}"]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROME},
                   cwd=LIGHTHOUSE.parents[2], timeout=300)
    report = json.loads(out.read_text())
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def _failures(report_path: Path, category: str) -> list[str]:
    report = json.loads(report_path.read_text())
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit.get("score") is not None and audit["score"] < 1:
            lines.append(f"      {audit['id']}: {audit['title']} ({audit.get('displayValue', '')})")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the server running")
    parser.add_argument("--reports", type=Path, help="keep the JSON reports in this folder")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: (cd tools/lighthouse && npm ci)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="galleria-lighthouse-"))
    port = _free_port()
    server = _start_demo(work / "var", port)
    base = f"http://{SHOP}.localhost:{port}"
    try:
        _wait(port, server)
        pages, cookie = _pages(port)
        reports = args.reports or work / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        missed = False
        print(f"Lighthouse (mobile) on {base}; target {TARGET} in every category; "
              "ratio = target ÷ score (met when ≤ 1.00)")
        print(f"{'page':<10}" + "".join(f"{name:>22}" for name in CATEGORIES))
        for name, path in pages:
            out = reports / f"{name}.json"
            scores = _lighthouse(base + path, cookie, out)
            cells = "".join(f"{score:>10} ({TARGET / max(score, 1):.2f})" + " " * 4
                            for score in scores.values())
            print(f"{name:<10}{cells}", flush=True)
            for category, score in scores.items():
                if score < TARGET:
                    missed = True
                    print(f"    {category} {score}:", *_failures(out, category), sep="\n")
        if args.reports is None:
            shutil.rmtree(reports, ignore_errors=True)
        if args.keep:
            print(f"server left running on {base} (pid {server.pid})")
            return 1 if missed else 0
        return 1 if missed else 0
    finally:
        if not args.keep:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
