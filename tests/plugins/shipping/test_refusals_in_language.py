"""Why a shipping method is not offered, in the shopper's language (issue 13): the
checkout page and the API's `unavailable_shipping` say it in Chinese to a zh-CN shopper and
in English to an English one, with values filled in (km, dates, yuan), and the API names it
with a stable `reason_code`."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

from shipping_helpers import ADDRESS, SAME_CITY, add_products, cart_with, enable_shipping, place

from galleria.kernel import Money, NotOffered
from galleria.testing import Browser
from galleria_plugins.shipping.texts import N_, TEXTS, refusal

LHASA = {**ADDRESS, "province": "西藏自治区", "city": "拉萨市", "district": "城关区"}
TAIPEI = {**ADDRESS, "province": "台湾省", "city": "台北市", "district": ""}
ZH, EN = "zh-CN,zh;q=0.9", "en"


async def _unavailable(shop, cart_id, address, language, **extra):
    answer = await shop.post("/api/v1/checkout/preview", admin=False,
                             headers={"accept-language": language},
                             json={"cart_id": cart_id, "address": address, **extra})
    assert answer.status_code == 200, answer.text
    return {u["code"]: u for u in answer.json()["unavailable_shipping"]}


async def test_the_api_says_why_in_the_shoppers_language_with_a_stable_code(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 500))
    await enable_shipping(shop)
    cart_id = await cart_with(shop, [(products["TEA"][1], 1)])

    zh = await _unavailable(shop, cart_id, LHASA, ZH)
    en = await _unavailable(shop, cart_id, LHASA, EN)
    assert zh["same_city_1"]["reason_code"] == en["same_city_1"]["reason_code"] == \
        "outside_radius"
    assert zh["same_city_1"]["reason"].startswith("超出配送范围：距离 ")
    assert zh["same_city_1"]["reason"].endswith("公里，本店仅配送 8 公里以内")
    assert "km" not in zh["same_city_1"]["reason"]
    assert en["same_city_1"]["reason"].startswith("outside the delivery radius: ")
    assert en["same_city_1"]["reason"].endswith(" km, the shop delivers within 8 km")
    km = en["same_city_1"]["reason"].split(": ")[1].split(" km")[0]
    assert km in zh["same_city_1"]["reason"] and float(km) > 1000  # Hangzhou to Lhasa

    excluded = await _unavailable(shop, cart_id, TAIPEI, ZH)
    assert excluded["express"]["reason_code"] == "region_excluded"
    assert excluded["express"]["reason"] == "标准快递：该地区不在配送范围内"
    english = await _unavailable(shop, cart_id, TAIPEI, EN)
    assert english["express"]["reason"] == "标准快递: not delivered to this region"

    # Choosing it anyway is refused with the same words, in the shopper's language.
    chosen = await shop.post("/api/v1/checkout/preview", admin=False,
                             headers={"accept-language": ZH},
                             json={"cart_id": cart_id, "address": LHASA,
                                   "shipping_method": "same_city_1"})
    assert chosen.status_code == 422
    assert chosen.json()["errors"][0]["message"] == zh["same_city_1"]["reason"]


async def test_a_full_slot_is_named_with_its_day_in_each_language(open_shop):
    shop = await open_shop()
    products = await add_products(shop, ("TEA", 2800, 10, 0))
    await enable_shipping(shop, same_city=json.dumps(
        {**SAME_CITY, "slots": [{"start": "00:00", "end": "23:59", "capacity": 1}]}))
    await place(shop, [(products["TEA"][1], 1)], shipping_method="same_city_1")
    cart_id = await cart_with(shop, [(products["TEA"][1], 1)])
    handle = await shop.shop()
    today = dt.datetime.now(zoneinfo.ZoneInfo(handle.timezone)).date()
    zh = (await _unavailable(shop, cart_id, ADDRESS, ZH))["same_city_1"]
    en = (await _unavailable(shop, cart_id, ADDRESS, EN))["same_city_1"]
    assert zh["reason_code"] == en["reason_code"] == "slot_full"
    # The slot's day: today's slot, or tomorrow's once today's has begun.
    day = next(d for d in (today, today + dt.timedelta(days=1))
               if zh["reason"] == f"{d.month}月{d.day}日 00:00–23:59 时段已约满")
    assert en["reason"] == f"the 00:00–23:59 slot on {day:%b} {day.day} is full"


async def test_the_checkout_page_shows_the_reason_in_the_page_language(app, open_shop):
    shop = await open_shop(plugins={"payments_offline": None})
    products = await add_products(shop, ("TEA", 2800, 10, 500))
    await enable_shipping(shop)
    product_id, variant_id = products["TEA"]
    address = {f"address.{key}": value for key, value in LHASA.items()}
    for language, expected, absent in (
            (ZH, "本店仅配送 8 公里以内", "outside the delivery radius"),
            (EN, "the shop delivers within 8 km", "超出配送范围")):
        buyer = Browser(app, shop.host, language)
        try:
            added = await buyer.submit(f"/products/{product_id}", "/cart/items", {
                "product_id": str(product_id), "variant_id": str(variant_id),
                "quantity": "1"})
            assert added.status_code in (200, 303), added.text
            page = await buyer.submit("/checkout", "/checkout", {
                **address, "contact.name": "李雷", "contact.phone": "13800138000",
                "action": "update"})
            assert page.status_code == 200, page.text[:2000]
            listed = page.text.split("data-unavailable-shipping", 1)[1].split("</ul>")[0]
            assert 'data-code="same_city_1"' in listed
            assert 'data-reason="outside_radius"' in listed
            assert expected in listed and absent not in page.text
        finally:
            await buyer.close()


def test_a_refusal_fills_money_dates_and_distances_for_the_locale():
    why = NotOffered(code="below_minimum", message="orders from %(minimum)s, on %(day)s, "
                                                   "within %(km)s km",
                     values={"minimum": Money(3550, "CNY"), "day": dt.date(2026, 12, 5),
                             "km": 12.34})
    assert why.reason == "orders from ¥35.50, on Dec 5, within 12.3 km"
    assert why.text("zh_CN") == "orders from ¥35.50, on 12月5日, within 12.3 km"  # no catalog
    assert why.reason_code == "below_minimum"
    assert NotOffered("too heavy").text("zh_CN") == "too heavy"  # a plain reason, as given
    assert NotOffered("too heavy").reason_code == "not_offered"
    slot = refusal("slot_full", N_("the %(slot)s slot on %(day)s is full"),
                   slot="18:00–20:00", day=dt.date(2026, 12, 5))
    assert slot.catalog is TEXTS
    assert slot.text("zh_CN") == "12月5日 18:00–20:00 时段已约满"
    assert slot.text("en") == slot.reason == "the 18:00–20:00 slot on Dec 5 is full"
