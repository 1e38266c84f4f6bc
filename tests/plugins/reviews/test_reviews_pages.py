"""Reviews on the pages, in Chinese: the product page's block and the order page's "评价"
(the `galleria_storefront_blocks` hook), the review form with photos, 我的, and the console's
list, reply and moderation."""

from __future__ import annotations

import re

from reviews_helpers import delivered_order, line_of, png, reviews_shop, upload, walk

from galleria.kernel import StorefrontBlock, hookimpl
from galleria.kernel.orders import states
from galleria.testing import PASSWORD, Browser, enable_plugin, register_plugin

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def _signed_in(app, shop, phone: str) -> Browser:
    browser = Browser(app, shop.host)
    answer = await browser.submit("/account/sign-in", "/account/sign-in",
                                  {"login": phone, "password": PASSWORD, "next": ""})
    assert answer.status_code == 303, answer.text[:500]
    return browser


class Broken:
    """A plugin whose order block fails and whose product block has nothing to say."""

    @hookimpl
    def galleria_storefront_blocks(self):
        async def nothing(shop, key, customer_id):
            return None

        async def fails(shop, key, customer_id):
            raise RuntimeError("down")

        return [StorefrontBlock("product", "quiet", "quiet/none.html", nothing),
                StorefrontBlock("order", "broken", "broken/none.html", fails, order=1)]


async def test_hook_storefront_blocks(app, open_shop, shopper, plugin_host):
    """galleria_storefront_blocks: the reviews block on the product page (published
    reviews, average, counts per star) and "评价" on the buyer's delivered order; nothing
    for others, nothing before delivery, nothing in a shop without the plugin; a block
    whose context answers None or fails leaves the page whole."""
    shop, ids = await reviews_shop(open_shop)
    buyer = shopper(shop)
    await buyer.register(phone="13900002001")
    order = await delivered_order(buyer, ids)
    key = (await upload(buyer, order["number"])).json()["key"]
    assert (await buyer.call("POST", f"/api/v1/orders/{order['number']}/reviews", {
        "items": [{"line_id": line_of(order, "TEA"), "rating": 4, "text": "回甘明显",
                   "photos": [key]}]})).status_code == 201

    visitor = Browser(app, shop.host)
    product = await visitor.get(f"/products/{ids['TEA'][0]}")
    html = product.text
    assert product.status_code == 200 and 'data-plugin-block="reviews"' in html
    assert "共 1 条评价" in html and "回甘明显" in html and "data-review-photo" in html
    assert 'data-star-count="4:1"' in html and 'data-review-average>4.0<' in html
    assert "Reviews" not in html and "Verified buyer" not in html  # zh-CN all through
    empty = await visitor.get(f"/products/{ids['CUP'][0]}")
    assert "暂无评价" in empty.text

    page = await _signed_in(app, shop, "13900002001")
    mine = await page.get(f"/orders/{order['number']}")
    assert 'data-review-order' in mine.text and "评价" in mine.text
    # Another order of the buyer, not delivered yet: no "评价".
    early = await buyer.place_order({ids["CUP"][1]: 1})
    await walk(shop.id, early["number"], states.SHIPPED)
    assert "data-order-reviews" not in (await page.get(f"/orders/{early['number']}")).text
    # The order opened by its link by someone not signed in: no "评价" either.
    guest = Browser(app, shop.host)
    link = await guest.get(f"/orders/{order['number']}?access_token={order['access_token']}")
    assert link.status_code == 200 and "data-order-reviews" not in link.text

    with register_plugin(plugin_host, Broken, "broken_blocks"):
        await enable_plugin(shop.id, plugin_host, "broken_blocks")
        still = await page.get(f"/orders/{order['number']}")
        assert still.status_code == 200 and "data-review-order" in still.text
        assert 'data-plugin-block="broken"' not in still.text
        quiet = await visitor.get(f"/products/{ids['TEA'][0]}")
        assert quiet.status_code == 200 and 'data-plugin-block="quiet"' not in quiet.text

    plain, plain_ids = await reviews_shop(open_shop, plugin=False)
    other = await Browser(app, plain.host).get(f"/products/{plain_ids['TEA'][0]}")
    assert other.status_code == 200 and "data-plugin-block" not in other.text


