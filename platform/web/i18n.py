"""The pages' languages: Babel catalogs compiled in memory, and each request's locale.

English strings are the message ids; `locale/zh_CN/LC_MESSAGES/messages.po` translates them.
The .po files are compiled to .mo in memory the first time a locale is used (no .mo files are
kept in the repository). Plugins bring their own catalogs, one Babel domain each
(`galleria.web.plugin_assets`); see docs/plugins.md for their extraction commands.

To refresh the catalogs after changing templates or page code:

    cd platform/web
    ../../.venv/bin/pybabel extract -F locale/babel.cfg -o locale/messages.pot .
    ../../.venv/bin/pybabel update -i locale/messages.pot -d locale --no-fuzzy-matching

A request's locale is, in order: the language cookie set by the language switcher, the
best match in `Accept-Language`, the shop's own locale, English.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from galleria.kernel.catalogs import load_po

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "en"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
COOKIE = "galleria_lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


_PLUGIN_LOCALES: dict[str, Path] = {}


def set_plugin_locales(locales: dict[str, Path]) -> None:
    """The plugins' `locale/` folders by plugin name (each its own Babel domain)."""
    _PLUGIN_LOCALES.clear()
    _PLUGIN_LOCALES.update(locales)
    translations.cache_clear()


def plugin_domains() -> frozenset[str]:
    return frozenset(_PLUGIN_LOCALES)


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of `locale` (English, the source language, needs none), with
    each plugin's domain added: `dgettext(<plugin>, …)` looks in the plugin's catalog, then
    in the platform's."""
    if locale not in LOCALES:
        return NullTranslations()
    merged = load_po(LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po", locale)
    for domain, folder in sorted(_PLUGIN_LOCALES.items()):
        plugin = load_po(folder / locale / "LC_MESSAGES" / f"{domain}.po", locale, domain)
        if isinstance(plugin, Translations) and isinstance(merged, Translations):
            merged.add(plugin, merge=False)  # and the plugin's catalog falls back to ours
    return merged


def plugin_text(locale: str, plugin: str, message: str, fallback: str = "") -> str:
    """A plugin's own words — a setting's label or help — in `locale`: from the plugin's
    Babel domain (then the platform's catalog); in Chinese, `fallback` (a `label_zh`) when
    no catalog has it."""
    if not message:
        return message
    text = translations(locale).dgettext(plugin, message)
    if text == message and locale == "zh_CN" and fallback:
        return fallback
    return text


def load_all() -> None:
    """Compile every catalog now, so that a broken .po file fails at start-up."""
    for locale in LOCALES:
        translations(locale)


def normalize(code: str | None) -> str | None:
    """`zh`, `zh-CN`, `zh_Hans_CN`, `zh-TW` → `zh_CN`; `en-GB` → `en`; anything else → None."""
    code = (code or "").strip().replace("-", "_").lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The supported locale the browser prefers most, by its q-values."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        locale = normalize(tag)
        if locale and quality > 0 and (best is None or (quality, -position) > best[:2]):
            best = (quality, -position, locale)
    return best[2] if best else None


def choose_locale(cookie: str | None, accept_language: str | None,
                  fallback: str | None = None) -> str:
    return (normalize(cookie) or from_accept_language(accept_language)
            or normalize(fallback) or DEFAULT_LOCALE)


def locale_of(lang: str | None, cookie: str | None, accept_language: str | None,
              shop_locale: str | None) -> str:
    """A request's language: `?lang=` first (each language has its own URL for crawlers
    and shared links), then the cookie, Accept-Language, the shop's."""
    return normalize(lang) or choose_locale(cookie, accept_language, shop_locale)


# Messages the kernel and the auth layer put in field errors: exact ones and patterns.
FIELD_MESSAGES = (
    N_("required"),
    N_("not a valid email address"),
    N_("mix at least two of: lowercase, uppercase, digits, symbols"),
    N_("too easy to guess"),
    N_("must not contain your email name"),
    N_("3–40 characters: lowercase letters, digits and hyphens, not starting or ending "
       "with a hyphen"),
    N_("1–120 characters"),
    N_("expected text"),
    N_("expected a whole number"),
    N_("expected true or false"),
    N_("not a setting of this plugin"),
)
_PATTERNS = (
    (re.compile(r"^at least (\d+) characters$"), N_("at least %(value)s characters")),
    (re.compile(r"^at most (\d+) characters$"), N_("at most %(value)s characters")),
    (re.compile(r"^at least (-?\d+)$"), N_("at least %(value)s")),
    (re.compile(r"^at most (-?\d+)$"), N_("at most %(value)s")),
    (re.compile(r"^one of: (.*)$"), N_("one of: %(value)s")),
    (re.compile(r"^wrong check digit: this barcode should end in (\d)$"),
     N_("wrong check digit: this barcode should end in %(value)s")),
    (re.compile(r"^“(.*)” is reserved; choose another address$"),
     N_("“%(value)s” is reserved; choose another address")),
)


def translate_message(locale: str, message: str) -> str:
    """A kernel field message in `locale` (unknown messages are shown as they are)."""
    catalog = translations(locale)
    for pattern, template in _PATTERNS:
        match = pattern.match(message)
        if match:
            return catalog.gettext(template) % {"value": match.group(1)}
    return catalog.gettext(message)


__all__ = ["COOKIE", "DEFAULT_LOCALE", "LANGUAGE_NAMES", "LOCALES", "N_", "choose_locale",
           "from_accept_language", "load_all", "normalize", "plugin_domains",
           "plugin_text", "set_plugin_locales", "translate_message", "translations"]
