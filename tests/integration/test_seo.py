"""What a search engine's crawler and a WeChat share card read from a shop's pages."""

from __future__ import annotations

import html
import io
import json
import re

from PIL import Image

CRAWLER = {"accept": "text/html", "user-agent": "Baiduspider"}  # no language, no cookie


def png(size=(1000, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 140, 60)).save(out, "PNG")
    return out.getvalue()


def meta(page: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def links(page: str, rel: str) -> dict[str, str]:
    return {m.group(2) or "": html.unescape(m.group(3)) for m in re.finditer(
        rf'<link rel="{rel}"( hreflang="([^"]+)")? href="([^"]+)"', page)}


async def tea_shop(open_shop):
    shop = await open_shop()
    category = await shop.post("/api/admin/v1/categories", json={"name": "绿茶", "slug": "green"})
    assert category.status_code == 201, category.text
    created = await shop.post("/api/admin/v1/products", json={
        "name": "西湖龙井", "category": "green", "status": "published",
        "description": "**明前**龙井，[产地](https://example.com)杭州。<b>x</b>",
        "variants": [{"sku": "LJ-50", "price": 3800, "stock": 0, "options": {"规格": "50g"}},
                     {"sku": "LJ-250", "price": 16800, "stock": 4,
                      "options": {"规格": "250g"}}]})
    assert created.status_code == 201, created.text
    product = created.json()
    picture = await shop.post(f"/api/admin/v1/products/{product['id']}/images",
                              files={"file": ("a.png", png(), "image/png")})
    assert picture.status_code == 201, picture.text
    return shop, product


async def test_a_product_page_has_a_description_share_card_and_product_data(client, open_shop):
    shop, product = await tea_shop(open_shop)
    page = (await client.get(f"/products/{product['id']}",
                             headers={"host": shop.host, **CRAWLER})).text
    url = f"http://{shop.host}/products/{product['id']}"
    assert meta(page, "description") == "明前 龙井， 产地 杭州。 x"
    assert meta(page, "og:title").startswith("西湖龙井")
    assert meta(page, "og:description") == meta(page, "description")
    image = meta(page, "og:image")
    assert image.startswith(f"http://{shop.host}/media/") and image.endswith(".jpg")
    assert int(meta(page, "og:image:width")) >= 300 and int(meta(page, "og:image:height")) >= 300
    picture = await client.get(image.removeprefix(f"http://{shop.host}"))
    assert picture.status_code == 200
    assert Image.open(io.BytesIO(picture.content)).size[0] >= 300

    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>',
                                page, re.S).group(1))
    assert data["@type"] == "Product" and data["name"] == "西湖龙井"
    offers = {o["sku"]: o for o in data["offers"]}
    assert offers["LJ-250"]["price"] == "168.00" and offers["LJ-250"]["priceCurrency"] == "CNY"
    assert offers["LJ-250"]["availability"] == "https://schema.org/InStock"
    assert offers["LJ-50"]["availability"] == "https://schema.org/OutOfStock"
    assert data["image"] == [image]

    # Each language at its own URL, the page naming itself canonical.
    # No Accept-Language: the shop's own language (Chinese) at the x-default URL, which
    # names itself canonical (not another hreflang alternate: search engines would then
    # disregard the alternates, and Lighthouse fails the page's `canonical` audit).
    assert 'lang="zh-CN"' in page and links(page, "canonical")[""] == url
    alternates = links(page, "alternate")
    assert alternates == {"zh-CN": url + "?lang=zh_CN", "en": url + "?lang=en",
                          "x-default": url}
    english = (await client.get(f"/products/{product['id']}?lang=en",
                                headers={"host": shop.host, **CRAWLER,
                                         "accept-language": "zh-CN"})).text
    assert 'lang="en"' in english and "Add to cart" in english
    assert links(english, "canonical")[""] == url + "?lang=en"


async def test_category_and_home_pages_describe_what_is_sold(client, open_shop):
    shop, _ = await tea_shop(open_shop)
    home = (await client.get("/?lang=zh_CN", headers={"host": shop.host, **CRAWLER})).text
    assert "西湖龙井" in meta(home, "description")
    category = (await client.get("/?category=green&sort=price_asc&lang=zh_CN",
                                 headers={"host": shop.host, **CRAWLER})).text
    assert meta(category, "description").startswith("绿茶 · ")
    # The sort is not another page; the category is.
    assert links(category, "canonical")[""] == (
        f"http://{shop.host}/?category=green&lang=zh_CN")


async def test_the_shoppers_own_pages_are_not_indexed(client, open_shop):
    shop, _ = await tea_shop(open_shop)
    for path in ("/cart", "/checkout", "/account/sign-in", "/console/login"):
        page = await client.get(path, headers={"host": shop.host, **CRAWLER},
                                follow_redirects=True)
        assert '<meta name="robots" content="noindex, nofollow">' in page.text, path
        assert "canonical" not in page.text, path
    product_page = await client.get("/", headers={"host": shop.host, **CRAWLER})
    assert "noindex" not in product_page.text


async def test_robots_and_sitemap_per_shop_host(client, open_shop):
    shop, product = await tea_shop(open_shop)
    robots = await client.get("/robots.txt", headers={"host": shop.host})
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    assert "Disallow: /cart" in robots.text and "Disallow: /console" in robots.text
    assert f"Sitemap: http://{shop.host}/sitemap.xml" in robots.text

    sitemap = await client.get("/sitemap.xml", headers={"host": shop.host})
    assert sitemap.status_code == 200
    assert sitemap.headers["content-type"].startswith("application/xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap.text)
    assert locs == [f"http://{shop.host}/", f"http://{shop.host}/?category=green",
                    f"http://{shop.host}/products/{product['id']}"]
    assert (f'hreflang="zh-CN" href="http://{shop.host}/products/{product["id"]}'
            f'?lang=zh_CN"') in sitemap.text

    other, _ = await tea_shop(open_shop)
    theirs = await client.get("/sitemap.xml", headers={"host": other.host})
    assert f"/products/{product['id']}<" not in theirs.text  # one shop's products only
    assert (await client.get("/sitemap.xml")).status_code == 404  # the platform has none


async def test_the_language_switch_drops_the_lang_of_the_url(client, open_shop):
    shop, product = await tea_shop(open_shop)
    page = (await client.get(f"/products/{product['id']}?lang=en",
                             headers={"host": shop.host, **CRAWLER})).text
    assert f'href="/lang/zh_CN?next=%2Fproducts%2F{product["id"]}"' in page
