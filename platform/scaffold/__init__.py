"""`galleria plugin new NAME`: a plugin as a distribution of its own, ready to install and
test — entry point, hook implementations, a settings schema, a table with its migrations,
a console page from a template with translations, and tests on galleria.testing's fixtures.

The files are the templates under `scaffold/plugin/` (`*.tmpl`, filled with `str.format`:
literal braces are doubled); `__package__` and `__name__` in paths become the package's and
the plugin's names.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib.metadata import version
from pathlib import Path

TEMPLATE = Path(__file__).parent / "plugin"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class ScaffoldError(ValueError):
    """The plugin cannot be made as asked (a bad name, a folder that exists)."""


def _supported_range() -> tuple[str, str]:
    """(lowest, first unsupported) Galleria version: this release up to the next breaking
    one (the next minor while 0.x, else the next major), as docs/plugins.md's rules say."""
    major, minor = (int(part) for part in version("galleria").split(".")[:2])
    return (f"{major}.{minor}", f"0.{minor + 1}" if major == 0 else f"{major + 1}")


def new_plugin(name: str, parent: Path) -> Path:
    """Write plugin `name` (lowercase letters, digits, underscores) into
    `parent/galleria-<name>/`; returns that folder."""
    if not NAME.match(name):
        raise ScaffoldError(f"{name!r} is not a plugin name: 2-40 lowercase letters, digits "
                            "and underscores, starting with a letter")
    dist = "galleria-" + name.replace("_", "-")
    target = parent / dist
    if target.exists():
        raise ScaffoldError(f"{target} exists already")
    lowest, next_breaking = _supported_range()
    values = {
        "name": name, "package": f"galleria_{name}", "dist": dist,
        "title": name.replace("_", " ").capitalize(),
        "model": "".join(part.capitalize() for part in name.split("_")) + "Entry",
        "galleria_version": lowest, "galleria_next": next_breaking,
        # Migration ids sort by time: the plugin's first two migrations, made now.
        "migration_id": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S:%f")[:-1],
    }
    for source in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = str(source.relative_to(TEMPLATE)).removesuffix(".tmpl")
        relative = relative.replace("__package__", values["package"]).replace(
            "__name__", name)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source.read_text(encoding="utf-8").format(**values), encoding="utf-8")
    return target


__all__ = ["ScaffoldError", "new_plugin"]
