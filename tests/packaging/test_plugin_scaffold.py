"""`galleria plugin new` makes a plugin that installs as a distribution of its own and
passes its tests at once, on SQLite and on PostgreSQL (row-level security on its table)."""

import sys
from pathlib import Path

from plugin_venv import install, plugin_venv, run, run_tests, skip_locally

pytestmark = [skip_locally]
GALLERIA = Path(sys.executable).parent / "galleria"


def test_a_new_plugin_installs_and_passes_its_tests(tmp_path):
    made = run(GALLERIA, "plugin", "new", "member_notes", "--directory", tmp_path)
    assert made.returncode == 0, made.stderr
    project = tmp_path / "galleria-member-notes"
    python = plugin_venv(tmp_path / "venv")
    install(python, project)

    listed = run(python, "-c", "from galleria.cli import main; main()", "plugins", "list",
                 "--hooks",
                 env={"PATH": str(python.parent), "GALLERIA_SECRET_KEY": "k" * 40,
                      "GALLERIA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert listed.returncode == 0, listed.stderr
    assert "member_notes" in listed.stdout and "galleria_order_paid" in listed.stdout

    tests = run_tests(python, project)
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert "3 passed" in tests.stdout


def test_a_bad_name_or_an_existing_folder_is_refused_plainly(tmp_path):
    bad = run(GALLERIA, "plugin", "new", "Member-Notes", "--directory", tmp_path)
    assert bad.returncode != 0 and "is not a plugin name" in bad.stderr
    assert "Traceback" not in bad.stderr
    run(GALLERIA, "plugin", "new", "notes", "--directory", tmp_path)
    again = run(GALLERIA, "plugin", "new", "notes", "--directory", tmp_path)
    assert again.returncode != 0 and "exists already" in again.stderr
