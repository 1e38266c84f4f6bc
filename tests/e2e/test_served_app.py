"""The browser tests' served app runs on the database of the pass (on the PostgreSQL pass,
a fresh database of its own, the app connected as `galleria_app`), and a missing chromium
fails CI instead of skipping every browser test."""

from __future__ import annotations

import subprocess
import urllib.request

import pytest

from conftest import chromium_path

from .conftest import LiveServer, on_postgres


def test_the_served_app_runs_on_the_database_of_the_pass(live_server: LiveServer) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{live_server.port}/readyz") as answer:
        assert answer.status == 200
    if not on_postgres():
        assert live_server.database_url.startswith("sqlite:///")
        return
    assert live_server.database_url.startswith("postgresql://galleria_app@127.0.0.1")
    name = live_server.database_url.rsplit("/", 1)[1]
    assert name.startswith("galleria_e2e_")
    sessions = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qtAc",
         "SELECT count(*) FROM pg_stat_activity "
         f"WHERE usename = 'galleria_app' AND datname = '{name}'"],
        check=True, capture_output=True, text=True).stdout.strip()
    assert int(sessions) > 0  # the app's pool, as the role subject to row-level security


def test_without_chromium_browser_tests_fail_in_ci_and_skip_elsewhere(monkeypatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        chromium_path()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        chromium_path()
