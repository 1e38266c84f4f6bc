"""Product reviews through the API: who may review (only the buyer of a delivered order,
once per line), what the product shows (published reviews, average and counts per star),
moderation (sensitive words hold, hide with a reason, publish), the merchant's reply, the
report, and that one shop never sees or touches another's reviews."""

from __future__ import annotations

import asyncio

import pytest
from reviews_helpers import (
    delivered_order,
    line_of,
    png,
    reviews_shop,
    upload,
    walk,
)

from galleria.kernel.orders import states


async def _review(buyer, number: str, items, shop_rating=None):
    body = {"items": items}
    if shop_rating is not None:
        body["shop_rating"] = shop_rating
    return await buyer.call("POST", f"/api/v1/orders/{number}/reviews", body)


async def test_only_the_buyer_of_a_delivered_order_reviews_it(open_shop, shopper):
    shop, ids = await reviews_shop(open_shop)
    buyer = shopper(shop)
    await buyer.register(phone="13900001001")
    placed = await buyer.place_order({ids["TEA"][1]: 1})
    number = placed["number"]
    await walk(shop.id, number, states.SHIPPED)

    # Not delivered yet: the buyer is told so (403), the lines are not offered.
    early = await _review(buyer, number, [{"line_id": 1, "rating": 5}])
    assert early.status_code == 403
    assert "delivered" in early.json()["detail"]
    assert (await buyer.call("GET", f"/api/v1/orders/{number}/reviews")).status_code == 403

    await walk(shop.id, number)
    line = line_of((await buyer.call("GET", f"/api/v1/orders/{number}/reviews")).json(), "TEA")

    guest = shopper(shop)  # no account: 401
    assert (await _review(guest, number, [{"line_id": line, "rating": 5}])).status_code == 401
    other = shopper(shop)  # another shopper: the order is not theirs to see
    await other.register(phone="13900001002")
    assert (await _review(other, number, [{"line_id": line, "rating": 5}])).status_code == 404
    assert (await upload(other, number)).status_code == 404

    done = await _review(buyer, number, [{"line_id": line, "rating": 4, "text": "香气足"}])
    assert done.status_code == 201, done.text
    review = done.json()["reviews"][0]
    assert (review["rating"], review["text"], review["status"]) == (4, "香气足", "published")
    assert review["product_name"] == "龙井茶" and review["options"] == "250g"

    again = await _review(buyer, number, [{"line_id": line, "rating": 1}])
    assert again.status_code == 409 and "龙井茶" in again.json()["detail"]


async def test_bad_reviews_are_refused_field_by_field(open_shop, shopper):
    shop, ids = await reviews_shop(open_shop)
    buyer = shopper(shop)
    await buyer.register(phone="13900001003")
    order = await delivered_order(buyer, ids)
    number = order["number"]
    tea, cup = line_of(order, "TEA"), line_of(order, "CUP")
    keys = []
    for _ in range(7):
        stored = await upload(buyer, number)
        assert stored.status_code == 201, stored.text
        keys.append(stored.json()["key"])
    bad = await _review(buyer, number, [
        {"line_id": tea, "rating": 6, "text": "x" * 501},
        {"line_id": cup, "rating": 0, "photos": keys},
        {"line_id": 999999, "rating": 5}], shop_rating={"described": 5, "logistics": 9,
                                                        "service": 5})
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields == {"items[0].rating", "items[0].text", "items[1].rating",
                      "items[1].photos", "items[2].line_id", "shop_rating.logistics"}
    foreign = await _review(buyer, number, [{"line_id": tea, "rating": 5,
                                             "photos": ["https://evil.example/x.jpg"]}])
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "items[0].photos[0]"
    not_a_picture = await upload(buyer, number, b"GIF89a not really")
    assert not_a_picture.status_code == 422
    # Nothing was kept of the refused requests.
    assert (await buyer.call("GET", "/api/v1/account/reviews")).json()["items"] == []


