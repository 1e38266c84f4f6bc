"""Translation catalogs: Babel .po files compiled in memory, for the platform and for plugins.

A plugin keeps its words in its own package, one Babel domain named after the plugin:

    <package>/locale/<locale>/LC_MESSAGES/<domain>.po

English strings are the message ids, so English needs no catalog. The web layer merges every
enabled plugin's domain into the page's translations at render time (a plugin template looks
in its own domain first, then the platform's); plugin code that writes text outside a
request — a review rule's reason, kept in the order's timeline in the shop's language — asks
its `PluginCatalog` for the shop's locale. No .mo files are kept: compiling a .po takes
milliseconds and happens once per catalog and locale.
"""

from __future__ import annotations

import sys
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations


def load_po(path: Path, locale: str, domain: str = "messages") -> NullTranslations:
    """The .po file at `path` compiled for `locale`, a new object each call (the web layer
    chains catalogs with fallbacks); an empty catalog if there is none."""
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=domain)


@cache
def compile_po(path: Path, locale: str, domain: str = "messages") -> NullTranslations:
    """`load_po`, once per file and locale (do not chain the result: it is shared)."""
    return load_po(path, locale, domain)


def package_dir(package: str) -> Path:
    """The folder of an imported package (a plugin's templates, static files and locale
    live in it, and ship in its wheel as package data)."""
    module = sys.modules.get(package)
    if module is None:
        __import__(package)
        module = sys.modules[package]
    return Path(module.__file__ or "").resolve().parent


class PluginCatalog:
    """A plugin's Babel domain, for text written outside a page.

    `galleria_plugins.order_review` declares `TEXTS = PluginCatalog(__package__,
    "order_review")`, then `TEXTS.translate(shop.locale, "first order, cash on delivery")`.
    Run pybabel with the keyword `translate:2` to extract such messages.
    """

    def __init__(self, package: str, domain: str) -> None:
        self.package = package
        self.domain = domain
        # {locale: compiled catalog}: finding the file (resolving the package's folder, a
        # system call) cost more than translating; the .po is compiled once anyway.
        self._compiled: dict[str, NullTranslations] = {}

    @property
    def locale_dir(self) -> Path:
        return package_dir(self.package) / "locale"

    def translations(self, locale: str) -> NullTranslations:
        compiled = self._compiled.get(locale)
        if compiled is None:
            path = self.locale_dir / locale / "LC_MESSAGES" / f"{self.domain}.po"
            compiled = self._compiled[locale] = compile_po(path, locale, self.domain)
        return compiled

    def translate(self, locale: str, message: str, **values: object) -> str:
        """`message` in `locale`, with `%(name)s` placeholders filled from `values`."""
        text = self.translations(locale).gettext(message)
        return text % values if values else text


__all__ = ["PluginCatalog", "compile_po", "load_po", "package_dir"]
