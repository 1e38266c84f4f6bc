"""The example third-party plugin (examples/galleria-wecom-robot, written from
docs/plugins.md and the scaffold alone) installs from a copy of its folder, as a stranger
would, and passes its own tests: the notification channel contract against its robot
simulator, and its console page in a shop's console."""

import shutil

from plugin_venv import install, plugin_venv, run_tests, skip_locally

from conftest import REPO_ROOT

pytestmark = [skip_locally]
EXAMPLE = REPO_ROOT / "examples" / "galleria-wecom-robot"


def test_the_wecom_robot_example_installs_and_passes_its_tests(tmp_path):
    project = tmp_path / "galleria-wecom-robot"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(
        "*.egg-info", "__pycache__", "build"))
    python = plugin_venv(tmp_path / "venv")
    install(python, project, editable=False)
    tests = run_tests(python, project)
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert "5 passed" in tests.stdout