async def test_a_review_with_photos_shows_on_the_product(open_shop, shopper):
    shop, ids = await reviews_shop(open_shop)
    product = ids["TEA"][0]
    ratings = [5, 4, 5, 2]
    for n, stars in enumerate(ratings):
        buyer = shopper(shop)
        await buyer.register(phone=f"1390000110{n}")
        order = await delivered_order(buyer, ids, skus=("TEA",))
        photos = []
        if n == 0:
            photos = [(await upload(buyer, order["number"], png("green"))).json()["key"]]
        done = await _review(buyer, order["number"], [
            {"line_id": line_of(order, "TEA"), "rating": stars, "text": f"第{n}条",
             "photos": photos}], shop_rating={"described": 5, "logistics": 4, "service": 5})
        assert done.status_code == 201, done.text
        assert done.json()["shop_rating"] == {"described": 5, "logistics": 4, "service": 5}

    listed = await shop.get(f"/api/v1/products/{product}/reviews?limit=3", admin=False)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["summary"]["count"] == 4 and body["summary"]["average"] == 4.0
    assert body["summary"]["counts"] == {"5": 2, "4": 1, "3": 0, "2": 1, "1": 0}
    assert [i["text"] for i in body["items"]] == ["第3条", "第2条", "第1条"]  # newest first
    assert "customer_id" not in body["items"][0] and "order_number" not in body["items"][0]
    rest = (await shop.get(f"/api/v1/products/{product}/reviews?limit=3"
                           f"&cursor={body['next_cursor']}", admin=False)).json()
    assert [i["text"] for i in rest["items"]] == ["第0条"] and rest["next_cursor"] is None
    photo = rest["items"][0]["photos"][0]
    assert photo["thumb_url"] and (await shop.get(photo["url"], admin=False)).status_code == 200
    only = (await shop.get(f"/api/v1/products/{product}/reviews?with_photos=true",
                           admin=False)).json()
    assert [i["text"] for i in only["items"]] == ["第0条"]
    twos = (await shop.get(f"/api/v1/products/{product}/reviews?rating=2", admin=False)).json()
    assert [i["rating"] for i in twos["items"]] == [2]
    bad = await shop.get(f"/api/v1/products/{product}/reviews?cursor=nonsense", admin=False)
    assert bad.status_code == 422
    # The other product has none.
    cup = (await shop.get(f"/api/v1/products/{ids['CUP'][0]}/reviews", admin=False)).json()
    assert cup["summary"]["count"] == 0 and cup["summary"]["average"] is None


async def test_a_sensitive_word_holds_the_review_for_the_merchant(open_shop, shopper):
    shop, ids = await reviews_shop(open_shop, {"sensitive_words": "垃圾\nSCAM，加微信"})
    buyer = shopper(shop)
    await buyer.register(phone="13900001201")
    order = await delivered_order(buyer, ids)
    product = ids["TEA"][0]
    done = await _review(buyer, order["number"], [
        {"line_id": line_of(order, "TEA"), "rating": 1, "text": "真是垃圾，a scam"},
        {"line_id": line_of(order, "CUP"), "rating": 5, "text": "很好看"}])
    assert done.status_code == 201, done.text
    held, fine = done.json()["reviews"]
    assert held["status"] == "pending" and held["held_words"] == "垃圾, SCAM"
    assert fine["status"] == "published"
    public = (await shop.get(f"/api/v1/products/{product}/reviews", admin=False)).json()
    assert public["items"] == [] and public["summary"]["count"] == 0

    pending = (await shop.get("/api/admin/v1/reviews?status=pending")).json()["items"]
    assert [r["id"] for r in pending] == [held["id"]]
    published = await shop.post(f"/api/admin/v1/reviews/{held['id']}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert (await shop.get(f"/api/v1/products/{product}/reviews",
                           admin=False)).json()["summary"]["count"] == 1

    no_reason = await shop.post(f"/api/admin/v1/reviews/{held['id']}/hide",
                                json={"reason": "  "})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    hidden = await shop.post(f"/api/admin/v1/reviews/{held['id']}/hide",
                             json={"reason": "含不实信息"})
    assert hidden.json()["status"] == "hidden" and hidden.json()["hidden_reason"] == "含不实信息"
    assert (await shop.get(f"/api/v1/products/{product}/reviews",
                           admin=False)).json()["items"] == []
    mine = (await buyer.call("GET", "/api/v1/account/reviews")).json()["items"]
    assert {r["status"] for r in mine} == {"hidden", "published"}


async def test_the_merchant_replies_and_filters(open_shop, shopper):
    shop, ids = await reviews_shop(open_shop)
    buyer = shopper(shop)
    await buyer.register(phone="13900001301")
    order = await delivered_order(buyer, ids)
    done = (await _review(buyer, order["number"], [
        {"line_id": line_of(order, "TEA"), "rating": 2, "text": "有点苦"},
        {"line_id": line_of(order, "CUP"), "rating": 5}])).json()["reviews"]
    bitter = done[0]["id"]
    empty = await shop.post(f"/api/admin/v1/reviews/{bitter}/reply", json={"text": ""})
    assert empty.status_code == 422
    replied = await shop.post(f"/api/admin/v1/reviews/{bitter}/reply",
                              json={"text": "建议水温 80℃ 冲泡"})
    assert replied.status_code == 200 and replied.json()["reply"] == "建议水温 80℃ 冲泡"
    public = (await shop.get(f"/api/v1/products/{ids['TEA'][0]}/reviews",
                             admin=False)).json()["items"][0]
    assert public["reply"] == "建议水温 80℃ 冲泡" and public["replied_at"]
    twos = (await shop.get("/api/admin/v1/reviews?rating=2")).json()["items"]
    assert [r["id"] for r in twos] == [bitter]
    assert (await shop.get("/api/admin/v1/reviews?status=weird")).status_code == 422
    assert (await shop.post("/api/admin/v1/reviews/999999/publish")).status_code == 404


