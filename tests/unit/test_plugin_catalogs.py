"""Every plugin speaks Chinese through its own Babel domain: each message its templates and
code use is translated, with the placeholders intact (the platform's own catalog has the
same test in tests/integration/test_pages.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
WITH_CATALOGS = sorted(p.name for p in PLUGINS.iterdir() if (p / "locale").is_dir())
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_the_plugins_with_pages_have_catalogs():
    assert {"marketing", "order_review", "shipping"} <= set(WITH_CATALOGS)


@pytest.mark.parametrize("name", WITH_CATALOGS)
def test_every_plugin_message_has_a_chinese_translation(name):
    folder = PLUGINS / name
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n,jinja2.ext.do"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": (2,)}
    used = {found[2] for found in extract_from_dir(str(folder), method_map, options,
                                                   keywords=keywords)}
    used = {m if isinstance(m, str) else m[0] for m in used}
    with (folder / "locale" / "zh_CN" / "LC_MESSAGES" / f"{name}.po").open("rb") as po:
        catalog = read_po(po, locale="zh_CN")
    translated = {m.id: m for m in catalog if m.id}
    missing = sorted(m for m in used if m not in translated or not translated[m].string)
    assert not missing, f"add these to plugins/{name}/locale/zh_CN: {missing}"
    for message in translated.values():
        assert set(PLACEHOLDER.findall(message.string)) == set(
            PLACEHOLDER.findall(message.id)), message.id
