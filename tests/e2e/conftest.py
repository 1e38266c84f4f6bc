"""Browser tests: a real `galleria` server in a subprocess, driven by Debian Chromium.

The server gets its own var dir and its own database of the pass: SQLite, or on the
PostgreSQL pass (GALLERIA_TEST_DATABASE=postgres) a fresh PostgreSQL database that `galleria
migrate` sets up as the owner while the app connects as `galleria_app` (subject to row-level
security), as tests/conftest.py does; it listens on a free port of 127.0.0.1. Chromium
resolves `*.localhost` to the loopback address by itself, so shop hosts such as
`http://tea.localhost:PORT/` need no DNS set-up.

Playwright's sync API and pytest-asyncio share the main thread: see
`pytest_collection_modifyitems` below for why the browser tests run last.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SECRET = "e2e-secret-key-" + "y" * 40
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/{name}"
PG_APP = "postgresql://galleria_app@127.0.0.1:5432/{name}"
_databases = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests after all others.

    While Playwright's sync API is alive (its fixtures live for the session) it keeps an
    event loop marked as running in the main thread, and pytest-asyncio then cannot run
    the async tests ("Runner.run() cannot be called from a running event loop"). The
    other way round is fine: pytest-asyncio's loop runs only during async tests.
    """
    def uses_a_browser(item: pytest.Item) -> bool:
        names = getattr(item, "fixturenames", ())
        return item.get_closest_marker("e2e") is not None or "page" in names or \
            "browser" in names

    items.sort(key=uses_a_browser)  # stable: the order within each group is kept


@dataclass(frozen=True)
class LiveServer:
    port: int
    domain: str = "localhost"
    database_url: str = ""  # the one the app connects with
    env: tuple[tuple[str, str], ...] = ()  # the server's environment, for `galleria` commands

    def command(self, *args: str) -> str:
        """Run `galleria ARGS` against this server's database, as an operator would."""
        done = subprocess.run([*_galleria(), *args], env=dict(self.env), check=True,
                              capture_output=True, text=True, timeout=120)
        return done.stdout

    @property
    def url(self) -> str:
        return f"http://{self.domain}:{self.port}"

    def shop_url(self, slug: str) -> str:
        return f"http://{slug}.{self.domain}:{self.port}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _galleria() -> list[str]:
    script = Path(sys.executable).with_name("galleria")
    return [str(script)] if script.exists() else [sys.executable, "-m", "galleria.cli"]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    # Generous: CI machines are shared, and a loaded one takes a while to import the app.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start in {timeout}s:\n{log.read_text()[-4000:]}")


def on_postgres() -> bool:
    return os.environ.get("GALLERIA_TEST_DATABASE", "sqlite") == "postgres"


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1",
                    "-qc", sql], check=True, capture_output=True)


def database_urls(var: Path) -> dict[str, str]:
    """The database settings of a throwaway server: a SQLite file in `var`, or on the
    PostgreSQL pass a fresh database (dropped when `serving` ends)."""
    if not on_postgres():
        return {"GALLERIA_DATABASE_URL": f"sqlite:///{var / 'e2e.db'}"}
    name = f"galleria_e2e_{os.getpid()}_{next(_databases)}"
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _psql(f"CREATE DATABASE {name}")
    return {"GALLERIA_ADMIN_DATABASE_URL": PG_ADMIN.format(name=name),
            "GALLERIA_DATABASE_URL": PG_APP.format(name=name)}


def server_env(var: Path, **extra: str) -> dict[str, str]:
    """The environment of a throwaway `galleria` under `var`: this process's environment
    without its GALLERIA_ settings, a database of the pass (`database_urls`), and `extra`.
    The app runs its jobs itself (no Redis): a browser test has no `galleria worker`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GALLERIA_")}
    env.update({
        **database_urls(var),
        "GALLERIA_SECRET_KEY": SECRET,
        "GALLERIA_VAR_DIR": str(var),
        "GALLERIA_DOMAIN": "localhost",
        # Every browser test opens its shops through signup, all from 127.0.0.1.
        "GALLERIA_SIGNUP_RATE_LIMIT": "1000",
        **extra,
    })
    return env


@contextmanager
def serving(env: dict[str, str], var: Path, port: int | None = None) -> Iterator[LiveServer]:
    """`galleria.web.asgi:app` under uvicorn on 127.0.0.1 (a free port unless `port`) with
    `env`, until the block ends. Migrate (or seed) before. A PostgreSQL database made by
    `server_env` is dropped afterwards."""
    server = LiveServer(port=port or _free_port(), database_url=env["GALLERIA_DATABASE_URL"],
                        env=tuple(env.items()))
    log = var / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "galleria.web.asgi:app", "--host", "127.0.0.1",
             "--port", str(server.port), "--log-level", "warning"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{server.port}/healthz", process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if "GALLERIA_ADMIN_DATABASE_URL" in env and "galleria_e2e_" in env["GALLERIA_DATABASE_URL"]:
            name = env["GALLERIA_DATABASE_URL"].rsplit("/", 1)[1]
            _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def migrate(env: dict[str, str]) -> None:
    subprocess.run([*_galleria(), "migrate"], env=env, check=True, capture_output=True,
                   timeout=120)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var = tmp_path_factory.mktemp("e2e")
    env = server_env(var)
    migrate(env)
    with serving(env, var) as server:
        yield server


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server in sandbox mode (`GALLERIA_SANDBOX=1`, as `galleria demo` runs): the
    payment and SMS simulators at `/sandbox/…`, one-click sandbox payments for any shop."""
    var = tmp_path_factory.mktemp("sandbox")
    env = server_env(var, GALLERIA_SANDBOX="1")
    migrate(env)
    with serving(env, var) as server:
        yield server


@pytest.fixture(scope="session")
def screenshots(pytestconfig: pytest.Config) -> Path:
    """Where screenshots go: pytest-playwright's output folder (`test-results/`)."""
    folder = Path(pytestconfig.getoption("--output")).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800},
            "locale": "en-US"}


@pytest.fixture(autouse=True)
def no_csp_violations(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Fail a browser test whose pages broke the Content-Security-Policy (an inline script or
    style, an outside source): Chromium logs each violation to the console. Every context
    the test opens is watched, the `page` fixture's and the test's own. Yields the list, for
    a test that provokes a violation on purpose to take it out."""
    if not {"page", "browser"} & set(request.fixturenames):
        yield []
        return
    browser = request.getfixturevalue("browser")
    violations: list[str] = []

    def watch(context) -> None:
        context.on("console", lambda message: violations.append(
            f"{message.text} (at {message.location.get('url', '?')})")
                   if "Content Security Policy" in message.text else None)

    for context in browser.contexts:
        watch(context)
    open_context = browser.new_context

    def new_context(*args, **kwargs):
        context = open_context(*args, **kwargs)
        watch(context)
        return context

    browser.new_context = new_context
    try:
        yield violations
    finally:
        del browser.new_context  # the instance attribute: the class's method again
    assert violations == []
