"""Changing some of a plugin's settings from the plugin's own console pages.

The console's Plugins page saves a plugin's whole form; a plugin with pages of its own (a
shipping template editor) changes a few fields and keeps the others, secrets included.
"""

from __future__ import annotations

from typing import Any

from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins, plugin_settings, set_plugin_state


async def update_plugin_settings(tenant_id: int, host: PluginHost, plugin: str,
                                 changes: dict[str, Any], *, actor: str,
                                 enable: bool = False) -> None:
    """Set `changes` in the shop's settings of `plugin`, keeping every other field and the
    stored secrets; validated against the plugin's schema before anything is stored (422
    naming `settings.<field>`), audited like a save from the Plugins page. `enable` also
    enables the plugin (otherwise its enablement is kept). Call inside the shop's scope."""
    secret = {f.name for f in host.settings_schema(plugin) if f.secret}
    current = await plugin_settings(tenant_id, plugin)
    plain = {k: v for k, v in current.items() if k not in secret}
    await set_plugin_state(tenant_id, host, plugin,
                           enabled=enable or plugin in await enabled_plugins(tenant_id),
                           settings={**plain, **changes}, actor=actor)


__all__ = ["update_plugin_settings"]
