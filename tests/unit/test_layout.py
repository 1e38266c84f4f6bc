"""Packaging and layering rules of ARCHITECTURE.md §1."""

import subprocess
import sys

from conftest import REPO_ROOT


def test_import_platform_from_repo_root_is_the_standard_library():
    out = subprocess.run(
        [sys.executable, "-c", "import platform, sys; print(platform.python_version())"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == ".".join(map(str, sys.version_info[:3]))


def test_there_is_no_platform_package_marker():
    assert not (REPO_ROOT / "platform" / "__init__.py").exists()


def test_layering_contracts_hold():
    """The kernel imports neither web, jobs, auth nor plugins (import-linter)."""
    lint = REPO_ROOT / ".venv" / "bin" / "lint-imports"
    command = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    out = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_plugins_import_only_the_public_kernel_api():
    """Plugins may import `galleria.kernel` and `galleria.testing`, nothing deeper."""
    import ast

    offenders = []
    for path in (REPO_ROOT / "plugins").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("galleria") and name not in (
                        "galleria.kernel", "galleria.testing") and not name.startswith(
                        "galleria_plugins." + path.relative_to(REPO_ROOT / "plugins").parts[0]):
                    offenders.append(f"{path.relative_to(REPO_ROOT)}: {name}")
    assert offenders == []
