"""The platform and its first-party plugins install from their wheels, without the repository.

Builds the sdist of `galleria` and of every plugin from a copy of the tracked files (as a
fresh clone has them), the wheels from those sdists, installs the third-party set from
requirements.lock and the wheels into a new virtualenv under a temporary folder, then runs
`galleria migrate` and requests pages from `galleria serve`.

Takes a minute or two, so it can be skipped locally with GALLERIA_SKIP_PACKAGING=1; under
CI=true it always runs. It runs in the SQLite pass only (it does not use the test database).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from conftest import REPO_ROOT, TEST_SECRET, on_postgres

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(os.environ.get("GALLERIA_SKIP_PACKAGING") == "1"
                       and os.environ.get("CI") != "true",
                       reason="GALLERIA_SKIP_PACKAGING=1"),
    pytest.mark.skipif(on_postgres(), reason="runs once, in the SQLite pass"),
]

PLUGINS = sorted(p.parent.name for p in (REPO_ROOT / "plugins").glob("*/pyproject.toml"))
NOT_SHIPPED = {"pyproject.toml", "setup.py"}


def _run(*command: str | Path, cwd: Path | None = None, env=None) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _source_files(folder: Path) -> set[str]:
    """What a distribution must carry from `folder`: every file but caches and build files."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and p.name not in NOT_SHIPPED
            and not any(part == "__pycache__" or part.endswith(".egg-info") or part == "build"
                        for part in p.relative_to(folder).parts)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the copy of the tracked tree, the folder of sdists and wheels)."""
    work = tmp_path_factory.mktemp("packaging")
    source, dist = work / "source", work / "dist"
    listed = _run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z",
                  cwd=REPO_ROOT)
    for name in filter(None, listed.split("\0")):
        if (REPO_ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, source / name)
    for project in [source, *(source / "plugins" / name for name in PLUGINS)]:
        # sdist first, then the wheel built from that sdist: both must carry everything.
        _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, project)
    return source, dist


def _wheel(dist: Path, distribution: str) -> set[str]:
    (path,) = dist.glob(f"{distribution.replace('-', '_')}-*.whl")
    return set(zipfile.ZipFile(path).namelist())


def _sdist(dist: Path, distribution: str) -> set[str]:
    (path,) = dist.glob(f"{distribution.replace('-', '_')}-*.tar.gz")
    with tarfile.open(path) as archive:
        return {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}


def test_the_galleria_wheel_and_sdist_carry_the_whole_platform(built):
    source, dist = built
    wheel, sdist = _wheel(dist, "galleria"), _sdist(dist, "galleria")
    for folder, package in (("platform", "galleria"), ("tenants", "galleria/tenants")):
        files = _source_files(source / folder)
        assert {f"{package}/{name}" for name in files} - wheel == set()
        assert {f"{folder}/{name}" for name in files} - sdist == set()
    # Spot checks of what a missing pattern loses first.
    assert {"galleria/kernel/__init__.py", "galleria/web/locale/zh_CN/LC_MESSAGES/messages.po",
            "galleria/tenants/templates/grocery.toml"} <= wheel


@pytest.mark.parametrize("plugin", PLUGINS)
def test_each_plugin_wheel_carries_its_plugin(built, plugin):
    source, dist = built
    distribution = f"galleria-plugin-{plugin.replace('_', '-')}"
    files = _source_files(source / "plugins" / plugin)
    assert {f"galleria_plugins/{plugin}/{name}" for name in files} - _wheel(dist, distribution) \
        == set()
    entry_points = next(name for name in _wheel(dist, distribution)
                        if name.endswith("entry_points.txt"))
    assert entry_points


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_installed_from_the_wheels_it_migrates_and_serves(built, tmp_path):
    _, dist = built
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
    _run(*pip, "--require-hashes", "-r", REPO_ROOT / "requirements.lock")
    wheels = sorted(dist.glob("*.whl"))
    _run(*pip, "--no-index", "--no-deps", *wheels)
    _run(venv / "bin" / "python", "-m", "pip", "check")

    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
           "GALLERIA_SECRET_KEY": TEST_SECRET, "GALLERIA_VAR_DIR": str(tmp_path / "var"),
           "GALLERIA_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}",
           "GALLERIA_DOMAIN": "localhost"}
    galleria = venv / "bin" / "galleria"
    assert "Database is up to date." in _run(galleria, "migrate", cwd=tmp_path, env=env)
    listed = _run(galleria, "plugins", "list", cwd=tmp_path, env=env)
    assert [line.split()[0] for line in listed.splitlines()] == PLUGINS

    port = _free_port()
    server = subprocess.Popen([str(galleria), "serve", "--port", str(port)], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        # A shop from a shipped template: templates, images and plugins come from the wheels.
        signup = httpx.post(f"{base}/api/platform/v1/signup", headers={"host": "localhost"},
                            json={"shop_name": "Wheel tea", "slug": "wheeltea",
                                  "email": "owner@wheeltea.example",
                                  "password": "Correct-Horse-9", "template": "grocery"})
        assert signup.status_code == 201, signup.text
        storefront = httpx.get(f"{base}/", headers={"host": "wheeltea.localhost"})
        assert storefront.status_code == 200
        assert "Wheel tea" in storefront.text
        styles = httpx.get(f"{base}/static/galleria.css", headers={"host": "wheeltea.localhost"})
        assert styles.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
