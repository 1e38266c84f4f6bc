"""The admission door (galleria/web/admission_door.py): a flash-sale burst's buyers admitted
together before routing, the refused answered there exactly as the app answers them, the
admitted placing with the units taken for them (given back when the app refuses them), and
nothing of another shop's within its reach."""

from __future__ import annotations

import asyncio
import time

import pytest
from helpers import (
    campaign_shop,
    cart_with,
    left_on_counter,
    needs_redis_gate,
    order_body,
    start_sale,
)

from conftest import on_postgres
from galleria.kernel import shared_redis
from galleria.kernel.checkout import admission
from galleria.web import admission_door
from galleria_plugins.marketing_campaigns import flash_sales


async def _sale(shop, variant_id, **fields):
    return await start_sale(shop, variant_id, **{"price": 990, **fields})


_left, _needs_redis = left_on_counter, needs_redis_gate


def _spy(monkeypatch, owner, name):
    """Record each call of `owner.name` (its arguments), calling through."""
    calls = []
    real = getattr(owner, name)

    async def recording(*args, **kwargs):
        calls.append(args)
        return await real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return calls


@pytest.mark.concurrency
async def test_a_burst_is_admitted_together_and_the_late_never_reach_the_app(
        open_shop, runtime, monkeypatch):
    """60 buyers at once for 5 units: exactly 5 orders at the sale price, 55 × 409
    `sold_out`; the sale's adjuster is asked in a few batches, not 60 times, and only the
    5 admitted buyers reach the app's handler at all."""
    from galleria.web.api import shop_orders

    _needs_redis()
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 100))
    sale = await _sale(shop, v["TEA-1"], quota=5)
    carts = [await cart_with(shop, v["TEA-1"]) for _ in range(60)]
    batches = _spy(monkeypatch, flash_sales.FlashSalePrice, "admit_many")
    handled = _spy(monkeypatch, shop_orders, "current_customer")  # the handler's first step
    answers = await asyncio.gather(*(shop.post("/api/v1/orders", admin=False,
                                               json=order_body(cart)) for cart in carts))
    placed = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(placed) == 5 and all(a.json()["total"] == 990 for a in placed)
    assert {a.status_code for a in refused} == {409}
    assert all(a.json()["type"].endswith("/sold_out") for a in refused)
    assert sum(len(args[3]) for args in batches) == 60  # (self, shop, wanted, locales)
    assert len(batches) < 10, [len(args[3]) for args in batches]
    assert len(handled) == 5
    assert await _left(tenant_id, sale["id"]) == 0


async def test_the_doors_refusal_is_the_apps_refusal(open_shop, runtime, monkeypatch):
    """The same late buyer refused by the app's admission (the door letting the shop's
    orders through) and by the door: the same status, problem+json body and headers —
    security headers, the content security policy, a request id of its own."""
    _needs_redis()
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 10))
    await _sale(shop, v["TEA-1"], quota=1)
    assert (await shop.post("/api/v1/orders", admin=False, json=order_body(
        await cart_with(shop, v["TEA-1"])))).status_code == 201
    at_the_door = _spy(monkeypatch, admission_door, "_refuse")

    monkeypatch.setitem(admission._quiet_until, tenant_id, time.monotonic() + 60)
    by_app = await shop.post("/api/v1/orders", admin=False,
                             json=order_body(await cart_with(shop, v["TEA-1"])),
                             headers={"accept-language": "en"})
    assert at_the_door == []  # the shop was quiet: the app answered
    assert tenant_id not in admission._quiet_until  # and its refusal wakes the door
    by_door = await shop.post("/api/v1/orders", admin=False,
                              json=order_body(await cart_with(shop, v["TEA-1"])),
                              headers={"accept-language": "en"})
    assert len(at_the_door) == 1

    for answer in (by_app, by_door):
        assert answer.status_code == 409
        assert answer.headers["content-type"] == "application/problem+json"
        assert "'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert by_door.json() == by_app.json()
    assert by_door.json()["type"].endswith("/sold_out") and "sold out" in by_door.json()["detail"]
    ignored = {"date", "x-request-id", "content-security-policy"}  # differ per response
    assert ({k for k in by_door.headers if k not in ignored}
            == {k for k in by_app.headers if k not in ignored})
    assert by_door.headers["x-request-id"] != by_app.headers["x-request-id"]
    chosen = await shop.post("/api/v1/orders", admin=False,
                             json=order_body(await cart_with(shop, v["TEA-1"])),
                             headers={"accept-language": "zh-CN", "x-request-id": "trace-1"})
    assert chosen.headers["x-request-id"] == "trace-1" and "秒杀已抢光" in chosen.json()["detail"]


