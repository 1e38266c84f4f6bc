"""An installed plugin made for another Galleria, or one that breaks on import, is disabled
with its reason: the CLI lists it and goes on, `galleria migrate` still runs."""

from plugin_venv import install, plugin_venv, run, skip_locally

pytestmark = [skip_locally]

PYPROJECT = """[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "galleria-{name}"
version = "1.0.0"
dependencies = ["{requirement}"]

[project.entry-points."galleria.plugins"]
{name} = "galleria_{name}"
"""


def _plugin(tmp_path, name: str, requirement: str, source: str):
    project = tmp_path / name
    (project / f"galleria_{name}").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT.format(name=name,
                                                             requirement=requirement))
    (project / f"galleria_{name}" / "__init__.py").write_text(source)
    return project


def test_incompatible_and_broken_plugins_are_disabled_not_a_crash(tmp_path):
    python = plugin_venv(tmp_path / "venv")
    install(python, _plugin(tmp_path, "from_the_future", "galleria>=99", ""), editable=False)
    install(python, _plugin(tmp_path, "broken", "galleria",
                            "raise RuntimeError('half-installed')\n"), editable=False)
    env = {"PATH": str(python.parent), "GALLERIA_SECRET_KEY": "k" * 40,
           "GALLERIA_VAR_DIR": str(tmp_path / "var"),
           "GALLERIA_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}"}
    cli = [python, "-c", "from galleria.cli import main; main()"]

    listed = run(*cli, "plugins", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert ("from_the_future      DISABLED: it supports Galleria >=99, and Galleria 0.1.0 "
            "is installed") in lines
    assert ("broken               DISABLED: it could not be imported: RuntimeError: "
            "half-installed") in lines
    assert any(line.startswith("shipping ") for line in lines)  # the others load
    assert "plugin broken is disabled" in listed.stderr  # and the log says so

    migrated = run(*cli, "migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
