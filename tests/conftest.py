"""Test fixtures: a real database (SQLite by default, PostgreSQL with
GALLERIA_TEST_DATABASE=postgres), Redis with GALLERIA_TEST_REDIS=1, and the real ASGI app.

The fixtures (`settings`, `plugin_host`, `migrated`, `app`, `client`, `runtime`,
`open_shop`, `shopper`, `console`) are galleria.testing's pytest plugin, the same a plugin
author's tests get (docs/plugins.md, "Testing plugins"). On PostgreSQL the run creates a
fresh database, migrates it as the owner (`postgres`) and runs the app as `galleria_app`, a
role subject to row-level security, as in production.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from galleria.testing import ShopHandle, on_postgres, unique_slug
from galleria.testing.database import TEST_SECRET
from galleria.testing.shops import DOMAIN

__all__ = ["DOMAIN", "REPO_ROOT", "TEST_SECRET", "ShopHandle", "on_postgres", "unique_slug"]

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": shutil.which("chromium")}
