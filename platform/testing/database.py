"""The database and settings of a test run: SQLite in a temporary folder, or a new
PostgreSQL database (`GALLERIA_TEST_DATABASE=postgres`), as `galleria.testing.fixtures` and
the project's own tests use them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from galleria.settings import Settings
from galleria.testing.shops import DOMAIN

TEST_SECRET = "test-secret-key-" + "x" * 32


def on_postgres() -> bool:
    """Whether this run tests on PostgreSQL (`GALLERIA_TEST_DATABASE=postgres`)."""
    return os.environ.get("GALLERIA_TEST_DATABASE", "sqlite") == "postgres"


def _postgres_server() -> str:
    return os.environ.get("GALLERIA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def psql(sql: str) -> None:
    subprocess.run(["psql", "-d", f"{_postgres_server()}/postgres", "-v", "ON_ERROR_STOP=1",
                    "-qc", sql], check=True, capture_output=True)


def _app_url(name: str) -> str:
    """The app role's URL of database `name`: the server's URL with the user replaced."""
    role = os.environ.get("GALLERIA_TEST_APP_ROLE", "galleria_app")
    scheme, rest = _postgres_server().split("://", 1)
    return f"{scheme}://{role}@{rest.rsplit('@', 1)[-1]}/{name}"


def run_settings(var: Path) -> Settings:
    """Settings of a fresh database for one run; `var` is its var folder (media, SQLite)."""
    env = {"GALLERIA_SECRET_KEY": TEST_SECRET, "GALLERIA_VAR_DIR": str(var),
           "GALLERIA_DOMAIN": DOMAIN, "GALLERIA_SIGNUP_RATE_LIMIT": "1000"}
    if on_postgres():
        name = f"galleria_test_{os.getpid()}"
        psql(f"DROP DATABASE IF EXISTS {name}")
        psql(f"CREATE DATABASE {name}")
        env["GALLERIA_ADMIN_DATABASE_URL"] = f"{_postgres_server()}/{name}"
        env["GALLERIA_DATABASE_URL"] = _app_url(name)
    else:
        env["GALLERIA_DATABASE_URL"] = f"sqlite:///{var / 'test.db'}"
    if os.environ.get("GALLERIA_TEST_REDIS"):
        # A database of its own per concurrent run (job queues would otherwise cross-talk).
        env["GALLERIA_REDIS_URL"] = os.environ.get("GALLERIA_TEST_REDIS_URL",
                                                   "redis://127.0.0.1:6379/15")
    return Settings.from_env(env)


def drop_test_database(settings: Settings) -> None:
    """Drop the run's PostgreSQL database (nothing to do on SQLite: a temporary file)."""
    if on_postgres():
        psql(f"DROP DATABASE IF EXISTS {settings.database_url.rsplit('/', 1)[1]} WITH (FORCE)")
