"""The plugin host: discovery, per-shop hook callers, descriptions and settings schemas.

Plugins are found through the ``galleria.plugins`` entry-point group (first-party ones too).
A shop enables a subset; `PluginHost.hook_for(enabled)` gives a caller that reaches only
those plugins. Callers are built from an allow-list and cached by (hook, allow-list); the
cache is dropped whenever a plugin is registered or unregistered, because pluggy's subset
caller is a live view minus a deny-list and would otherwise let a newcomer in.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, TypeVar

import pluggy

from galleria.kernel import hookspecs
from galleria.kernel.plugin_loading import load_plugin

log = logging.getLogger("galleria.plugins")
ENTRY_POINT_GROUP = "galleria.plugins"
T = TypeVar("T")


@dataclass(frozen=True)
class PluginInfo:
    title: str
    title_zh: str = ""
    description: str = ""
    description_zh: str = ""
    version: str = "0"


@dataclass(frozen=True)
class SettingField:
    """One per-shop setting a plugin declares.

    `type`: string | text | integer | money | boolean | choice. A `money` field holds an
    amount in minor units (fen), as the API takes it; the console shows and takes it in
    yuan. `secret` fields are encrypted at
    rest and never sent back out (the API answers `"set": true` instead of the value).

    `choices_from` names a `ChoiceSource` (hook `galleria_setting_choices`) whose options,
    read for the shop when the form is drawn, the field takes its value from: the console
    shows a list to pick from (the option's label) and a save with a value that is not one
    of them (other than the field's `default`, "none") is refused under the field. The
    stored value stays the option's value (an id), as the API takes it.
    """

    name: str
    label: str
    type: str = "string"
    label_zh: str = ""
    required: bool = False
    secret: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""
    choices_from: str = ""

    def to_json(self) -> dict[str, Any]:
        data = {
            "name": self.name, "label": self.label, "label_zh": self.label_zh or self.label,
            "type": self.type, "required": self.required, "secret": self.secret,
            "help": self.help,
        }
        if not self.secret:
            data["default"] = self.default
        if self.choices:
            data["choices"] = list(self.choices)
        if self.minimum is not None:
            data["minimum"] = self.minimum
        if self.maximum is not None:
            data["maximum"] = self.maximum
        if self.choices_from:
            data["choices_from"] = self.choices_from
        return data


@dataclass(frozen=True)
class ChoiceSource:
    """Options a plugin offers to settings fields (`SettingField.choices_from`), read for
    one shop at the time a form is drawn or a save is checked.

    `name`: what fields name in `choices_from` (e.g. "coupons"). `load(tenant_id)` is
    awaited inside the shop's scope and returns `[(value, label), …]`, value an int or a
    str as stored in the setting, label as the merchant knows the thing (its name).
    """

    name: str
    load: Callable[[int], Awaitable[list[tuple[Any, str]]]]


@dataclass(frozen=True)
class JobSpec:
    """A background job a plugin contributes: `fn` is sync or async and idempotent.
    Retries follow the outbox's backoff (galleria.kernel.events.backoff)."""

    name: str
    fn: Callable[..., Any | Awaitable[Any]]


@dataclass(frozen=True)
class ConsolePage:
    """An entry in the console's navigation, shown at `/console/p/<slug>`.

    The page's body is `template`, a Jinja template in the plugin's own `templates/` folder
    (named `<plugin>/<file>.html`, so plugins never collide), rendered inside the console's
    shell with what `context(shop)` returns (awaited in the shop's scope) and the page's
    translations: the plugin's Babel domain first, then the platform's. `render(shop)`,
    returning a ready HTML fragment, is the older form, kept for pages without templates.

    `area` is the permission area the page belongs to (`catalog`, `orders`, `fulfilment`,
    `marketing`, `settings`): staff granted it may open the page. Empty, only the shop's
    owner and admins may. A plugin's console routes declare theirs the same way, in the
    handler's `opt`: `opt={"console": True, "area": "marketing"}`.
    """

    slug: str
    title: str
    title_zh: str = ""
    render: Callable[[Any], Awaitable[str]] | None = None
    icon: str = "puzzle"
    template: str = ""
    context: Callable[[Any], Awaitable[dict[str, Any]]] | None = None
    area: str = ""


@dataclass(frozen=True)
class ReportTab:
    """A tab a plugin adds to the console's reports (数据中心), after the platform's own.

    `url` is the plugin's console route that renders the tab's page (a handler marked
    `opt={"console": True, "area": "reports"}` calling `console.report_page(...)`, which
    draws the reports' tabs with this one active); `name` is the tab's key (unique among
    tabs, such as `reviews`); `permission` the area a staff member needs to see the tab
    (`reports` unless said otherwise)."""

    name: str
    title: str
    url: str
    title_zh: str = ""
    permission: str = "reports"


@dataclass(frozen=True)
class AccountPanel:
    """A section of the shopper's account page (我的): a points balance, a referral code.

    `template` is a Jinja template in the plugin's own `templates/` folder
    (`<plugin>/<file>.html`), rendered in the storefront's language (the plugin's Babel
    domain first, then the platform's) with what `await context(shop, customer_id)` returns
    as the variable `page`; `context` runs inside the shop's scope. Panels are shown in
    ascending `order` (ties by `slug`); a panel whose context fails is left out (logged),
    never the account page."""

    slug: str
    template: str
    context: Callable[[Any, int], Awaitable[dict[str, Any]]]
    order: int = 100


@dataclass(frozen=True)
class StorefrontBlock:
    """A block a plugin adds to a storefront page: the product's reviews on its product
    page, a "rate this order" card on the shopper's order page.

    `place`: `product` (below the product page's description; `key` is the product id) or
    `order` (on the shopper's order page; `key` is the order number). `template` is a
    Jinja template in the plugin's own `templates/` folder, rendered in the storefront's
    language with what `await context(shop, key, customer_id)` returns as `page`
    (`customer_id` is the signed-in shopper's, or None); `context` runs inside the shop's
    scope and returns None to show nothing. Blocks are shown in ascending `order` (ties by
    `slug`); one whose context fails is left out (logged), never the page."""

    place: str
    slug: str
    template: str
    context: Callable[[Any, Any, int | None], Awaitable[dict[str, Any] | None]]
    order: int = 100


@dataclass(frozen=True)
class StorefrontLink:
    """A link a plugin adds to the storefront's pages, in the shopper's language.

    `place`: `product` (above the product page's buy box; `{product_id}` in `url` is
    filled in) or `account` (the shopper's 我的 page). `url` leads to the plugin's own page
    (`/plugins/<name>/…`).
    """

    place: str
    title: str
    url: str
    title_zh: str = ""
    icon: str = "tag"


@dataclass
class PluginHost:
    trace: bool = False
    pm: pluggy.PluginManager = field(init=False)
    _callers: dict[tuple[str, frozenset[str]], Any] = field(default_factory=dict, init=False)
    # Installed plugins left out, with the reason (kernel/plugin_loading.py).
    disabled: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.pm = pluggy.PluginManager("galleria")
        self.pm.add_hookspecs(hookspecs)
        if self.trace:
            self.pm.add_hookcall_monitoring(self._before_call, self._after_call)
        self._started: dict[int, float] = {}

    # -- registration ---------------------------------------------------------------------
    def load_entry_points(self) -> list[str]:
        """Register every installed plugin; returns their names. A plugin that does not
        support this Galleria, fails to import or misspells a hook is disabled instead:
        kept in `disabled` with the reason, and logged."""
        names = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if self.pm.get_plugin(ep.name) is None and ep.name not in self.disabled:
                problem = load_plugin(self.pm, ep)
                self._callers.clear()
                if problem:
                    self.disabled[ep.name] = problem
                    log.error("plugin %s is disabled: %s", ep.name, problem)
            if ep.name not in self.disabled:
                names.append(ep.name)
        return names

    def register(self, plugin: object, name: str) -> None:
        self.pm.register(plugin, name=name)
        self._callers.clear()

    def unregister(self, name: str) -> None:
        self.pm.unregister(name=name)
        self._callers.clear()

    def check(self) -> None:
        """Fail loudly on a hook implementation that matches no spec (a misspelt name)."""
        self.pm.check_pending()

    # -- description ----------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(name for name, _ in self.pm.list_name_plugin() if name is not None)

    def is_installed(self, name: str) -> bool:
        return self.pm.get_plugin(name) is not None

    def info(self, name: str) -> PluginInfo:
        return self._one(name, "galleria_plugin_info") or PluginInfo(title=name)

    def settings_schema(self, name: str) -> list[SettingField]:
        return list(self._one(name, "galleria_settings_schema") or [])

    def offers_sandbox(self, name: str) -> bool:
        """Whether plugin `name` opens per-shop sandbox accounts (galleria_sandbox_settings)."""
        return bool(self.is_installed(name)
                    and self.implementers("galleria_sandbox_settings", [name]))

    def sandbox_settings(self, name: str, tenant_id: int,
                         sandbox_url: str) -> dict[str, Any] | None:
        """Plugin `name`'s settings for a new sandbox account of shop `tenant_id`."""
        return self.hook_for([name]).galleria_sandbox_settings(tenant_id=tenant_id,
                                                               sandbox_url=sandbox_url)

    def package_of(self, name: str) -> str | None:
        """The import name of the package that holds plugin `name` (where its templates,
        static files and translations are), or None for a plugin that is not installed."""
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return None
        module = plugin if isinstance(plugin, ModuleType) else inspect.getmodule(plugin)
        if module is None:
            return None
        if hasattr(module, "__path__"):  # the plugin is its package's __init__
            return module.__name__
        return module.__package__ or None

    def _one(self, name: str, hook_name: str) -> Any:
        return getattr(self.hook_for([name]), hook_name)()

    # -- calling --------------------------------------------------------------------------
    def hook_for(self, enabled: Iterable[str]) -> _ShopHooks:
        """Hook callers that reach only the plugins in `enabled` (a shop's allow-list)."""
        return _ShopHooks(self, frozenset(enabled))

    def caller(self, hook_name: str, enabled: frozenset[str]) -> Any:
        key = (hook_name, enabled)
        caller = self._callers.get(key)
        if caller is None:
            excluded = [
                plugin for name, plugin in self.pm.list_name_plugin()
                if name not in enabled
            ]
            caller = self.pm.subset_hook_caller(hook_name, remove_plugins=excluded)
            self._callers[key] = caller
        return caller

    def implementers(self, hook_name: str, enabled: Iterable[str]) -> list[str]:
        """Names of the enabled plugins that implement `hook_name`, in call order."""
        allowed = set(enabled)
        hook = getattr(self.pm.hook, hook_name)
        return [impl.plugin_name for impl in reversed(hook.get_hookimpls())
                if impl.plugin_name in allowed]

    def call_one(self, plugin_name: str, hook_name: str, **kwargs: Any) -> Any:
        """Call one plugin's implementation of `hook_name` (event delivery, per plugin)."""
        return getattr(self.hook_for([plugin_name]), hook_name)(**kwargs)

    def collect(self, hook_name: str, enabled: Iterable[str], **kwargs: Any) -> list[Any]:
        """Call a list-returning hook on `enabled` plugins and join their lists."""
        results = getattr(self.hook_for(enabled), hook_name)(**kwargs)
        return [item for result in results for item in (result or [])]

    def provided(self, hook_name: str, enabled: Iterable[str], base: type[T],
                 **kwargs: Any) -> list[T]:
        """`collect`, keeping only instances of the extension point's base class `base`
        (PaymentGateway, ShippingMethod, …): the kernel relies on the base class's
        declared attributes and defaults, never on probing. Anything else is logged once
        per call and left out."""
        return _of_base(hook_name, self.collect(hook_name, enabled, **kwargs), base)

    def provided_each(self, hook_name: str, enabled: Iterable[str], base: type[T],
                      **kwargs: Any) -> list[tuple[str, T]]:
        """`provided`, each item with the plugin that contributed it: every enabled
        implementer called once, in call order. A subset caller per plugin (what
        `hook_for([name])` gives) filters all the registered implementations on every
        call; with a shop's dozen plugins asked one by one in every order, that was most
        of what enabling them cost a checkout."""
        allowed = set(enabled)
        found: list[tuple[str, T]] = []
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):  # call order
            if impl.plugin_name in allowed:
                # pluggy's own execution of one implementation (tracing included)
                results = self.pm._hookexec(hook_name, [impl], kwargs, False)
                items = [item for result in results for item in (result or [])]
                found += [(impl.plugin_name, item) for item in _of_base(hook_name, items, base)]
        return found

    # -- tracing --------------------------------------------------------------------------
    def _before_call(self, hook_name: str, impls: list, kwargs: dict) -> None:
        self._started[id(kwargs)] = time.perf_counter()

    def _after_call(self, outcome: Any, hook_name: str, impls: list, kwargs: dict) -> None:
        started = self._started.pop(id(kwargs), time.perf_counter())
        log.info("hook %s plugins=%s %.2fms", hook_name,
                 [impl.plugin_name for impl in impls], (time.perf_counter() - started) * 1000)


def _of_base(hook_name: str, items: list[Any], base: type[T]) -> list[T]:
    """The items that are instances of the extension point's base class; each other one
    is logged and left out."""
    kept = []
    for item in items:
        if isinstance(item, base):
            kept.append(item)
        else:
            log.warning("%s returned %r, not a %s: ignored", hook_name, item, base.__name__)
    return kept


@dataclass(frozen=True)
class _ShopHooks:
    host: PluginHost
    enabled: frozenset[str]

    def __getattr__(self, hook_name: str) -> Any:
        if not hook_name.startswith("galleria_"):
            raise AttributeError(hook_name)
        host, enabled = self.host, self.enabled

        def call(**kwargs: Any) -> Any:
            # Looked up at call time: a caller kept across a registration must not reach
            # the newcomer (pluggy's subset caller is a live view minus a deny-list).
            return host.caller(hook_name, enabled)(**kwargs)

        return call
