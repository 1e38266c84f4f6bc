"""What the fault tests share: real processes (a private redis-server, `galleria worker`,
`galleria serve`) on spare ports of 127.0.0.1, killed and restarted at will, and the
checks that must hold after any fault."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from galleria.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def galleria_command() -> list[str]:
    script = Path(sys.executable).with_name("galleria")
    return [str(script)] if script.exists() else [sys.executable, "-m", "galleria.cli"]


class PrivateRedis:
    """A redis-server of the test's own, without persistence, stopped and started again on
    the same port (what an operator sees when Redis restarts)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class Process:
    """A `galleria` command in its own process group, logging to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen([*galleria_command(), *self.args], cwd=REPO_ROOT,
                                      env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        handle.close()
        return self

    def kill9(self) -> None:
        """What the kernel's OOM killer or a pulled plug does: no clean-up at all."""
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def sql_elsewhere(settings: Settings, statement: str) -> str:
    """Run `statement` outside the app, committed before this returns, and give its output:
    on PostgreSQL `psql` as the database's owner (another process), on SQLite a connection of
    this process's own to the app's file. What the CLI, a migration or an operator's SQL does
    to rows the app caches."""
    if settings.is_postgres:
        done = subprocess.run([
            "psql", "-d", settings.admin_database_url or settings.database_url,
            "-v", "ON_ERROR_STOP=1", "-qtAc", statement],
            check=True, capture_output=True, text=True, timeout=60)
        return done.stdout.strip()
    import sqlite3

    path = settings.database_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        rows = connection.execute(statement).fetchall()
        connection.commit()
    return "\n".join("|".join("" if v is None else str(v) for v in row) for row in rows)


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "GALLERIA_DATABASE_URL": settings.database_url,
           "GALLERIA_SECRET_KEY": settings.secret_key, "GALLERIA_VAR_DIR": str(settings.var_dir),
           "GALLERIA_DOMAIN": settings.domain, "PYTHONUNBUFFERED": "1"}
    env.pop("GALLERIA_REDIS_URL", None)
    if settings.admin_database_url:
        env["GALLERIA_ADMIN_DATABASE_URL"] = settings.admin_database_url
    env.update(extra)
    return env


async def wait_for(condition: Callable[[], Awaitable[Any]], seconds: float,
                   what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        await asyncio.sleep(interval)


def serve(settings: Settings, log: Path, **extra: str) -> tuple[Process, int]:
    """`galleria serve` on a spare port (started; wait with `wait_until_up`)."""
    port = free_port()
    env = process_env(settings, **extra)
    return Process(["serve", "--port", str(port)], env, log).start(), port


def wait_until_up(port: int, process: Process, seconds: float = 40) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.popen is not None and process.popen.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{process.tail()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start:\n{process.tail()}")


class HtmlBrowser:
    """A shopper's (or a clerk's) browser against a served app over real HTTP: one shop
    host, its own cookies, the CSRF token of the last page."""

    CSRF = r'name="_csrf_token" value="([^"]+)"'

    def __init__(self, port: int, host: str, language: str = "zh-CN") -> None:
        import httpx

        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20,
                                      headers={"host": host, "accept": "text/html",
                                               "accept-language": language})
        self.csrf = ""

    async def get(self, path: str, **kwargs: Any):
        import re

        answer = await self.http.get(path, **kwargs)
        if found := re.search(self.CSRF, answer.text):
            self.csrf = found.group(1)
        return answer

    async def post(self, path: str, data: dict[str, str]):
        import re

        answer = await self.http.post(path, data={"_csrf_token": self.csrf, **data})
        if found := re.search(self.CSRF, answer.text):
            self.csrf = found.group(1)
        return answer

    async def close(self) -> None:
        await self.http.aclose()


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (`initdb` on a spare port, run as the
    `postgres` user because tests run as root), stopped like a crash and started again."""

    def __init__(self) -> None:
        import glob
        import tempfile

        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        self.bin = Path(bins[-1]).parent if bins else None
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="galleria-pg-"))
        self.data = self.root / "data"

    def available(self) -> str | None:
        """Why this machine cannot run one, or None."""
        if self.bin is None:
            return "no initdb under /usr/lib/postgresql/*/bin"
        if os.geteuid() == 0 and not shutil.which("runuser"):
            return "running as root without runuser to become postgres"
        return None

    def _as_postgres(self, *args: str) -> subprocess.CompletedProcess:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                          str(self.root / "postgres.log"), "-w", "-o",
                          f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                          f"-c fsync=off -c full_page_writes=off", "start")

    def crash(self) -> None:
        """Stop at once, as a crash would (recovery runs at the next start)."""
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop")

    def psql(self, sql: str) -> None:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                        "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, capture_output=True,
                       timeout=60)

    def url(self, role: str, database: str) -> str:
        return f"postgresql://{role}@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        if self.data.exists():
            with contextlib.suppress(subprocess.CalledProcessError):  # not running
                self.crash()
        shutil.rmtree(self.root, ignore_errors=True)


def check_shop_elsewhere(env: dict[str, str], slug: str) -> list[str]:
    """`invariants.check_shop` against the database of `env` (another process: this one's
    database is the test session's)."""
    import json

    result = subprocess.run([sys.executable, str(Path(__file__).with_name("invariants.py")),
                             slug], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}
ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}


async def open_shop_over_http(api: Any, slug: str) -> str:
    """Sign a shop up on a served app; its admin token."""
    answer = await api.post("/api/platform/v1/signup", headers={"host": "localhost"}, json={
        "shop_name": f"Shop {slug}", "slug": slug, "email": f"owner@{slug}.example",
        "password": "Correct-Horse-9", "template": "blank"})
    assert answer.status_code == 201, answer.text
    return answer.json()["admin_token"]


async def add_product_over_http(api: Any, host: str, token: str, sku: str,
                                stock: int) -> int:
    """A product with one variant; the variant's id."""
    answer = await api.post("/api/admin/v1/products", headers={
        "host": host, "authorization": f"Bearer {token}"}, json={
        "name": "龙井", "variants": [{"sku": sku, "price": 2800, "stock": stock}]})
    assert answer.status_code == 201, answer.text
    return answer.json()["variants"][0]["id"]


async def order_over_http(api: Any, host: str, variant: int, quantity: int = 1) -> Any:
    """A guest's cart → order through the JSON API; the placing answer (or the first
    answer that was not a success)."""
    cart = await api.post("/api/v1/carts", headers={"host": host})
    if cart.status_code != 201:
        return cart
    added = await api.post(f"/api/v1/carts/{cart.json()['id']}/items", headers={"host": host},
                           json={"variant_id": variant, "quantity": quantity})
    if added.status_code != 200:
        return added
    return await api.post("/api/v1/orders", headers={"host": host}, json={
        "cart_id": cart.json()["id"], "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat_pay"})


# Fixtures (imported by the test modules that use them: a conftest.py here would shadow the
# suite's own `conftest` module, which tests import by that name).
@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres()
    reason = cluster.available()
    if reason:
        pytest.skip(f"a private PostgreSQL cannot run here: {reason}")
    cluster.init()
    cluster.start()
    yield cluster
    cluster.destroy()
