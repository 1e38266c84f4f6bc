"""The storefront's phone layout through the ASGI app: the tab bar, the category page, the
product page's one picker and its buy bar (加入购物车 / 立即购买)."""

from __future__ import annotations

import re

import httpx
import pytest

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
ZH = {"accept": "text/html", "accept-language": "zh-CN"}


@pytest.fixture
async def shopper(app, client):
    """A browser of its own (the session-wide client's cookies would carry another test's
    cart: httpx keeps cookies by URL, not by the Host header)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://localhost") as browser:
        yield browser


async def tea_shop(open_shop):
    shop = await open_shop()
    for body in ({"name": "茶叶", "slug": "tea"},
                 {"name": "绿茶", "slug": "green", "parent": "tea"}):
        assert (await shop.post("/api/admin/v1/categories", json=body)).status_code == 201
    created = await shop.post("/api/admin/v1/products", json={
        "name": "西湖龙井", "category": "green", "status": "published", "variants": [
            {"sku": "LJ-50", "price": 3800, "stock": 0, "options": {"规格": "50g"}},
            {"sku": "LJ-250", "price": 16800, "stock": 4, "options": {"规格": "250g"}}]})
    assert created.status_code == 201, created.text
    return shop, created.json()


async def test_the_product_page_has_one_picker_and_a_buy_bar(shopper, open_shop):
    shop, product = await tea_shop(open_shop)
    page = (await shopper.get(f"/products/{product['id']}", headers={"host": shop.host, **ZH}))
    html = page.text
    assert "<select" not in html and "data-variant-picker" not in html  # chips only
    assert len(re.findall(r'<input type="radio" name="variant_id"', html)) == 2
    body = html.split("<body", 1)[1]  # (the JSON-LD in the head names SKUs, for machines)
    assert "LJ-50" not in body and "LJ-250" not in body and "SKU" not in body
    sold_out = re.search(r'<label class="option-value is-sold-out">(.*?)</label>', html, re.S)
    assert "disabled" in sold_out.group(1) and "该规格已售罄" in sold_out.group(1)
    # The price shown is the variant that can be bought (¥168.00), not the sold-out ¥38.00.
    assert re.search(r'data-picker-price>¥168\.00<', html)
    assert re.search(r'value="\d+"[^>]*checked', html)  # the 250g chip, ready to buy
    bar = re.search(r'<div class="buy-bar">(.*?)</div>', html, re.S).group(1)
    assert "加入购物车" in bar and "立即购买" in bar


async def test_buy_now_puts_it_in_the_cart_and_opens_checkout(shopper, open_shop):
    shop, product = await tea_shop(open_shop)
    headers = {"host": shop.host, **ZH}
    page = await shopper.get(f"/products/{product['id']}", headers=headers)
    variant = next(v["id"] for v in product["variants"] if v["sku"] == "LJ-250")
    bought = await shopper.post("/cart/items", headers=headers, data={
        "_csrf_token": CSRF_RE.search(page.text).group(1), "product_id": str(product["id"]),
        "variant_id": str(variant), "quantity": "2", "then": "checkout"})
    assert bought.status_code == 303 and bought.headers["location"] == "/checkout"
    checkout = await shopper.get("/checkout", headers=headers)
    assert checkout.status_code == 200 and "西湖龙井" in checkout.text
    assert "¥336.00" in checkout.text


async def test_the_tab_bar_counts_the_cart_and_the_category_page_lists_categories(
        shopper, open_shop):
    shop, product = await tea_shop(open_shop)
    headers = {"host": shop.host, **ZH}
    home = await shopper.get("/", headers=headers)
    bar = re.search(r'<nav class="tab-bar"[^>]*>(.*?)</nav>', home.text, re.S).group(1)
    for label, href in (("首页", "/"), ("分类", "/categories"), ("购物车", "/cart"),
                        ("我的", "/account/sign-in")):
        assert re.search(rf'<a href="{href}"[^>]*>.*?<span>{label}</span></a>', bar, re.S), label
    assert 'aria-current="page"' in bar and "data-tab-cart-count" not in bar

    variant = next(v["id"] for v in product["variants"] if v["sku"] == "LJ-250")
    product_page = await shopper.get(f"/products/{product['id']}", headers=headers)
    await shopper.post("/cart/items", headers=headers, data={
        "_csrf_token": CSRF_RE.search(product_page.text).group(1), "product_id": str(product["id"]),
        "variant_id": str(variant), "quantity": "3"})
    home = await shopper.get("/", headers=headers)
    assert re.search(r'data-tab-cart-count>3<', home.text)

    categories = await shopper.get("/categories", headers=headers)
    assert categories.status_code == 200
    for slug in ("tea", "green"):
        assert f'href="/?category={slug}"' in categories.text
    assert "<b>茶叶</b>" in categories.text and ">绿茶</a>" in categories.text


def png(size) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 90)).save(out, "PNG")
    return out.getvalue()


async def test_pictures_come_in_sizes_and_the_first_row_loads_first(shopper, open_shop):
    shop = await open_shop()
    for n in range(5):  # the newest first: product 4 is the first card
        created = (await shop.post("/api/admin/v1/products", json={
            "name": f"茶 {n}", "variants": [{"sku": f"T{n}", "price": 100, "stock": 1}]})).json()
        upload = await shop.post(f"/api/admin/v1/products/{created['id']}/images",
                                 files={"file": ("a.png", png((1000, 800)), "image/png")})
        assert upload.status_code == 201, upload.text
    home = await shopper.get("/", headers={"host": shop.host, **ZH})
    cards = re.findall(r'<div class="product-media">\s*(?:<picture>(?:<source [^>]+>)?)?'
                       r'(<img [^>]+>)', home.text)
    assert len(cards) == 5
    first = cards[0]
    assert re.search(r'srcset="\S+-400\.jpg 400w, \S+\.jpg 1000w"', first)
    assert 'width="400" height="320"' in first and 'sizes="' in first
    assert 'loading="eager"' in first and 'fetchpriority="high"' in first
    assert 'loading="eager"' in cards[3] and "fetchpriority" not in cards[3]
    assert 'loading="lazy"' in cards[4]

    product_id = re.search(r'href="/products/(\d+)"', home.text).group(1)
    page = await shopper.get(f"/products/{product_id}", headers={"host": shop.host, **ZH})
    main = re.search(r"<img [^>]*data-gallery-main>", page.text).group(0)
    assert 'fetchpriority="high"' in main and 'loading="lazy"' not in main
    assert 'width="400" height="320"' in main and "1000w" in main


async def test_shop_colours_stay_readable_and_every_section_is_in_a_landmark(shopper, open_shop):
    from html.parser import HTMLParser

    from galleria.kernel.tenancy.tables import Tenant

    shop, product = await tea_shop(open_shop)
    await Tenant.update({Tenant.theme_color: "#16a34a"}).where(Tenant.slug == shop.slug)
    home = await shopper.get("/", headers={"host": shop.host, **ZH})
    assert "--brand: #16a34a; --on-brand: #000000;" in home.text  # white was 3.29:1

    class Landmarks(HTMLParser):
        LANDMARKS = {"main", "header", "footer", "nav", "aside"}
        VOID = {"meta", "link", "input", "img", "br", "hr", "source", "use", "path", "circle"}

        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.stray: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag == "section" and not self.LANDMARKS & set(self.stack):
                self.stray.append(dict(attrs).get("class", "section"))
            if tag not in self.VOID:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            if tag in self.stack:
                del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag):]

    for path in ("/", f"/products/{product['id']}", "/cart", "/categories"):
        page = await shopper.get(path, headers={"host": shop.host, **ZH})
        checker = Landmarks()
        checker.feed(page.text)
        assert checker.stray == [], (path, checker.stray)


async def test_payment_methods_carry_their_brand_marks(shopper, open_shop):
    shop = await open_shop()
    assert (await shop.put("/api/admin/v1/plugins/payments_offline", json={
        "enabled": True, "settings": {"bank_transfer": True,
                                      "bank_instructions": "招商银行 6214 0000"}})
            ).status_code == 200
    methods = (await shop.get("/api/v1/payment-methods", admin=False)).json()["items"]
    marks = {m["code"]: m["mark_url"] for m in methods}
    assert set(marks) == {"cod", "bank_transfer"} and all(marks.values())
    for url in marks.values():
        mark = await shopper.get(url, headers={"host": shop.host})
        assert mark.status_code == 200 and mark.headers["content-type"].startswith("image/svg")
        assert "immutable" in mark.headers["cache-control"]  # versioned: cached for good
