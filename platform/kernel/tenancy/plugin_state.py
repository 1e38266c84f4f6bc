"""Per-shop plugin state: which plugins a shop enabled, and their validated settings.

Settings are checked against the plugin's declared schema before anything is stored. Secret
values go into an encrypted column and are never returned by `public_settings`; leaving a
secret out of an update keeps the stored one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

from galleria.kernel import crypto, db
from galleria.kernel.errors import PluginNotFound, Problems
from galleria.kernel.events import emit
from galleria.kernel.plugins import ChoiceSource, PluginHost, SettingField
from galleria.kernel.tenancy import shop_cache
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.tables import PluginState

log = logging.getLogger("galleria.plugins")

# The plain setting that marks a plugin running on the shop's own simulator account.
SANDBOX = "sandbox"
_SANDBOX_URL = re.compile(r"^https?://[^/]+/sandbox(?=/|$)")


def _stored_secrets(row: dict[str, Any] | None) -> dict[str, Any]:
    """The row's secrets; after a secret-key change they are unreadable: treated as unset
    (logged) so that the merchant can enter them again instead of meeting an error."""
    if not row or not row["secrets"]:
        return {}
    try:
        return crypto.unseal(row["secrets"])
    except crypto.SecretsUnreadable:
        log.warning("plugin %s secrets of shop %s are unreadable; re-enter them",
                    row["plugin"], row["tenant"])
        return {}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else (value or {})


# The shop's plugin rows and its cache token in one statement (one snapshot): what the
# process cache keeps is exactly the rows as they were at that token. Read in the shop's
# scope (row-level security admits its rows); `tenant` is a platform table.
_PLUGIN_ROWS = ("SELECT t.cache_token AS token, p.plugin AS plugin, p.enabled AS enabled, "
                "p.settings AS settings, p.secrets AS secrets FROM tenant t "
                "LEFT JOIN plugin_state p ON p.tenant = t.id WHERE t.id = {}")
_ROWS = "plugin_rows"  # the scope memo's key


async def _read_rows(tenant_id: int) -> shop_cache.PluginRows:
    rows = await PluginState.raw(_PLUGIN_ROWS, tenant_id)
    token = rows[0]["token"] if rows else None
    found = {row["plugin"]: row for row in rows if row["plugin"] is not None}
    return shop_cache.PluginRows(
        token=token,
        enabled=frozenset(name for name, row in found.items() if row["enabled"]),
        rows={name: (row["settings"] if isinstance(row["settings"], str)
                     else json.dumps(row["settings"] or {}), row["secrets"] or "")
              for name, row in found.items()})


async def _plugin_rows(tenant_id: int) -> shop_cache.PluginRows:
    """The shop's plugin rows, in its open scope: once per scope; from the process cache
    when it holds them as of the token this scope (PostgreSQL: read with the shop setting)
    or request (read with the host's shop) knows, else read and kept."""
    memo = db.scope_memo(tenant_id)
    if memo is None:
        raise RuntimeError(f"shop {tenant_id}'s plugin rows are read in its scope")
    if _ROWS in memo:
        return memo[_ROWS]
    token = memo.get(db.SCOPE_CACHE_MARK)
    if token is None:
        token = shop_cache.held_token(tenant_id)
    rows = shop_cache.plugins.get(tenant_id, token)
    if rows is None:
        rows = await _read_rows(tenant_id)
        shop_cache.plugins.put(tenant_id, rows)
    memo[_ROWS] = rows
    return rows


async def enabled_plugins(tenant_id: int) -> frozenset[str]:
    """The shop's enabled plugins: read at most once per shop scope, and not at all while
    this process's cache holds them as of the shop's current token (see shop_cache).
    Outside any scope, a request's own shop is answered from the cache when it can be,
    else a scope of the shop is opened to read them."""
    current = db.current_tenant()
    if current == tenant_id:
        return (await _plugin_rows(tenant_id)).enabled
    if current is None:
        cached = shop_cache.plugins.get(tenant_id, shop_cache.held_token(tenant_id))
        if cached is not None:
            return cached.enabled
        if not db.in_transaction():
            async with db.shop_scope(tenant_id):
                return (await _plugin_rows(tenant_id)).enabled
    # In another shop's scope or a platform transaction (signup): a plain read, as it was.
    rows = await PluginState.select(PluginState.plugin).where(
        (PluginState.tenant == tenant_id) & (PluginState.enabled.eq(True))
    )
    return frozenset(row["plugin"] for row in rows)


def _forget(tenant_id: int, plugin: str) -> None:
    """Before writing the shop's plugin rows: what this scope and request read of them no
    longer holds (the write gives the shop a new cache token)."""
    shop_cache.forget_held(tenant_id)
    shop_cache.plugins.drop(tenant_id)
    memo = db.scope_memo(tenant_id)
    if memo is not None:
        memo.pop(_ROWS, None)  # and with them the settings made of them (PluginRows.values)
        memo.pop(db.SCOPE_CACHE_MARK, None)


async def _row(tenant_id: int, plugin: str) -> dict[str, Any] | None:
    return await PluginState.select().where(
        (PluginState.tenant == tenant_id) & (PluginState.plugin == plugin)
    ).first()


def _values(tenant_id: int, plugin: str, rows: shop_cache.PluginRows) -> dict[str, Any]:
    """The plugin's settings and secrets as of `rows` (a copy: the caller's to change)."""
    values = rows.values.get(plugin)
    if values is None:
        stored = rows.rows.get(plugin)
        if stored is None:
            return {}
        plain, sealed = stored
        values = rows.values[plugin] = {**_json(plain), **_stored_secrets(
            {"plugin": plugin, "tenant": tenant_id, "secrets": sealed})}
    return dict(values)


async def plugin_settings(tenant_id: int, plugin: str) -> dict[str, Any]:
    """Everything a plugin needs to act for a shop: plain settings (defaults included once
    they were saved) and decrypted secrets. For the plugin's own use only, never output.

    Opens the shop's scope (or joins the one open): gateways and carriers read their
    credentials here between network calls, outside any transaction of the kernel's. A
    request's own shop is answered without one while the process cache holds its rows."""
    if db.current_tenant() is None:
        cached = shop_cache.plugins.get(tenant_id, shop_cache.held_token(tenant_id))
        if cached is not None:
            return _values(tenant_id, plugin, cached)
    async with db.shop_scope(tenant_id):
        return _values(tenant_id, plugin, await _plugin_rows(tenant_id))


async def in_sandbox(tenant_id: int, plugin: str) -> bool:
    """Whether the shop runs `plugin` on its own sandbox account (badged 沙箱)."""
    return bool((await plugin_settings(tenant_id, plugin)).get(SANDBOX))


def public_settings(schema: list[SettingField], row: dict[str, Any] | None) -> dict[str, Any]:
    """Settings as the console and API show them: secrets replaced by whether one is set.
    A plugin in sandbox shows `"sandbox": true` and its fields as a merchant would fill
    them in (defaults, no secret set): the generated sandbox keys are the platform's."""
    plain = _json(row["settings"]) if row else {}
    in_sandbox = bool(plain.get(SANDBOX))
    secret_names = set() if in_sandbox else set(_stored_secrets(row))
    shown: dict[str, Any] = {}
    for field in schema:
        if field.secret:
            shown[field.name] = {"set": field.name in secret_names}
        else:
            shown[field.name] = field.default if in_sandbox else plain.get(field.name,
                                                                             field.default)
    if in_sandbox:
        shown[SANDBOX] = True
    return shown


async def plugin_states(tenant_id: int, host: PluginHost) -> list[dict[str, Any]]:
    rows = await PluginState.select().where(PluginState.tenant == tenant_id)
    by_name = {row["plugin"]: row for row in rows}
    enabled = frozenset(name for name, row in by_name.items() if row["enabled"])
    options: dict[str, list[tuple[Any, str]]] = {}
    states = []
    for name in host.names():
        info, schema, row = host.info(name), host.settings_schema(name), by_name.get(name)
        fields = []
        for field in schema:
            data = field.to_json()
            if field.choices_from:
                if field.choices_from not in options:
                    options[field.choices_from] = await setting_options(
                        tenant_id, host, enabled, field.choices_from)
                data["options"] = [{"value": value, "label": label}
                                   for value, label in options[field.choices_from]]
            fields.append(data)
        states.append({
            "name": name, "title": info.title, "title_zh": info.title_zh or info.title,
            "description": info.description, "description_zh": info.description_zh,
            "enabled": bool(row and row["enabled"]),
            "settings_schema": fields,
            "settings": public_settings(schema, row),
            "sandbox": bool(row and _json(row["settings"]).get(SANDBOX)),
            "offers_sandbox": host.offers_sandbox(name),
        })
    return states


async def setting_options(tenant_id: int, host: PluginHost, enabled: frozenset[str],
                          source: str) -> list[tuple[Any, str]]:
    """The options of the choice source `source` for the shop, from its enabled plugins
    (none when no enabled plugin offers it: the field then takes only its default)."""
    found: list[tuple[Any, str]] = []
    for offered in host.provided("galleria_setting_choices", enabled, ChoiceSource):
        if offered.name == source:
            found.extend((value, str(label)) for value, label in await offered.load(tenant_id))
    return found


async def _check_options(tenant_id: int, host: PluginHost, schema: list[SettingField],
                         plain: dict[str, Any]) -> None:
    """Refuse a value of a `choices_from` field that is not one of the shop's options."""
    problems = Problems()
    enabled: frozenset[str] | None = None
    for field in schema:
        value = plain.get(field.name)
        if not field.choices_from or value is None or value == "" or value == field.default:
            continue
        if enabled is None:
            enabled = await enabled_plugins(tenant_id)
        values = {option for option, _ in await setting_options(
            tenant_id, host, enabled, field.choices_from)}
        if value not in values:
            problems.add(f"settings.{field.name}", "not one of the choices")
    problems.raise_if_any("Some plugin settings are invalid")


def validate_settings(
    schema: list[SettingField], values: dict[str, Any], stored_secrets: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check `values` against `schema`; returns (plain, secrets). Raises ValidationFailed."""
    problems = Problems()
    known = {field.name: field for field in schema}
    for name in values:
        if name not in known:
            problems.add(f"settings.{name}", "not a setting of this plugin")
    plain: dict[str, Any] = {}
    secrets = dict(stored_secrets)
    for field in schema:
        path = f"settings.{field.name}"
        value = values.get(field.name)
        if value is None or value == "":
            if field.secret and field.name in stored_secrets:
                continue  # left out: keep the stored secret
            if field.required:
                problems.add(path, "required")
            elif not field.secret and field.default is not None:
                plain[field.name] = field.default
            continue
        message = _type_problem(field, value)
        if message:
            problems.add(path, message)
            continue
        (secrets if field.secret else plain)[field.name] = value
    problems.raise_if_any("Some plugin settings are invalid")
    return plain, secrets


def _type_problem(field: SettingField, value: Any) -> str | None:
    if field.type in ("string", "text"):
        if not isinstance(value, str):
            return "expected text"
        if field.type == "string" and len(value) > 500:
            return "at most 500 characters"
        if len(value) > 20000:
            return "at most 20000 characters"
    elif field.type in ("integer", "money"):
        if type(value) is not int:
            return "expected a whole number"
        if field.type == "money" and value < 0:
            return "an amount of 0 or more"
        if field.minimum is not None and value < field.minimum:
            return f"at least {field.minimum}"
        if field.maximum is not None and value > field.maximum:
            return f"at most {field.maximum}"
    elif field.type == "boolean":
        if not isinstance(value, bool):
            return "expected true or false"
    elif field.type == "choice" and value not in field.choices:
        return "one of: " + ", ".join(field.choices)
    return None


async def set_plugin_state(
    tenant_id: int, host: PluginHost, plugin: str, *, enabled: bool,
    settings: dict[str, Any] | None, actor: str, sandbox_url: str | None = None,
) -> None:
    """Enable/disable `plugin` for the shop and store its settings (call in a shop scope).

    `settings` may hold `"sandbox": true` (sandbox mode only: `sandbox_url` is then the
    app's `/sandbox` URL): the plugin opens the shop's own simulator account
    (`galleria_sandbox_settings`) and the plugin is "in sandbox" until settings without
    it are saved, which must then carry the real keys whole (the sandbox's are dropped)."""
    if not host.is_installed(plugin):
        raise PluginNotFound(f"No plugin named “{plugin}” is installed")
    row = await _row(tenant_id, plugin)
    schema = host.settings_schema(plugin)
    stored_plain = _json(row["settings"]) if row else {}
    stored_secrets = _stored_secrets(row)
    # `sandbox` is the platform's switch, unless the plugin declares a setting of that name.
    platform_sandbox = not any(field.name == SANDBOX for field in schema)
    in_sandbox = platform_sandbox and bool(stored_plain.pop(SANDBOX, False))
    if settings is not None and SANDBOX in settings and platform_sandbox:
        plain, secrets = _sandbox_settings(
            tenant_id, host, plugin, schema, dict(settings), sandbox_url,
            (stored_plain, stored_secrets) if in_sandbox else None)
    elif settings is None:
        plain, secrets = stored_plain, stored_secrets
        if enabled:  # enabling with no settings: the stored ones must still be complete
            validate_settings(schema, {**stored_plain}, stored_secrets)
        if in_sandbox:
            plain = {**plain, SANDBOX: True}
    else:  # real keys replace a sandbox account whole: none of its secrets is kept
        plain, secrets = validate_settings(schema, settings,
                                           {} if in_sandbox else stored_secrets)
        await _check_options(tenant_id, host, schema, plain)
    now = dt.datetime.now(dt.UTC)
    _forget(tenant_id, plugin)
    if row is None:
        await PluginState.insert(PluginState(
            tenant=tenant_id, plugin=plugin, enabled=enabled, settings=plain,
            secrets=crypto.seal(secrets), updated_at=now,
        ))
    else:
        await PluginState.update({
            PluginState.enabled: enabled, PluginState.settings: plain,
            PluginState.secrets: crypto.seal(secrets), PluginState.updated_at: now,
        }).where((PluginState.tenant == tenant_id) & (PluginState.plugin == plugin))
    was_enabled = bool(row and row["enabled"])
    if enabled != was_enabled:
        action = "plugin.enabled" if enabled else "plugin.disabled"
        await record(tenant_id, actor, action, plugin)
        if enabled:
            await emit(tenant_id, "plugin.enabled", {"plugin": plugin})
    if settings is not None:
        await record(tenant_id, actor, "plugin.settings_changed", plugin,
                     {"fields": sorted(settings)})


def _sandbox_settings(
    tenant_id: int, host: PluginHost, plugin: str, schema: list[SettingField],
    settings: dict[str, Any], sandbox_url: str | None,
    account: tuple[dict[str, Any], dict[str, Any]] | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain, secrets) for a save that names `sandbox`: `account` is the shop's sandbox
    account when it has one (kept: the same keys every time), else one is opened."""
    wanted = settings.pop(SANDBOX)
    problems = Problems()
    if not isinstance(wanted, bool):
        problems.add(f"settings.{SANDBOX}", "expected true or false")
    elif sandbox_url is None and not (wanted and account):
        problems.add(f"settings.{SANDBOX}", "Sandbox payments exist only in sandbox mode "
                                            "(GALLERIA_SANDBOX=1, as `galleria demo` runs)")
    elif not host.offers_sandbox(plugin):
        problems.add(f"settings.{SANDBOX}", "This plugin has no sandbox")
    problems.raise_if_any("Some plugin settings are invalid")
    if not wanted:  # leaving the sandbox: what else was sent must be the real keys
        return validate_settings(schema, settings, {})
    if account is not None:
        stored_plain, stored_secrets = account
        if sandbox_url:  # the app moved (the demo on another port): follow it
            stored_plain = {key: _SANDBOX_URL.sub(sandbox_url.rstrip("/"), value)
                            if isinstance(value, str) else value
                            for key, value in stored_plain.items()}
        plain, secrets = validate_settings(schema, {**stored_plain, **settings},
                                           stored_secrets)
    else:
        opened = host.sandbox_settings(plugin, tenant_id, (sandbox_url or "").rstrip("/"))
        plain, secrets = validate_settings(schema, {**(opened or {}), **settings}, {})
    return {**plain, SANDBOX: True}, secrets
