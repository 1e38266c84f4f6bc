"""What a plugin brings besides code: templates, static files and translations.

A plugin package may hold, next to its modules (and they ship in its wheel as package data):

    templates/<plugin>/…html            Jinja templates, named `<plugin>/<file>.html`
    static/…                            served at `/static/plugins/<plugin>/…`
    locale/<locale>/LC_MESSAGES/<plugin>.po   its Babel domain

The platform finds them from the plugin's package (the datasette way): one Jinja loader per
plugin behind the platform's own (a plugin cannot replace the console's shell), one static
route per plugin, and one Babel domain per plugin merged into each page's translations.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from galleria.kernel.catalogs import package_dir
from galleria.kernel.plugins import PluginHost

STATIC_PREFIX = "/static/plugins"


@dataclass(frozen=True)
class PluginAssets:
    name: str
    templates: Path | None
    static: Path | None
    locale: Path | None


def _folder(root: Path, name: str) -> Path | None:
    path = root / name
    return path if path.is_dir() else None


def find_assets(host: PluginHost) -> list[PluginAssets]:
    """The asset folders of every installed plugin that has any."""
    found = []
    for name in host.names():
        package = host.package_of(name)
        if package is None:
            continue
        root = package_dir(package)
        assets = PluginAssets(name, _folder(root, "templates"), _folder(root, "static"),
                              _folder(root, "locale"))
        if assets.templates or assets.static or assets.locale:
            found.append(assets)
    return found


def template_loader(core: Path, plugins: list[PluginAssets]) -> BaseLoader:
    """The platform's templates first, then each plugin's."""
    return ChoiceLoader([FileSystemLoader(str(core)),
                         *(FileSystemLoader(str(p.templates)) for p in plugins if p.templates)])


def static_routes(plugins: list[PluginAssets]) -> list[ControllerRouterHandler]:
    return [create_static_files_router(path=f"{STATIC_PREFIX}/{p.name}",
                                       directories=[p.static], name=f"static:{p.name}",
                                       include_in_schema=False)
            for p in plugins if p.static]


_STATIC_DIRS: dict[str, Path] = {}


def set_static_dirs(plugins: list[PluginAssets]) -> None:
    _STATIC_DIRS.clear()
    _STATIC_DIRS.update({p.name: p.static for p in plugins if p.static})
    plugin_static_url.cache_clear()


@cache
def plugin_static_url(plugin: str, name: str) -> str:
    """`/static/plugins/<plugin>/<name>?v=<content hash>` (the template global
    `plugin_static`): safe to cache for long, changes when the file does."""
    url = f"{STATIC_PREFIX}/{plugin}/{name}"
    folder = _STATIC_DIRS.get(plugin)
    try:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()[:10]  # type: ignore[operator]
    except (OSError, TypeError):
        return url
    return f"{url}?v={digest}"


__all__ = ["STATIC_PREFIX", "PluginAssets", "find_assets", "plugin_static_url",
           "set_static_dirs", "static_routes", "template_loader"]
