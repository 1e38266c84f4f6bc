"""Loading an installed plugin safely: a plugin made for another Galleria, one that fails to
import, or one with a hook implementation that matches no hook is *disabled* — left out of
the host with a reason the log, the console and `galleria plugins list` show — never a
crash of the app, the workers or the CLI (docs/plugins.md, "Versions").
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, PackageNotFoundError, version
from typing import Any

import pluggy
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


def installed_galleria() -> str:
    try:
        return version("galleria")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0"


def incompatibility(requires: list[str] | None, installed: str | None = None) -> str | None:
    """Why a distribution with these requirements (its metadata's Requires-Dist) does not
    support Galleria `installed` (the installed one by default), or None."""
    installed = installed or installed_galleria()
    for line in requires or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != "galleria":
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            return (f"it supports Galleria {requirement.specifier}, "
                    f"and Galleria {installed} is installed")
    return None


def unknown_hooks(pm: pluggy.PluginManager, plugin: Any) -> list[str]:
    """The plugin's hook implementations whose names match no hook (a misspelling)."""
    names = []
    for attribute in dir(plugin):
        if pm.parse_hookimpl_opts(plugin, attribute) is None:
            continue
        caller = getattr(pm.hook, attribute, None)
        if caller is None or caller.spec is None:
            names.append(attribute)
    return names


def load_plugin(pm: pluggy.PluginManager, ep: EntryPoint) -> str | None:
    """Register the plugin of `ep` under its name; returns why it is disabled, or None."""
    problem = incompatibility(ep.dist.requires if ep.dist is not None else None)
    if problem:
        return problem
    try:
        plugin = ep.load()
    except Exception as exc:  # whatever a broken plugin raises on import
        return f"it could not be imported: {type(exc).__name__}: {exc}"
    misspelt = unknown_hooks(pm, plugin)
    if misspelt:
        return f"it implements hooks that do not exist: {', '.join(misspelt)}"
    try:
        pm.register(plugin, name=ep.name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        return f"it does not match the hooks' signatures: {exc}"
    return None


__all__ = ["incompatibility", "installed_galleria", "load_plugin", "unknown_hooks"]
