"""The `galleria` command, run as a user would: a real process on a fresh database."""

import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT, on_postgres

pytestmark = pytest.mark.skipif(on_postgres(), reason="exercised on the embedded default")


def run(args, env, input_text=None):
    return subprocess.run([sys.executable, "-m", "galleria.cli", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, input=input_text, timeout=120)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    var = tmp_path_factory.mktemp("cli")
    return {**os.environ, "GALLERIA_VAR_DIR": str(var),
            "GALLERIA_DATABASE_URL": f"sqlite:///{var / 'cli.db'}"}


def test_bad_settings_are_a_clear_message_not_a_trace(env):
    result = run(["tenants", "list"], {**env, "GALLERIA_DATABASE_URL": "mysql://nope"})
    assert result.returncode != 0
    assert "GALLERIA_DATABASE_URL: expected sqlite:///path" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_create_list_and_apply(env):
    first = run(["migrate"], env)
    assert first.returncode == 0, first.stderr
    assert "up to date" in first.stdout
    assert run(["migrate"], env).returncode == 0  # idempotent

    created = run(["tenants", "create", "cli-shop", "--name", "CLI Shop", "--template",
                   "blank", "--owner-email", "cli@example.com", "--owner-password",
                   "Strong-pass-1"], env)
    assert created.returncode == 0, created.stderr
    assert "Admin API token (shown once): gal_" in created.stdout

    taken = run(["tenants", "create", "cli-shop", "--name", "Again", "--owner-email",
                 "other@example.com", "--owner-password", "Strong-pass-1"], env)
    assert taken.returncode != 0
    assert "taken" in taken.stderr and "Traceback" not in taken.stderr

    weak = run(["tenants", "create", "weak-shop", "--name", "W", "--owner-email",
                "w@example.com", "--owner-password", "short"], env)
    assert weak.returncode != 0 and "password: at least 10 characters" in weak.stderr

    listed = run(["tenants", "list"], env)
    assert "cli-shop" in listed.stdout

    demo_file = sorted((REPO_ROOT / "tenants" / "demo").glob("*.toml"))[0]
    applied = run(["tenants", "apply", str(demo_file)], env)
    assert applied.returncode == 0, applied.stderr
    again = run(["tenants", "apply", str(demo_file)], env)
    assert "already there" in again.stdout


def test_templates_and_plugins_are_listed(env):
    templates = run(["tenants", "templates"], env)
    assert templates.returncode == 0 and "grocery" in templates.stdout
    plugins = run(["plugins", "list"], env)
    assert plugins.returncode == 0, plugins.stderr


def test_worker_without_redis_says_why(env):
    result = run(["worker"], {**env, "GALLERIA_SECRET_KEY": "k" * 40})
    assert result.returncode != 0
    assert "needs GALLERIA_REDIS_URL" in result.stderr