async def test_units_the_door_took_go_back_when_the_app_refuses_the_buyer(
        open_shop, runtime, monkeypatch):
    """The door took a unit for the buyer, then the app refuses the order (an invalid
    address): the unit is back on the counter, and the next buyer gets it."""
    _needs_redis()
    shop, tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 10))
    sale = await _sale(shop, v["TEA-1"], quota=2)
    assert (await shop.post("/api/v1/orders", admin=False, json=order_body(
        await cart_with(shop, v["TEA-1"])))).status_code == 201  # the door is awake now
    batches = _spy(monkeypatch, flash_sales.FlashSalePrice, "admit_many")
    bad = order_body(await cart_with(shop, v["TEA-1"]))
    bad["address"] = {**bad["address"], "phone": "12"}
    invalid = await shop.post("/api/v1/orders", admin=False, json=bad)
    assert invalid.status_code == 422, invalid.text
    assert len(batches) == 1  # admitted at the door, with the last unit
    assert await _left(tenant_id, sale["id"]) == 1
    placed = await shop.post("/api/v1/orders", admin=False,
                             json=order_body(await cart_with(shop, v["TEA-1"])))
    assert placed.status_code == 201 and placed.json()["total"] == 990
    assert await _left(tenant_id, sale["id"]) == 0


async def test_another_shops_cart_is_nothing_to_the_door(open_shop, runtime):
    """A cart of shop A posted to shop B's host while B's sale is sold out: the door finds
    no such cart in B (it reads B's carts only), so it neither refuses nor takes anything;
    the app answers that B has no such cart, and A's sale is untouched."""
    a, a_id, av, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 10))
    b, _b_id, bv, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 10))
    a_sale = await _sale(a, av["TEA-1"], quota=5)
    await _sale(b, bv["TEA-1"], quota=1)
    assert (await b.post("/api/v1/orders", admin=False, json=order_body(
        await cart_with(b, bv["TEA-1"])))).status_code == 201  # B's sale is sold out
    a_cart = await cart_with(a, av["TEA-1"])
    crossed = await b.post("/api/v1/orders", admin=False, json=order_body(a_cart))
    assert crossed.status_code == 404, crossed.text
    if shared_redis() is not None and on_postgres():
        assert await _left(a_id, a_sale["id"]) == 5
    placed = await a.post("/api/v1/orders", admin=False, json=order_body(a_cart))
    assert placed.status_code == 201 and placed.json()["total"] == 990


async def test_a_shop_without_a_gating_plugin_passes_the_door_without_a_statement(
        open_shop, driver_statements):
    """A shop that has not enabled marketing_campaigns: after its first order (which tells
    the door so), its orders cost the statements they cost without a door."""
    shop = await open_shop()
    made = await shop.post("/api/admin/v1/products", json={
        "name": "龙井茶", "variants": [{"sku": "TEA-1", "price": 12800, "stock": 50}]})
    variant = made.json()["variants"][0]["id"]
    for _ in range(2):
        cart = await cart_with(shop, variant)
        driver_statements.clear()
        placed = await shop.post("/api/v1/orders", admin=False, json=order_body(cart))
        assert placed.status_code == 201, placed.text
    looked_up = [s for s in driver_statements if "FROM tenant WHERE slug" in s]
    assert len(looked_up) == 1, "\n".join(driver_statements)  # the app's own, not the door's
    assert not any("galleria_carts_wanted" in s or "c.token IN" in s for s in driver_statements)


async def test_a_plugin_failing_at_the_door_leaves_the_buyers_to_the_app(
        open_shop, runtime, monkeypatch, caplog):
    """The sale's `admit_many` raises (a plugin's bug): the door logs it and lets every buyer
    of the batch through to the app, whose admission and order decide as ever."""
    _needs_redis()  # (without Redis the sold-out shop's door is quiet: admit_many is not asked)
    shop, _tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 10))
    await _sale(shop, v["TEA-1"], quota=1)
    assert (await shop.post("/api/v1/orders", admin=False, json=order_body(
        await cart_with(shop, v["TEA-1"])))).status_code == 201  # sold out; the door awake

    async def broken(self, shop, wanted, locales):
        raise RuntimeError("a bug in admit_many")

    monkeypatch.setattr(flash_sales.FlashSalePrice, "admit_many", broken)
    late = await shop.post("/api/v1/orders", admin=False,
                           json=order_body(await cart_with(shop, v["TEA-1"])))
    assert late.status_code == 409 and late.json()["type"].endswith("/sold_out")
    assert "admit_many" in caplog.text  # logged, with the plugin's error


async def test_bad_bodies_at_the_door_get_the_apps_clear_4xx(open_shop, runtime):
    """Bodies the door cannot read — JSON nested too deep for a parser (whole or in a field
    it skips), not JSON at all, a cart id that is no string or cannot be a cart's token —
    go on to the app, which answers each with a problem+json 4xx; the sale and the next
    buyer's order are untouched."""
    shop, _tenant_id, v, _ = await campaign_shop(open_shop, runtime, ("TEA-1", 12800, 10))
    await _sale(shop, v["TEA-1"], quota=2)
    deep_field = b'{"cart_id": "abc", "address": ' + b"[" * 60_000 + b"]" * 60_000 + b"}"
    for body in (b"[" * 60_000, deep_field, b"{not json", b'{"cart_id": 7}',
                 "{\"cart_id\": \"\\u0000\"}", b'{"cart_id": "x\' OR \'1\'=\'1"}'):
        answer = await shop.request("POST", "/api/v1/orders", admin=False, content=body,
                                    headers={"content-type": "application/json"})
        assert 400 <= answer.status_code < 500, (body[:20], answer.status_code, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    placed = await shop.post("/api/v1/orders", admin=False,
                             json=order_body(await cart_with(shop, v["TEA-1"])))
    assert placed.status_code == 201 and placed.json()["total"] == 990
