"""Error pages a shopper can meet (unknown shop, 404, 403, 500): styled like the shop, in
the visitor's language, with no English developer sentence on a Chinese page."""

from __future__ import annotations

import re

import pytest
from litestar import Request

from galleria.web.problems import unexpected_error_handler

ZH = {"accept": "text/html", "accept-language": "zh-CN,zh;q=0.9"}
EN = {"accept": "text/html", "accept-language": "en-US,en;q=0.9"}


def visible_text(html: str) -> str:
    body = html.split("<body", 1)[1].split(">", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def assert_styled_chinese(html: str, *expected: str, shop_name: str = "") -> None:
    assert 'lang="zh-CN"' in html and "galleria.css" in html and "error-card" in html
    text = visible_text(html).replace(shop_name or "\0", "")  # the merchant's own words
    for phrase in expected:
        assert phrase in text, (phrase, text)
    # "English" is the language switch's own name; no other Latin word may show.
    words = set(re.findall(r"[A-Za-z]{3,}", text.replace("English", ""))) - {"Galleria"}
    assert not words, words


async def test_an_unknown_shop_says_so_and_leads_to_the_platform(client):
    zh = await client.get("/", headers={"host": "no-such-shop.localhost", **ZH})
    assert zh.status_code == 404
    assert_styled_chinese(zh.text, "店铺不存在", "这个网址上没有店铺", "返回 Galleria")
    assert "返回店铺" not in zh.text  # its "home" is this same unknown address
    en = await client.get("/", headers={"host": "no-such-shop.localhost", **EN})
    assert "No such shop" in en.text and "no shop at this address" in en.text
    api = await client.get("/api/v1/products", headers={"host": "no-such-shop.localhost",
                                                       "accept": "application/json"})
    assert api.status_code == 404 and api.json()["title"] == "No such shop"


async def test_a_missing_page_and_a_missing_product(client, open_shop):
    shop = await open_shop()
    for path in ("/no-such-page", "/products/99999999"):
        page = await client.get(path, headers={"host": shop.host, **ZH})
        assert page.status_code == 404, path
        assert_styled_chinese(page.text, "404", "页面不存在", "返回店铺",
                              shop_name=f"Shop {shop.slug}")
        assert "Nothing at" not in page.text and "No product" not in page.text


async def test_an_expired_form_is_a_403_that_says_what_to_do(client, open_shop):
    shop = await open_shop()
    refused = await client.post("/cart/items", data={"product_id": "1"},
                                headers={"host": shop.host, **ZH})
    assert refused.status_code == 403
    assert_styled_chinese(refused.text, "403", "表单已过期，请返回并刷新页面后重试。",
                          shop_name=f"Shop {shop.slug}")


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-CN", "服务器内部错误"), ("en", "Internal server error")])
def test_a_server_error_is_styled_and_translated(app, language, expected):
    scope = {"type": "http", "method": "GET", "path": "/cart", "raw_path": b"/cart",
             "query_string": b"", "headers": [(b"host", b"tea.localhost"),
                                              (b"accept", b"text/html"),
                                              (b"accept-language", language.encode())],
             "app": app, "litestar_app": app, "state": {}, "scheme": "http",
             "server": ("localhost", 80), "root_path": "", "http_version": "1.1"}
    response = unexpected_error_handler(Request(scope), RuntimeError("boom in a plugin"))
    body = response.content if isinstance(response.content, str) else response.content.decode()
    assert response.status_code == 500 and expected in body and "error-card" in body
    assert "boom" not in body and "Traceback" not in body
    if language == "zh-CN":
        assert_styled_chinese(body, "500", "服务器内部错误")


async def test_the_stylesheet_loads_on_an_unknown_or_suspended_shops_host(client, open_shop):
    """The error page links /static/… on the host it was asked for: those files must come."""
    from galleria.kernel.tenancy.tables import Tenant
    from galleria.web.pages.render import static_url

    assert (await client.get(static_url("galleria.css"),
                             headers={"host": "no-such-shop.localhost"})).status_code == 200
    shop = await open_shop()
    await Tenant.update({Tenant.status: "suspended"}).where(Tenant.slug == shop.slug)
    try:
        page = await client.get("/", headers={"host": shop.host, **ZH})
        assert page.status_code == 403 and "店铺已暂停营业" in page.text
        css = await client.get(static_url("galleria.css"), headers={"host": shop.host})
        assert css.status_code == 200
    finally:
        await Tenant.update({Tenant.status: "active"}).where(Tenant.slug == shop.slug)
