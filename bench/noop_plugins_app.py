"""The app with every installed plugin plus no-op plugins that implement every hook, for the
plugins-cost benchmark: `uvicorn --factory noop_plugins_app:make_app` (with bench/ on
PYTHONPATH). Each no-op plugin answers every hook with None (contributes nothing), so what
the benchmark measures is what the platform pays per enabled plugin: hook calls, per-shop
enablement and settings look-ups — not any work of the plugin's own."""

from __future__ import annotations

import inspect

from galleria.kernel import hookimpl, hookspecs
from galleria.kernel.plugins import PluginHost, PluginInfo

NOOP_COUNT = 6


def noop_plugin(index: int) -> object:
    """A plugin object with one implementation of every hookspec (each returns None)."""
    attrs: dict[str, object] = {}
    for name, spec in inspect.getmembers(hookspecs, inspect.isfunction):
        if not name.startswith("galleria_"):
            continue
        params = list(inspect.signature(spec).parameters)
        if name == "galleria_plugin_info":
            def info(self, _i=index):
                return PluginInfo(title=f"No-op {_i}", title_zh=f"空插件 {_i}")
            attrs[name] = hookimpl(info)
            continue
        source = f"def {name}(self{''.join(', ' + p for p in params)}):\n    return None\n"
        scope: dict[str, object] = {}
        exec(source, scope)  # a hookimpl's argument names must match its spec's
        attrs[name] = hookimpl(scope[name])
    return type(f"NoopPlugin{index}", (), attrs)()


def make_app(settings=None, **kwargs):
    """The app as `galleria serve` builds it, with the no-op plugins registered too
    (`settings` and `kwargs` go to `create_app`: bench/plugins_profile.py builds it in
    process)."""
    from galleria.web.app import create_app

    host = PluginHost()
    host.load_entry_points()
    for i in range(1, NOOP_COUNT + 1):
        host.register(noop_plugin(i), f"noop{i}")
    return create_app(settings, host=host, **kwargs)
