"""Test fixtures: a real database (SQLite by default, PostgreSQL with
GALLERIA_TEST_DATABASE=postgres), Redis with GALLERIA_TEST_REDIS=1, and the real ASGI app.

The fixtures (`settings`, `plugin_host`, `migrated`, `app`, `client`, `runtime`,
`open_shop`, `shopper`, `console`) are galleria.testing's pytest plugin, the same a plugin
author's tests get (docs/plugins.md, "Testing plugins"). On PostgreSQL the run creates a
fresh database, migrates it as the owner (`postgres`) and runs the app as `galleria_app`, a
role subject to row-level security, as in production.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from galleria.testing import ShopHandle, on_postgres, unique_slug
from galleria.testing.database import TEST_SECRET
from galleria.testing.shops import DOMAIN

# Property tests judge results, not speed: CI shares two cores between the app, the databases
# and the browser, so hypothesis' per-example deadline would fail healthy examples at random.
hypothesis_settings.register_profile("galleria", deadline=None)
hypothesis_settings.load_profile("galleria")

__all__ = ["DOMAIN", "REPO_ROOT", "TEST_SECRET", "ShopHandle", "on_postgres", "unique_slug"]

REPO_ROOT = Path(__file__).resolve().parents[1]


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


@pytest.fixture
def driver_statements(monkeypatch):
    """The statements the database drivers are sent, as the tests that count round trips
    need them (a commit call is "COMMIT"; piccolo's `PRAGMA foreign_keys` before each
    SQLite statement is not one: no round trip)."""
    sent: list[str] = []

    def counting(original):
        def wrapper(self, *args, **kwargs):
            text = " ".join(str(args[0]).split()) if args else "COMMIT"
            if not text.startswith("PRAGMA foreign_keys"):
                sent.append(text)
            return original(self, *args, **kwargs)
        return wrapper

    import aiosqlite
    import asyncpg.connection

    for name in ("fetch", "execute", "fetchrow", "fetchval", "executemany"):
        monkeypatch.setattr(asyncpg.connection.Connection, name,
                            counting(getattr(asyncpg.connection.Connection, name)))
    for name in ("execute", "executemany", "commit", "rollback"):
        monkeypatch.setattr(aiosqlite.Connection, name,
                            counting(getattr(aiosqlite.Connection, name)))
    return sent
