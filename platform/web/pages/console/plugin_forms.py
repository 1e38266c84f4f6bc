"""Settings forms generated from a plugin's `settings_schema`, and reading them back.

Field types: string, text, integer, boolean, choice, and secret (a `secret=True` field of
any type, or `type="secret"`). A secret's value is never put in the page: the form says
whether one is set, and an empty input keeps the stored value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from galleria.kernel.plugins import SettingField
from galleria.web.i18n import plugin_text, translate_message, translations
from galleria.web.pages.yuan import fen_to_yuan, yuan_to_fen


def is_secret(field: Mapping[str, Any] | SettingField) -> bool:
    if isinstance(field, SettingField):
        return field.secret or field.type == "secret"
    return bool(field.get("secret")) or field.get("type") == "secret"


def input_name(name: str) -> str:
    return f"settings.{name}"


def form_fields(state: dict[str, Any], locale: str, *, submitted: Mapping[str, Any] | None,
                errors: Mapping[str, str]) -> list[dict[str, Any]]:
    """What the template needs to draw each field of one plugin's settings form.

    `state` is one item of `plugin_states()`; `submitted` are the values a failed save
    posted (shown again, secrets excepted); `errors` are keyed by `settings.<name>`.
    """
    zh = locale == "zh_CN"
    fields = []
    for spec in state["settings_schema"]:
        name = spec["name"]
        secret = is_secret(spec)
        stored = state["settings"].get(name)
        if secret:
            value: Any = ""
            is_set = bool(isinstance(stored, dict) and stored.get("set"))
        else:
            value = submitted.get(name) if submitted is not None else stored
            is_set = False
        kind = "secret" if secret else spec["type"]
        if "options" in spec and not secret:  # choices_from: pick one of the shop's things
            kind = "options"
        if kind == "money" and type(value) is int:
            value = fen_to_yuan(value)
        if kind == "boolean" and submitted is None:
            value = bool(stored) if stored is not None else bool(spec.get("default"))
        fields.append({
            "name": name, "input": input_name(name), "kind": kind,
            "id": f"plugin-{state['name']}-{name}",
            "label": plugin_text(locale, state["name"], spec["label"],
                                 spec.get("label_zh") if zh else ""),
            "help": plugin_text(locale, state["name"], spec.get("help") or ""),
            "required": spec.get("required", False),
            "choices": [(choice, plugin_text(locale, state["name"], choice))
                        for choice in spec.get("choices") or []],
            "options": [(str(option["value"]), option["label"])
                        for option in spec.get("options") or []],
            "none": "" if spec.get("default") is None else str(spec["default"]),
            "minimum": spec.get("minimum"),
            "maximum": spec.get("maximum"),
            "value": "" if value is None else (str(value) if kind == "options" else value),
            "is_set": is_set,
            "error": errors.get(input_name(name), ""),
        })
    return fields


def read_settings(schema: list[SettingField], form: Mapping[str, Any], locale: str
                  ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Turn posted form fields into typed settings.

    Returns (settings for `set_plugin_state`, values to show again, errors by input name).
    Empty secrets are left out, which keeps the stored ones.
    """
    _ = translations(locale).gettext
    settings: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in schema:
        raw = form.get(input_name(field.name))
        text = "" if raw is None else str(raw)
        if field.type == "boolean" and not is_secret(field):
            settings[field.name] = shown[field.name] = text in ("on", "true", "1")
            continue
        if is_secret(field):
            if text:
                settings[field.name] = text
            continue
        shown[field.name] = text
        if field.type == "money":
            if not text.strip():
                settings[field.name] = None
                continue
            try:
                settings[field.name] = yuan_to_fen(text)
            except ValueError as exc:
                errors[input_name(field.name)] = _(str(exc))
            continue
        if field.type == "integer":
            text = text.strip()
            if not text:
                settings[field.name] = None
                continue
            try:
                settings[field.name] = int(text)
            except ValueError:
                errors[input_name(field.name)] = _("expected a whole number")
            continue
        settings[field.name] = text.strip() if field.type in ("string", "choice") else text
    return settings, shown, errors


def field_errors(errors: list[Any], locale: str) -> dict[str, str]:
    """`FieldError`s from `set_plugin_state` as messages by input name, in `locale`."""
    shown: dict[str, str] = {}
    for error in errors:
        shown.setdefault(error.field, translate_message(locale, error.message))
    return shown
