"""Plugins bring their own templates, static files and translations, and the platform finds
them: a throwaway plugin package with all three, and the first-party plugins' pages in both
languages."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.shops import get_shop
from galleria.testing import enable_plugin
from galleria.web.pages.render import install_plugin_assets
from galleria.web.plugin_assets import find_assets

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Parcels today: %(count)s"
msgstr "今日包裹：%(count)s 件"

msgid "Orders"
msgstr "订单（插件自译）"
"""


async def _signed_in(app, shop, language: str) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                base_url=f"http://{shop.host}",
                                headers={"accept": "text/html", "accept-language": language})
    login = await browser.get("/console/login")
    token = CSRF_RE.search(login.text).group(1)
    signed = await browser.post("/console/login", data={
        "_csrf_token": token, "email": shop.email, "password": "Correct-Horse-9"})
    assert signed.status_code == 303, signed.text
    return browser


@pytest.fixture
def parcel_package(tmp_path: Path):
    """A plugin package on disk, as a wheel would install it: code, templates/, static/,
    locale/ — none of it known to the platform beforehand."""
    root = tmp_path / "galleria_parcels_demo"
    (root / "templates" / "parcels").mkdir(parents=True)
    (root / "static").mkdir()
    (root / "locale" / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    (root / "__init__.py").write_text(textwrap.dedent('''
        from galleria.kernel import ConsolePage, hookimpl

        async def context(shop):
            return {"count": 3}

        @hookimpl
        def galleria_console_pages():
            return [ConsolePage("parcels", "Parcels", title_zh="包裹",
                                template="parcels/today.html", context=context)]
    '''))
    (root / "templates" / "parcels" / "today.html").write_text(
        '<link rel="stylesheet" href="{{ plugin_static(\'parcels\', \'parcels.css\') }}">'
        '<p class="parcels">{{ _("Parcels today: %(count)s", count=page.count) }}</p>')
    (root / "static" / "parcels.css").write_text(".parcels { color: teal; }\n")
    (root / "locale" / "zh_CN" / "LC_MESSAGES" / "parcels.po").write_text(PO)
    sys.path.insert(0, str(tmp_path))
    yield "galleria_parcels_demo"
    sys.path.remove(str(tmp_path))
    sys.modules.pop("galleria_parcels_demo", None)


async def test_a_plugin_package_brings_templates_static_files_and_translations(
        parcel_package, migrated, open_shop, runtime, plugin_host):
    from galleria.web.app import create_app

    host = PluginHost()
    host.load_entry_points()
    host.register(__import__(parcel_package), "parcels")
    app = create_app(migrated, host=host, embedded_worker=False)
    shop = await open_shop()
    tenant = await get_shop(shop.slug)
    await enable_plugin(tenant.id, host, "parcels")
    try:
        chinese = await _signed_in(app, shop, "zh-CN,zh;q=0.9")
        page = await chinese.get("/console/p/parcels")
        assert page.status_code == 200, page.text
        assert '<p class="parcels">今日包裹：3 件</p>' in page.text  # the plugin's own domain
        # the platform's words around it stay the platform's: the plugin's catalog only
        # answers for its own templates
        assert "订单（插件自译）" not in page.text and "订单" in page.text
        css = re.search(r'href="(/static/plugins/parcels/parcels\.css\?v=\w+)"', page.text)
        assert css, "the page links the plugin's stylesheet with a content hash"
        served = await chinese.get(css.group(1))
        assert served.status_code == 200 and "teal" in served.text
        assert served.headers["content-type"].startswith("text/css")

        english = await _signed_in(app, shop, "en-US,en;q=0.9")
        page = await english.get("/console/p/parcels")
        assert '<p class="parcels">Parcels today: 3</p>' in page.text
        missing = await english.get("/static/plugins/parcels/../__init__.py")
        assert missing.status_code == 404  # only the static folder is served
        await chinese.aclose()
        await english.aclose()
    finally:
        install_plugin_assets(find_assets(plugin_host))  # the session app's plugins again


async def test_first_party_plugin_pages_speak_the_visitors_language(open_shop, app,
                                                                    plugin_host):
    shop = await open_shop()
    tenant = await get_shop(shop.slug)
    for name in ("marketing", "shipping", "order_review"):
        await enable_plugin(tenant.id, plugin_host, name)
    expected = {
        "/console/p/marketing": ("还没有优惠券。", "No coupons yet."),
        "/console/p/shipping": ("尚无运费模板：快递不会出现在结算页。",
                                "No shipping templates yet: express delivery is not offered."),
        "/console/p/shipping-quote": ("试算", "Lines (one per row"),
        "/console/p/order_review": ("没有待审订单。", "No order is waiting for review."),
        "/plugins/marketing/coupons/new": ("最低消费（元）", "Minimum spend (yuan)"),
        "/plugins/shipping/local": ("同城配送与自提点", "Same-city delivery and pickup points"),
    }
    for language, index in (("zh-CN,zh;q=0.9", 0), ("en-US,en;q=0.9", 1)):
        browser = await _signed_in(app, shop, language)
        for path, words in expected.items():
            page = await browser.get(path)
            assert page.status_code == 200, (path, page.text)
            assert words[index] in page.text, (path, language)
            if index == 0:
                assert words[1] not in page.text, (path, "English on a Chinese page")
        await browser.aclose()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://localhost") as anyone:
        script = await anyone.get("/static/plugins/shipping/quote.js")
    assert script.status_code == 200 and "/plugins/shipping/quote?" in script.text


def test_nothing_of_a_plugin_lives_under_platform_web(plugin_host):
    web = Path(__file__).resolve().parents[2] / "platform" / "web"
    folders = {p.name for p in (web / "templates").iterdir() if p.is_dir()}
    assert not folders & set(plugin_host.names())
    for path in [*web.rglob("*.html"), *web.rglob("*.py"), *web.rglob("*.css")]:
        text = path.read_text(encoding="utf-8")
        assert "galleria_plugins" not in text, path
        assert "plugins/order_review" not in text and "plugins/shipping" not in text, path
