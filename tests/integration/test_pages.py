"""Server-rendered pages through the ASGI app: platform, console, storefront, errors, i18n.

Each `Visitor` is a browser of one host: its own cookie jar (sessions and CSRF cookies are
per host, as in a real browser), `Accept: text/html` and a chosen language.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Request

from galleria.kernel import ConsolePage, SettingField, db, hookimpl
from galleria.kernel.catalog.service import create_category
from galleria.kernel.plugins import PluginInfo
from galleria.kernel.tenancy.audit import recent
from galleria.kernel.tenancy.plugin_state import plugin_settings, plugin_states
from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.tables import Membership, Tenant
from galleria.testing import Browser
from galleria.web import i18n
from galleria.web.pages.render import render_error
from galleria.web.pages.signin.sessions import issue_ticket, read_ticket

PASSWORD = "Correct-Horse-9"


class Visitor(Browser):
    """A browser on one host, in English unless told otherwise."""

    def __init__(self, app, host: str, language: str = "en-US,en;q=0.9") -> None:
        super().__init__(app, host, language)


@pytest.fixture
async def visitors(app, client):
    opened: list[Visitor] = []

    def make(host: str = "localhost", language: str = "en-US,en;q=0.9") -> Visitor:
        visitor = Visitor(app, host, language)
        opened.append(visitor)
        return visitor

    yield make
    for visitor in opened:
        await visitor.close()


async def sign_in_console(visitor: Visitor, email: str, password: str = PASSWORD
                          ) -> httpx.Response:
    return await visitor.submit("/console/login", "/console/login",
                                {"email": email, "password": password, "next": "/console/"})


async def shop_id(slug: str) -> int:
    shop = await get_shop(slug)
    assert shop is not None
    return shop.id


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- platform ----------------------------------------------------------------------------------
async def test_landing_shows_the_template_gallery(visitors, runtime):
    page = await visitors().get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="en"' in page.text
    assert "Open your online shop" in page.text
    for template in runtime.templates.values():
        assert (template.title_en or template.title) in page.text
        assert f'/signup?template={template.name}"' in page.text
    assert "/static/galleria.css?v=" in page.text


async def test_language_follows_accept_language_then_the_switcher(visitors):
    chinese = visitors(language="zh-CN,zh;q=0.9,en;q=0.5")
    page = await chinese.get("/")
    assert '<html lang="zh-CN"' in page.text
    assert "开一家网店" in page.text

    english = visitors()
    switched = await english.get("/lang/zh_CN", params={"next": "/signup"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/signup"
    assert "galleria_lang=zh_CN" in switched.headers["set-cookie"]
    signup = await english.get("/signup")
    assert "创建我的店铺" in signup.text
    back = await english.get("/lang/en", params={"next": "//evil.example/"})
    assert back.headers["location"] == "/"
    assert "Create my shop" in (await english.get("/signup")).text


def test_accept_language_negotiation():
    assert i18n.from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8") == "en"
    assert i18n.from_accept_language("zh-TW,zh;q=0.9") == "zh_CN"
    assert i18n.from_accept_language("fr-FR, zh;q=0.4, en;q=0.3") == "zh_CN"
    assert i18n.from_accept_language("fr") is None
    assert i18n.choose_locale(None, "fr", "zh_CN") == "zh_CN"
    assert i18n.choose_locale("en", "zh-CN", "zh_CN") == "en"
    assert i18n.choose_locale(None, None, None) == "en"


async def test_signup_errors_are_shown_inline_with_the_values_kept(visitors):
    browser = visitors()
    page = await browser.submit("/signup", "/signup", {
        "shop_name": "Tea & Co", "slug": "-bad-", "email": "not-an-email",
        "password": "short", "template": "blank"})
    assert page.status_code == 422
    html = page.text
    assert 'id="f-slug-error"' in html and "lowercase letters, digits and hyphens" in html
    assert 'id="f-email-error"' in html and "not a valid email address" in html
    assert 'id="f-password-error"' in html and "at least 10 characters" in html
    assert 'value="Tea &amp; Co"' in html  # kept, and escaped
    assert 'value="short"' not in html  # a password is never sent back
    assert "Please correct the highlighted fields." in html


async def test_signup_errors_in_chinese(visitors):
    browser = visitors(language="zh-CN")
    page = await browser.submit("/signup", "/signup", {
        "shop_name": "", "slug": "admin", "email": "x@example.com", "password": "abcdefghijk",
        "template": "blank"})
    assert page.status_code == 422
    assert "“admin”是保留地址，请换一个" in page.text
    assert "必填" in page.text
    assert "至少混合以下两类" in page.text


async def test_signup_taken_address_and_email(visitors, open_shop):
    shop = await open_shop()
    browser = visitors()
    taken = await browser.submit("/signup", "/signup", {
        "shop_name": "Again", "slug": shop.slug, "email": "new-owner@example.com",
        "password": PASSWORD, "template": "blank"})
    assert taken.status_code == 422
    assert "This address is taken" in taken.text
    email = await browser.submit("/signup", "/signup", {
        "shop_name": "Second", "slug": shop.slug + "-2", "email": shop.email,
        "password": "Another-Pass-77", "template": "blank"})
    assert email.status_code == 422
    assert 'id="f-email-error"' in email.text


async def test_forms_without_a_csrf_token_are_refused(visitors):
    browser = visitors()
    await browser.get("/signup")
    refused = await browser.http.post("/signup", data={"shop_name": "x"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "error-code" in refused.text


async def test_signup_signs_the_owner_in_on_the_shop_host(visitors, settings):
    platform = visitors()
    slug = f"pages-{int(time.time() * 1000) % 10**8}"
    done = await platform.submit("/signup?template=blank", "/signup", {
        "shop_name": "Paper Crane", "slug": slug, "email": f"owner@{slug}.example",
        "password": PASSWORD, "template": "blank"})
    assert done.status_code == 303, done.text
    target = urlsplit(done.headers["location"])
    assert target.hostname == f"{slug}.localhost"
    assert target.path == "/console/welcome"
    ticket = parse_qs(target.query)["ticket"][0]

    shop_browser = visitors(f"{slug}.localhost")
    assert (await shop_browser.get("/console/")).status_code == 303  # not signed in yet
    welcome = await shop_browser.get(f"/console/welcome?ticket={ticket}")
    assert welcome.status_code == 303
    assert welcome.headers["location"] == "/console/"
    dashboard = await shop_browser.get("/console/")
    assert dashboard.status_code == 200
    assert "Paper Crane" in dashboard.text
    assert "opened the shop" in dashboard.text  # from the audit log

    again = await visitors(f"{slug}.localhost").get(f"/console/welcome?ticket={ticket}")
    assert again.headers["location"] == "/console/login?reason=ticket"  # single use

    # The platform remembers the user too: the landing page offers their shops.
    landing = await platform.get("/")
    assert f"/go/{slug}" in landing.text
    go = await platform.get(f"/go/{slug}")
    assert go.status_code == 303 and "/console/welcome?ticket=" in go.headers["location"]
    out = await platform.submit("/", "/logout", {})
    assert out.status_code == 303
    assert f"/go/{slug}" not in (await platform.get("/")).text


def test_tickets_are_signed_bound_to_one_shop_and_expire():
    secret = "s" * 40
    ticket = issue_ticket(secret, 7, "tea", now=1000)
    assert read_ticket(secret, ticket, "tea", now=1100).user_id == 7
    assert read_ticket(secret, ticket, "coffee", now=1100) is None
    assert read_ticket(secret, ticket, "tea", now=1000 + 301) is None
    assert read_ticket("t" * 40, ticket, "tea", now=1100) is None
    forged = ticket.replace(ticket[5], "A" if ticket[5] != "A" else "B", 1)
    assert read_ticket(secret, forged, "tea", now=1100) is None
    assert read_ticket(secret, "garbage", "tea") is None


async def test_platform_sign_in_goes_to_the_first_shop(visitors, open_shop):
    shop = await open_shop()
    platform = visitors()
    wrong = await platform.submit("/login", "/login", {"email": shop.email, "password": "nope"})
    assert wrong.status_code == 401
    assert "Wrong email or password." in wrong.text
    right = await platform.submit("/login", "/login", {"email": shop.email,
                                                       "password": PASSWORD})
    assert right.status_code == 303
    assert right.headers["location"].startswith(f"http://{shop.host}/console/welcome?ticket=")


# -- console -----------------------------------------------------------------------------------
async def test_console_needs_a_member_of_the_shop(visitors, open_shop):
    shop, other = await open_shop(), await open_shop()
    browser = visitors(shop.host)
    redirect = await browser.get("/console/plugins")
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/console/login?next=%2Fconsole%2Fplugins"

    outsider = await sign_in_console(browser, other.email)
    assert outsider.status_code == 403
    assert "no access to this shop" in outsider.text

    assert (await visitors().get("/console/")).status_code == 404  # not on the platform


async def test_console_sign_in_rotates_the_session(visitors, open_shop):
    shop = await open_shop()
    browser = visitors(shop.host)
    await browser.get("/console/login")
    browser.http.cookies.set("session", "f" * 64, domain=shop.host)  # a planted id
    signed_in = await sign_in_console(browser, shop.email)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/console/"
    new_id = browser.http.cookies.get("session")
    assert new_id and new_id != "f" * 64
    assert (await browser.get("/console/")).status_code == 200

    await browser.submit("/console/", "/console/logout", {})
    assert (await browser.get("/console/")).status_code == 303


async def test_console_pages_show_real_shop_data(visitors, open_shop):
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "Longjing 250g", "variants": [
            {"sku": "LJ-1", "price": 12800, "stock": 0},
            {"sku": "LJ-2", "price": 24000, "stock": 4}]})
    assert made.status_code == 201
    browser = visitors(shop.host)
    await sign_in_console(browser, shop.email)

    dashboard = text_of((await browser.get("/console/")).text)
    assert "Products 1 2 SKUs" in dashboard
    assert "Low stock 1" in dashboard  # LJ-1 has nothing available
    products = await browser.get("/console/products")
    assert "Longjing 250g" in products.text and "¥128.00" in products.text
    orders = await browser.get("/console/orders")
    assert "No orders yet" in orders.text
    settings_page = await browser.get("/console/settings")
    assert shop.email in settings_page.text and "Chinese Yuan" in settings_page.text


# -- plugins -----------------------------------------------------------------------------------
class DemoPlugin:
    @hookimpl
    def galleria_plugin_info(self):
        return PluginInfo(title="Demo pay", title_zh="演示支付", description="For tests",
                          description_zh="测试用")

    @hookimpl
    def galleria_settings_schema(self):
        return [
            SettingField("merchant_id", "Merchant ID", label_zh="商户号", required=True),
            SettingField("notes", "Notes", type="text"),
            SettingField("timeout", "Timeout (minutes)", type="integer", default=30,
                         minimum=5, maximum=120),
            SettingField("sandbox", "Sandbox", type="boolean", default=True),
            SettingField("mode", "Mode", type="choice", choices=("direct", "redirect"),
                         default="direct"),
            SettingField("api_key", "API key", secret=True, required=True),
        ]

    @hookimpl
    def galleria_console_pages(self):
        async def render(shop):
            return f"<p class='demo-page'>Payments of {shop.slug}</p>"

        return [ConsolePage(slug="demo-pay", title="Demo payments", title_zh="演示收款",
                            render=render)]


@pytest.fixture
def demo_plugin(runtime):
    runtime.host.register(DemoPlugin(), "demo_pay")
    yield "demo_pay"
    runtime.host.unregister("demo_pay")


async def test_plugin_settings_form_is_generated_and_validated(visitors, open_shop, runtime,
                                                               demo_plugin):
    shop = await open_shop()
    browser = visitors(shop.host)
    await sign_in_console(browser, shop.email)
    page = (await browser.get("/console/plugins")).text
    assert 'id="plugin-demo_pay"' in page and "Demo pay" in page
    assert 'name="settings.merchant_id" value=""' in page
    assert '<textarea class="textarea" id="plugin-demo_pay-notes"' in page
    assert 'type="number"' in page and 'min="5"' in page and 'max="120"' in page
    assert 'type="checkbox" id="plugin-demo_pay-sandbox" name="settings.sandbox" checked' in page
    assert '<option value="redirect"' in page
    assert 'type="password" id="plugin-demo_pay-api_key"' in page and "not set" in page

    form = {"enabled": "on", "settings.merchant_id": "M-1", "settings.timeout": "abc",
            "settings.mode": "redirect", "settings.api_key": ""}
    bad = await browser.submit("/console/plugins", "/console/plugins/demo_pay", form)
    assert bad.status_code == 422
    assert 'id="plugin-demo_pay-timeout-error"' in bad.text
    assert "expected a whole number" in bad.text
    assert 'value="M-1"' in bad.text  # what was typed is kept

    form["settings.timeout"] = "500"
    too_big = await browser.submit("/console/plugins", "/console/plugins/demo_pay", form)
    assert too_big.status_code == 422
    assert "at most 120" in too_big.text
    assert 'id="plugin-demo_pay-api_key-error"' in too_big.text  # required, none stored

    form.update({"settings.timeout": "45", "settings.api_key": "sk_live_secret"})
    saved = await browser.submit("/console/plugins", "/console/plugins/demo_pay", form)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/console/plugins?saved=demo_pay#plugin-demo_pay"
    tenant = await shop_id(shop.slug)
    async with db.shop_scope(tenant):
        stored = await plugin_settings(tenant, "demo_pay")
        log = await recent(tenant, 5)
    assert stored == {"merchant_id": "M-1", "timeout": 45, "sandbox": False,
                      "mode": "redirect", "api_key": "sk_live_secret"}
    assert log[0]["actor"].startswith("user:")

    shown = (await browser.get("/console/plugins?saved=demo_pay")).text
    assert "sk_live_secret" not in shown
    assert "Leave empty to keep the stored value" in shown
    assert "Demo pay saved" in shown

    # An empty secret keeps the stored one.
    form.update({"settings.api_key": "", "settings.sandbox": "on"})
    assert (await browser.submit("/console/plugins", "/console/plugins/demo_pay",
                                 form)).status_code == 303
    async with db.shop_scope(tenant):
        stored = await plugin_settings(tenant, "demo_pay")
        states = await plugin_states(tenant, runtime.host)
    assert stored["api_key"] == "sk_live_secret" and stored["sandbox"] is True
    assert next(s for s in states if s["name"] == "demo_pay")["enabled"] is True

    # The enabled plugin's console page joins the navigation.
    dashboard = await browser.get("/console/")
    assert 'href="/console/p/demo-pay"' in dashboard.text
    contributed = await browser.get("/console/p/demo-pay")
    assert f"Payments of {shop.slug}" in contributed.text
    assert (await browser.get("/console/p/nothing")).status_code == 404

    chinese = await browser.get("/lang/zh_CN", params={"next": "/console/plugins"},
                                follow_redirects=True)
    assert "演示支付" in chinese.text and "商户号" in chinese.text


async def test_staff_cannot_change_plugins(visitors, open_shop, demo_plugin):
    shop, colleague = await open_shop(), await open_shop()
    user = await get_user_id(colleague.email)
    tenant_id = await shop_id(shop.slug)
    async with db.shop_scope(tenant_id):  # a membership is written in its shop's scope
        await Membership.insert(Membership(user=user, tenant=tenant_id, role="staff"))
    browser = visitors(shop.host)
    assert (await sign_in_console(browser, colleague.email)).status_code == 303
    page = await browser.get("/console/plugins")
    assert "Only the shop's owner and admins can change plugins." in page.text
    refused = await browser.submit("/console/plugins", "/console/plugins/demo_pay",
                                   {"enabled": "on"})
    assert refused.status_code == 403


async def get_user_id(email: str) -> int:
    from galleria.auth.staff import user_by_email

    user = await user_by_email(email)
    assert user is not None
    return user["id"]


# -- storefront --------------------------------------------------------------------------------
async def test_storefront_home_search_categories_and_product(visitors, open_shop):
    shop = await open_shop()
    tenant = await shop_id(shop.slug)
    async with db.shop_scope(tenant):
        await create_category(tenant, "tea", "茶叶")
    for name, sku, price, stock, category in (
            ("西湖龙井 250g", "LJ", 1250, 3, "tea"), ("Oolong", "OL", 880, 0, "tea"),
            ("Teapot", "TP", 9900, 1, None)):
        body = {"name": name, "variants": [{"sku": sku, "price": price, "stock": stock}],
                "attributes": {"产地": "杭州"}}
        if category:
            body["category"] = category
        assert (await shop.post("/api/admin/v1/products", json=body)).status_code == 201

    browser = visitors(shop.host, language="zh-CN")
    home = await browser.get("/")
    assert home.status_code == 200
    assert f"Shop {shop.slug}" in home.text
    assert "¥12.50" in home.text and "¥99.00" in home.text
    assert 'href="/?category=tea"' in home.text and "茶叶" in home.text
    assert home.text.count("缺货") == 1
    theme = (await Tenant.select(Tenant.theme_color).where(Tenant.id == tenant).first())
    assert f"--brand: {theme['theme_color']}" in home.text

    found = await browser.get("/", params={"q": "龙井"})
    assert "西湖龙井" in found.text and "Teapot" not in found.text
    nothing = await browser.get("/", params={"q": "咖啡"})
    assert "没有与“咖啡”匹配的商品" in nothing.text
    in_category = await browser.get("/", params={"category": "tea"})
    assert "Oolong" in in_category.text and "Teapot" not in in_category.text

    product_id = re.search(r'href="/products/(\d+)"[^>]*>\s*<div class="product-media">'
                           r'\s*<div class="placeholder">西', home.text).group(1)
    product = await browser.get(f"/products/{product_id}")
    assert product.status_code == 200
    assert "西湖龙井 250g" in product.text and "SKU LJ" not in product.text  # not for shoppers
    assert "<th>产地</th><td>杭州</td>" in product.text
    assert "可售 3" in product.text


# -- errors ------------------------------------------------------------------------------------
async def test_error_pages_are_styled_and_translated(visitors, open_shop):
    shop = await open_shop()
    missing = await visitors(shop.host, language="zh-CN").get("/products/99999999")
    assert missing.status_code == 404
    assert "error-code" in missing.text and "页面不存在" in missing.text
    assert "返回店铺" in missing.text

    unknown = await visitors("no-such-shop.localhost").get("/")
    assert unknown.status_code == 404
    assert "No such shop" in unknown.text and "No shop lives at" in unknown.text

    tenant = await shop_id(shop.slug)
    await Tenant.update({Tenant.status: "suspended"}).where(Tenant.id == tenant)
    try:
        suspended = await visitors(shop.host, language="zh-CN").get("/")
        assert suspended.status_code == 403
        assert "店铺已暂停营业" in suspended.text
    finally:
        await Tenant.update({Tenant.status: "active"}).where(Tenant.id == tenant)

    api = await visitors(shop.host).http.get("/api/v1/products/99999999",
                                             headers={"accept": "application/json"})
    assert api.headers["content-type"].startswith("application/problem+json")


def test_render_error_needs_neither_a_shop_nor_a_database(app):
    scope = {"type": "http", "method": "GET", "path": "/x", "raw_path": b"/x",
             "query_string": b"", "headers": [(b"host", b"gone.localhost"),
                                              (b"accept-language", b"zh-CN")],
             "app": app, "litestar_app": app, "state": {}, "scheme": "http",
             "server": ("localhost", 80),
             "root_path": "", "http_version": "1.1"}
    response = render_error(Request(scope), 404, "Not found", "Nothing at /x")
    body = response.content if isinstance(response.content, str) else response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and "Nothing at /x" not in body  # no English on a zh page


# -- catalogs ----------------------------------------------------------------------------------
def test_every_message_has_a_chinese_translation():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    web = Path(i18n.__file__).parent
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    used = {found[2] for found in extract_from_dir(str(web), method_map, options)}
    used = {m if isinstance(m, str) else m[0] for m in used}
    with (web / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="zh_CN")
    translated = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    missing = sorted(m for m in used if m not in translated or not translated[m].string
                     or translated[m].fuzzy)
    assert not missing, f"add these to the zh_CN catalog: {missing}"
    for message in translated.values():  # placeholders survive translation
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", string)) == wanted, message.id
