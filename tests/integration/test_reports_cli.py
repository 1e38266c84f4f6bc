"""`galleria reports rebuild`, run as an operator would: a real process on a fresh database."""

import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, on_postgres

pytestmark = pytest.mark.skipif(on_postgres(), reason="exercised on the embedded default")


def run(args, env):
    return subprocess.run([sys.executable, "-m", "galleria.cli", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_rebuild_one_shop_every_shop_and_an_unknown_one(tmp_path):
    env = {**os.environ, "GALLERIA_VAR_DIR": str(tmp_path),
           "GALLERIA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run(["migrate"], env).returncode == 0
    created = run(["tenants", "create", "rollup-shop", "--name", "Rollups", "--owner-email",
                   "r@example.com", "--owner-password", "Strong-pass-1"], env)
    assert created.returncode == 0, created.stderr
    one = run(["reports", "rebuild", "--shop", "rollup-shop"], env)
    assert one.returncode == 0, one.stderr
    assert one.stdout.strip() == "rollup-shop: 0 days with orders"
    every = run(["reports", "rebuild"], env)
    assert every.returncode == 0 and "rollup-shop: 0 days" in every.stdout
    unknown = run(["reports", "rebuild", "--shop", "nope"], env)
    assert unknown.returncode != 0
    assert "no shop 'nope'" in unknown.stderr and "Traceback" not in unknown.stderr
