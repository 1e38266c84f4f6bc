"""Test fixtures: a real database (SQLite by default, PostgreSQL with
GALLERIA_TEST_DATABASE=postgres), Redis with GALLERIA_TEST_REDIS=1, and the real ASGI app.

On PostgreSQL the suite creates a fresh database, migrates it as the owner (`postgres`) and
runs the app as `galleria_app`, a role subject to row-level security, as in production.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from galleria.kernel.plugins import PluginHost
from galleria.settings import Settings

# Property tests judge results, not speed: CI shares two cores between the app, the databases
# and the browser, so hypothesis' per-example deadline would fail healthy examples at random.
hypothesis_settings.register_profile("galleria", deadline=None)
hypothesis_settings.load_profile("galleria")

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/{name}"
PG_APP = "postgresql://galleria_app@127.0.0.1:5432/{name}"
TEST_SECRET = "test-secret-key-" + "x" * 32
DOMAIN = "localhost"
_counter = itertools.count(1)


def on_postgres() -> bool:
    return os.environ.get("GALLERIA_TEST_DATABASE", "sqlite") == "postgres"


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1",
                    "-qc", sql], check=True, capture_output=True)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var = tmp_path_factory.mktemp("var")
    env = {"GALLERIA_SECRET_KEY": TEST_SECRET, "GALLERIA_VAR_DIR": str(var),
           "GALLERIA_DOMAIN": DOMAIN, "GALLERIA_SIGNUP_RATE_LIMIT": "1000"}
    if on_postgres():
        name = f"galleria_test_{os.getpid()}"
        _psql(f"DROP DATABASE IF EXISTS {name}")
        _psql(f"CREATE DATABASE {name}")
        env["GALLERIA_ADMIN_DATABASE_URL"] = PG_ADMIN.format(name=name)
        env["GALLERIA_DATABASE_URL"] = PG_APP.format(name=name)
    else:
        env["GALLERIA_DATABASE_URL"] = f"sqlite:///{var / 'test.db'}"
    if os.environ.get("GALLERIA_TEST_REDIS"):
        # A database of its own per concurrent run (jobs queues would otherwise cross-talk).
        env["GALLERIA_REDIS_URL"] = os.environ.get("GALLERIA_TEST_REDIS_URL",
                                                   "redis://127.0.0.1:6379/15")
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def plugin_host() -> PluginHost:
    host = PluginHost()
    host.load_entry_points()
    return host


@pytest.fixture(scope="session")
async def migrated(settings: Settings, plugin_host: PluginHost) -> AsyncIterator[Settings]:
    from galleria.migrations import migrate

    await migrate(settings, plugin_host)
    yield settings
    if on_postgres():
        name = settings.database_url.rsplit("/", 1)[1]
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
async def app(migrated: Settings, plugin_host: PluginHost):
    from galleria.web.app import create_app

    app = create_app(migrated, host=plugin_host, embedded_worker=False)
    runtime = app.state.runtime
    if runtime.redis is not None:  # rate-limit counts of this run only, not earlier runs'
        from galleria.auth.ratelimit import RedisLimiter

        runtime.limiter = RedisLimiter(runtime.redis, namespace=f"galleria:test:{uuid.uuid4()}")
    return app


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client through the ASGI app. The runtime opens once per session in the tests'
    own event loop, so tests may also use the database pool directly. (Litestar's lifespan
    holds an anyio task group that pytest would exit from another task.)"""
    runtime = app.state.runtime
    await runtime.open()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url=f"http://{DOMAIN}") as client:
            yield client
    finally:
        await runtime.close()


@pytest.fixture(scope="session")
def runtime(app, client):
    return app.state.runtime


def unique_slug(prefix: str = "shop") -> str:
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


class ShopHandle:
    """A shop opened for a test, with its admin token and a way to call it."""

    def __init__(self, client: httpx.AsyncClient, slug: str, token: str, email: str) -> None:
        self.client, self.slug, self.token, self.email = client, slug, token, email
        self.host = f"{slug}.{DOMAIN}"

    def headers(self, admin: bool = True, **extra: str) -> dict[str, str]:
        headers = {"host": self.host, **extra}
        if admin:
            headers["authorization"] = f"Bearer {self.token}"
        return headers

    async def get(self, path: str, admin: bool = True, **kwargs):
        return await self.client.get(path, headers=self.headers(admin), **kwargs)

    async def post(self, path: str, json=None, admin: bool = True, headers=None, **kwargs):
        return await self.client.post(path, json=json, headers={**self.headers(admin),
                                                                 **(headers or {})}, **kwargs)

    async def put(self, path: str, json=None, admin: bool = True, **kwargs):
        return await self.client.put(path, json=json, headers=self.headers(admin), **kwargs)


@pytest.fixture
def open_shop(client: httpx.AsyncClient):
    """Open a shop through the signup API: `await open_shop(template="grocery")`."""

    async def _open(template: str | None = "blank", slug: str | None = None) -> ShopHandle:
        slug = slug or unique_slug()
        email = f"owner@{slug}.example"
        response = await client.post("/api/platform/v1/signup", json={
            "shop_name": f"Shop {slug}", "slug": slug, "email": email,
            "password": "Correct-Horse-9", "template": template,
        })
        assert response.status_code == 201, response.text
        return ShopHandle(client, slug, response.json()["admin_token"], email)

    return _open


def chromium_path() -> str:
    """Debian's chromium. Without it a browser test skips on a laptop, but fails in CI
    (CI=true): a green run must have driven a browser."""
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Debian chromium is not installed: browser tests cannot run in CI")
        pytest.skip("Debian chromium is not installed")
    return executable


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_path()}


REPO_ROOT = Path(__file__).resolve().parents[1]


CONCURRENCY_NOTE = ("concurrency is proved only by the PostgreSQL pass: on SQLite writers take "
                    "turns, so the {n} tests marked `concurrency` pass here without a race")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """On SQLite, say that the `concurrency` tests that ran proved nothing about races."""
    if on_postgres():
        return
    ran = [report for key in ("passed", "failed", "error")
           for report in terminalreporter.stats.get(key, [])
           if getattr(report, "when", "call") == "call" and "concurrency" in report.keywords]
    if ran:
        terminalreporter.write_sep("=", CONCURRENCY_NOTE.format(n=len(ran)), yellow=True)