async def test_the_buyer_reviews_with_photos_on_the_form(app, open_shop, shopper):
    shop, ids = await reviews_shop(open_shop, {"sensitive_words": "差评返现"})
    buyer = shopper(shop)
    await buyer.register(phone="13900002101")
    order = await delivered_order(buyer, ids)
    number = order["number"]
    tea, cup = line_of(order, "TEA"), line_of(order, "CUP")
    page = await _signed_in(app, shop, "13900002101")
    form = await page.get(f"/plugins/reviews/orders/{number}")
    assert form.status_code == 200 and "<title>评价订单" in form.text
    assert "描述相符" in form.text and "物流服务" in form.text and "服务态度" in form.text
    token = CSRF_RE.search(form.text).group(1)
    english = await page.get(f"/plugins/reviews/orders/{number}",
                             headers={"accept-language": "en-US,en;q=0.9"})
    assert english.status_code == 200 and "Rate the shop" in english.text
    assert 'data-some="{n} photos chosen"' in english.text

    # Text without stars: refused, nothing kept, what was typed is still there.
    refused = await page.http.post(f"/plugins/reviews/orders/{number}", data={
        "_csrf_token": token, f"text_{tea}": "还没打分"})
    assert refused.status_code == 422 and "请为“龙井茶”选择 1–5 星" in refused.text
    assert "还没打分" in refused.text

    sent = await page.http.post(f"/plugins/reviews/orders/{number}", data={
        "_csrf_token": token, f"rating_{tea}": "5", f"text_{tea}": "茶香浓郁",
        f"rating_{cup}": "3", f"text_{cup}": "联系我差评返现",
        "shop_described": "5", "shop_logistics": "4", "shop_service": "5"},
        files=[(f"photos_{tea}", ("a.png", png("green"), "image/png")),
               (f"photos_{tea}", ("b.png", png("blue"), "image/png"))])
    assert sent.status_code == 303, sent.text[:800]
    done = await page.get(sent.headers["location"])
    assert "感谢您的评价" in done.text and "data-review-form" not in done.text
    assert done.text.count("<img") >= 2 and "待审核" in done.text

    reviews = (await buyer.call("GET", f"/api/v1/orders/{number}/reviews")).json()
    by_sku = {line["sku"]: line["review"] for line in reviews["lines"]}
    assert len(by_sku["TEA"]["photos"]) == 2 and by_sku["TEA"]["status"] == "published"
    assert by_sku["CUP"]["status"] == "pending" and by_sku["CUP"]["held_words"] == "差评返现"
    assert reviews["shop_rating"] == {"described": 5, "logistics": 4, "service": 5}

    account = await page.get("/account")
    assert "我的评价" in account.text and "茶香浓郁" in account.text and "待审核" in account.text

    # Another shopper cannot open the form.
    other = shopper(shop)
    await other.register(phone="13900002102")
    stranger = await _signed_in(app, shop, "13900002102")
    assert (await stranger.get(f"/plugins/reviews/orders/{number}")).status_code == 404
    guest = await Browser(app, shop.host).get(f"/plugins/reviews/orders/{number}")
    assert guest.status_code == 303 and "/account/sign-in" in guest.headers["location"]


async def test_the_merchant_filters_replies_and_moderates_in_the_console(app, open_shop,
                                                                         shopper, console):
    shop, ids = await reviews_shop(open_shop, {"sensitive_words": "骗子"})
    buyer = shopper(shop)
    await buyer.register(phone="13900002201")
    order = await delivered_order(buyer, ids)
    done = (await buyer.call("POST", f"/api/v1/orders/{order['number']}/reviews", {
        "items": [{"line_id": line_of(order, "TEA"), "rating": 2, "text": "有点苦"},
                  {"line_id": line_of(order, "CUP"), "rating": 1, "text": "骗子"}],
        "shop_rating": {"described": 4, "logistics": 5, "service": 3}})).json()["reviews"]
    bitter, held = done[0]["id"], done[1]["id"]

    browser = await console(shop)
    overview = await browser.get("/console/p/reviews")
    assert overview.status_code == 200
    html = overview.text
    assert "商品评价" in html and 'data-figure="count">2<' in html
    assert 'data-figure="average">1.5<' in html and 'data-figure="good_share">0%<' in html
    assert 'data-figure="pending">1<' in html and 'data-figure="shop_service">3.0<' in html
    assert f'data-console-review="{held}"' in html and f'data-console-review="{bitter}"' not in html
    assert "含敏感词，待审核：骗子" in html

    listed = await browser.get("/plugins/reviews/manage?rating=2")
    assert f'data-console-review="{bitter}"' in listed.text
    assert f'data-console-review="{held}"' not in listed.text

    replied = await browser.submit("/plugins/reviews/manage", f"/plugins/reviews/{bitter}/reply",
                                   {"text": "建议 80℃ 水温冲泡", "back": "/plugins/reviews/manage"})
    assert replied.status_code == 303
    public = (await shop.get(f"/api/v1/products/{ids['TEA'][0]}/reviews",
                             admin=False)).json()["items"]
    assert public[0]["reply"] == "建议 80℃ 水温冲泡"

    no_reason = await browser.submit("/plugins/reviews/manage", f"/plugins/reviews/{bitter}/hide",
                                     {"reason": ""})
    assert no_reason.status_code == 422 and "请写明隐藏原因" in no_reason.text
    hidden = await browser.submit("/plugins/reviews/manage", f"/plugins/reviews/{bitter}/hide",
                                  {"reason": "与商品无关", "back": "https://evil.example/"})
    assert hidden.status_code == 303 and hidden.headers["location"].startswith(
        "/plugins/reviews/manage")
    only_hidden = await browser.get("/plugins/reviews/manage?status=hidden")
    assert f'data-console-review="{bitter}"' in only_hidden.text
    assert "已隐藏：与商品无关" in only_hidden.text
    assert (await shop.get(f"/api/v1/products/{ids['TEA'][0]}/reviews",
                           admin=False)).json()["items"] == []

    shown = await browser.submit("/plugins/reviews/manage", f"/plugins/reviews/{held}/publish",
                                 {"back": "/console/p/reviews"})
    assert shown.status_code == 303
    assert [r["text"] for r in (await shop.get(f"/api/v1/products/{ids['CUP'][0]}/reviews",
                                               admin=False)).json()["items"]] == ["骗子"]