async def test_the_reviews_report_gives_each_products_rating(open_shop, shopper):
    shop, ids = await reviews_shop(open_shop)
    for n, (tea, cup) in enumerate([(5, 3), (4, 5)]):
        buyer = shopper(shop)
        await buyer.register(phone=f"1390000140{n}")
        order = await delivered_order(buyer, ids)
        assert (await _review(buyer, order["number"], [
            {"line_id": line_of(order, "TEA"), "rating": tea},
            {"line_id": line_of(order, "CUP"), "rating": cup}])).status_code == 201
    report = await shop.get("/api/admin/v1/reports/reviews")
    assert report.status_code == 200, report.text
    rows = {row["name"]: row for row in report.json()["series"]}
    assert rows["龙井茶"]["average"] == 4.5 and rows["龙井茶"]["count"] == 2
    assert rows["龙井茶"]["good_share"] == 100 and rows["青瓷杯"]["good_share"] == 50
    assert rows["青瓷杯"]["product_id"] == ids["CUP"][0]
    assert report.json()["totals"]["count"] == 4 and report.json()["totals"]["average"] == 4.3
    old = await shop.get("/api/admin/v1/reports/reviews?from=2020-01-01&to=2020-01-31")
    assert old.json()["series"] == [] and old.json()["totals"]["count"] == 0
    bad = await shop.get("/api/admin/v1/reports/reviews?from=2020-13-01")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"
    # The sales report of the kernel is still its own.
    assert (await shop.get("/api/admin/v1/reports/sales")).status_code == 200


async def test_one_shop_never_sees_or_touches_anothers_reviews(open_shop, shopper):
    shop_a, ids_a = await reviews_shop(open_shop)
    shop_b, ids_b = await reviews_shop(open_shop)
    buyer = shopper(shop_a)
    await buyer.register(phone="13900001501")
    order = await delivered_order(buyer, ids_a)
    key = (await upload(buyer, order["number"])).json()["key"]
    review = (await _review(buyer, order["number"], [
        {"line_id": line_of(order, "TEA"), "rating": 5, "photos": [key]}])).json()["reviews"][0]

    assert (await shop_b.get("/api/admin/v1/reviews")).json()["items"] == []
    for action, body in (("reply", {"text": "你好"}), ("hide", {"reason": "x"}),
                         ("publish", None)):
        answer = await shop_b.post(f"/api/admin/v1/reviews/{review['id']}/{action}", json=body)
        assert answer.status_code == 404, (action, answer.text)
    product_a = ids_a["TEA"][0]
    on_b = (await shop_b.get(f"/api/v1/products/{product_a}/reviews", admin=False)).json()
    assert on_b["items"] == [] and on_b["summary"]["count"] == 0
    assert (await shop_b.get("/api/admin/v1/reports/reviews")).json()["series"] == []
    # Shop A's order number and photo mean nothing in shop B.
    buyer_b = shopper(shop_b)
    await buyer_b.register(phone="13900001502")
    assert (await _review(buyer_b, order["number"], [
        {"line_id": line_of(order, "TEA"), "rating": 5}])).status_code == 404
    order_b = await delivered_order(buyer_b, ids_b)
    stolen = await _review(buyer_b, order_b["number"], [
        {"line_id": line_of(order_b, "TEA"), "rating": 5, "photos": [key]}])
    assert stolen.status_code == 422
    # A's line id in B's order: not a line of that order.
    crossed = await _review(buyer_b, order_b["number"], [
        {"line_id": line_of(order, "TEA"), "rating": 5}])
    assert crossed.status_code == 422
    # A's review stays as it was.
    mine = (await buyer.call("GET", "/api/v1/account/reviews")).json()["items"]
    assert [(r["id"], r["reply"], r["status"]) for r in mine] == [(review["id"], None,
                                                                   "published")]


async def test_a_shop_without_the_plugin_has_no_reviews(open_shop, shopper):
    shop, ids = await reviews_shop(open_shop, plugin=False)
    buyer = shopper(shop)
    await buyer.register(phone="13900001601")
    order = await buyer.place_order({ids["TEA"][1]: 1})
    await walk(shop.id, order["number"])
    assert (await _review(buyer, order["number"], [{"line_id": 1, "rating": 5}])
            ).status_code == 404
    assert (await shop.get(f"/api/v1/products/{ids['TEA'][0]}/reviews",
                           admin=False)).status_code == 404
    assert (await shop.get("/api/admin/v1/reviews")).status_code == 404


@pytest.mark.concurrency
async def test_the_same_review_sent_twice_at_once_is_kept_once(open_shop, shopper):
    shop, ids = await reviews_shop(open_shop)
    buyer = shopper(shop)
    await buyer.register(phone="13900001701")
    order = await delivered_order(buyer, ids)
    item = {"line_id": line_of(order, "TEA"), "rating": 5, "text": "好"}
    answers = await asyncio.gather(*[_review(buyer, order["number"], [item],
                                             {"described": 5, "logistics": 5, "service": 5})
                                     for _ in range(4)])
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [
        a.text for a in answers]
    mine = (await buyer.call("GET", "/api/v1/account/reviews")).json()["items"]
    assert len(mine) == 1
