"""A virtualenv for installing a plugin as its author would, without touching the suite's.

The new venv sees the suite's packages through a `.pth` file that adds the suite's
site-packages as a site directory (so Galleria, its plugins and pytest are there, editable
finders included), and gets the plugin installed into itself only. Its pytest then loads
galleria.testing's fixtures through the pytest11 entry point, as in the author's project.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

# Install tests take a minute each: GALLERIA_SKIP_PACKAGING=1 skips them outside CI.
skip_locally = pytest.mark.skipif(
    os.environ.get("GALLERIA_SKIP_PACKAGING") == "1" and os.environ.get("CI") != "true",
    reason="GALLERIA_SKIP_PACKAGING=1")


def run(*command: str | Path, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def plugin_venv(where: Path) -> Path:
    """A venv at `where` layered on this interpreter's packages; returns its python."""
    # --without-pip: pip and setuptools then come from the suite's venv (setuptools>=77).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    suite = sysconfig.get_paths()["purelib"]
    (Path(site.stdout.strip()) / "galleria_suite.pth").write_text(
        f"import site; site.addsitedir({suite!r})\n")
    return python


def install(python: Path, project: Path, editable: bool = True) -> None:
    """`pip install [-e] project`, as the plugin's README says (dependencies already there)."""
    done = run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
               *(["-e"] if editable else []), project)
    assert done.returncode == 0, done.stdout + done.stderr


def run_tests(python: Path, project: Path) -> subprocess.CompletedProcess:
    """The project's own tests, on the database this run uses (the environment passes on)."""
    return run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project,
               env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