async def test_hook_report_tabs(app, open_shop, shopper, console):
    """The reviews plugin's 商品评价 tab of the reports (`galleria_report_tabs`): shown only
    with the plugin, with its chart, table, low-rated order and CSV / Excel files."""
    shop, ids = await reviews_shop(open_shop)
    for n, (tea, cup) in enumerate([(5, 2), (4, 1)]):
        buyer = shopper(shop)
        await buyer.register(phone=f"1390000230{n}")
        order = await delivered_order(buyer, ids)
        answer = await buyer.call("POST", f"/api/v1/orders/{order['number']}/reviews", {
            "items": [{"line_id": line_of(order, "TEA"), "rating": tea},
                      {"line_id": line_of(order, "CUP"), "rating": cup}]})
        assert answer.status_code == 201, answer.text
    browser = await console(shop)

    sales = await browser.get("/console/reports")
    assert sales.status_code == 200
    assert re.search(r'href="/plugins/reviews/report" data-report-tab="reviews">商品评价<',
                     sales.text)

    page = await browser.get("/plugins/reviews/report?range=30d")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert 'class="chip is-active" href="/plugins/reviews/report"' in html  # its tab, active
    assert "销售趋势" in html or "按商品" in html  # the platform's tabs are there too
    assert 'data-figure="count"><span class="stat-label">评价数</span><span class="stat-value">4<' \
        in html
    assert '<span class="stat-value">50%<' in html  # 2 of 4 with 4–5 stars
    rows = re.findall(r'<tr data-product="(\d+)"><th scope="row">([^<]+)</th>'
                      r'<td class="num">(\d+)</td><td class="num">([\d.]+)</td>'
                      r'<td class="num">(\d+)%</td>', html)
    assert [(name, count, average, share) for _id, name, count, average, share in rows] == [
        ("龙井茶", "2", "4.5", "100"), ("青瓷杯", "2", "1.5", "0")]
    low = await browser.get("/plugins/reviews/report?range=30d&order=low")
    assert low.text.index("青瓷杯</th>") < low.text.index("龙井茶</th>")
    assert 'id="reviews-chart"' in html and "最低分优先" in html

    long_ago = await browser.get("/plugins/reviews/report?from=2020-01-01&to=2020-01-31")
    assert "该时段没有商品收到评价。" in long_ago.text
    assert "2020年1月1日 – 2020年1月31日" in long_ago.text  # as the platform's reports
    assert 'value="2020-01-01"' in long_ago.text  # the period picker keeps what was asked
    wrong = await browser.get("/plugins/reviews/report?from=2020-13-01")
    assert wrong.status_code == 200 and "请检查日期" in wrong.text

    csv_file = await browser.get("/plugins/reviews/report/export?format=csv&range=30d&order=low")
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("商品,评价数,平均评分")
    assert lines[1].startswith("青瓷杯,2,1.5,0,0,0,0,1,1")
    xlsx = await browser.get("/plugins/reviews/report/export?format=xlsx&range=all")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (await browser.get("/plugins/reviews/report/export?format=pdf")).status_code == 422

    english = await console(shop, "en")
    in_english = (await english.get("/plugins/reviews/report?range=all")).text
    assert ">Product reviews<" in in_english and "Lowest rated first" in in_english

    plain = await open_shop()  # without the plugin: no tab
    other = await console(plain)
    assert 'data-report-tab="reviews"' not in (await other.get("/console/reports")).text


async def test_reviews_name_the_buyer_masked_or_not_at_all(app, open_shop, shopper):
    shop, ids = await reviews_shop(open_shop)
    named, hidden = shopper(shop), shopper(shop)
    await named.register(phone="13900002401", name="李明华")
    await hidden.register(phone="13900002402", name="王芳")
    for buyer, anonymous, text in ((named, False, "茶香浓郁"), (hidden, True, "包装很好")):
        order = await delivered_order(buyer, ids, skus=("TEA",))
        answer = await buyer.call("POST", f"/api/v1/orders/{order['number']}/reviews", {
            "items": [{"line_id": line_of(order, "TEA"), "rating": 5, "text": text}],
            "anonymous": anonymous})
        assert answer.status_code == 201, answer.text
    public = (await shop.get(f"/api/v1/products/{ids['TEA'][0]}/reviews",
                             admin=False)).json()["items"]
    assert {(r["text"], r["reviewer"], r["anonymous"]) for r in public} == {
        ("茶香浓郁", "李**", False), ("包装很好", None, True)}
    page = await shop.get(f"/plugins/reviews/products/{ids['TEA'][0]}", admin=False)
    names = re.findall(r"<span data-reviewer>([^<]+)</span>", page.text)
    assert sorted(names) == sorted(["李**", "匿名买家"])
    assert "李明华" not in page.text and "王芳" not in page.text
