"""A customer signed in through the shop's mini-program pays their own order with WeChat
Pay (JSAPI): no access token needed, and the payer is the openid the shop learnt at sign-in,
never one the client names. Another customer's order is as missing as a wrong number."""

from __future__ import annotations

import itertools
import random

import pytest

from galleria.auth import wechat_login
from galleria.kernel import db
from galleria.kernel.access.tables import CustomerIdentity
from galleria.testing.wechat import WeChatSimulator, WeChatSimUser

from .flow import ADDRESS, CONTACT

MINI = "/api/v1/account/wechat/mini-program"
_n = itertools.count(random.randrange(10**6))


@pytest.fixture(scope="module")
def sign_in_simulator():
    with WeChatSimulator().serve() as sim:
        yield sim


@pytest.fixture
def wechat_sign_in(sign_in_simulator, monkeypatch):
    monkeypatch.setenv("GALLERIA_WECHAT_API_BASE", sign_in_simulator.base_url)
    return sign_in_simulator


def _person() -> WeChatSimUser:
    n = next(_n)
    return WeChatSimUser(f"p{n}", unionid=f"union-{n}", nickname="小林")


async def _mini_shop(wechat_shop, sim: WeChatSimulator, appid: str = ""):
    """A WeChat Pay shop whose mini-program has `appid` (by default WeChat Pay's)."""
    ws = await wechat_shop()
    ws.mini_appid = appid or ws.appid
    sim.add_app(ws.mini_appid, f"secret-{ws.mini_appid}")
    await wechat_login.save_wechat_app(ws.shop.id, "wechat_mini", appid=ws.mini_appid,
                                       secret=f"secret-{ws.mini_appid}")
    return ws


async def _sign_in(ws, sim: WeChatSimulator, person: WeChatSimUser) -> dict[str, str]:
    signed = await ws.handle.post(MINI, admin=False, json={
        "code": sim.mini_program_code(ws.mini_appid, person)})
    assert signed.status_code == 200, signed.text
    return {"authorization": f"Bearer {signed.json()['token']}"}


async def _order_of(ws, bearer: dict[str, str]) -> dict:
    shop = ws.handle
    created = await shop.post("/api/admin/v1/products", json={"name": "碧螺春", "variants": [
        {"sku": f"BLC-{next(_n)}", "price": 3900, "stock": 5}]})
    assert created.status_code == 201, created.text
    cart_id = (await shop.post("/api/v1/carts", admin=False, headers=bearer)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False, headers=bearer,
                    json={"variant_id": created.json()["variants"][0]["id"], "quantity": 1})
    placed = await shop.post("/api/v1/orders", admin=False, headers=bearer, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "wechat"})
    assert placed.status_code == 201, placed.text
    return placed.json()


async def test_the_signed_in_customer_pays_as_the_openid_of_their_sign_in(
        wechat_shop, simulator, wechat_sign_in):
    ws = await _mini_shop(wechat_shop, wechat_sign_in)
    person = _person()
    bearer = await _sign_in(ws, wechat_sign_in, person)
    order = await _order_of(ws, bearer)
    number = order["number"]

    # No access token, and an openid in the body naming somebody else is not used.
    started = await ws.handle.post(f"/api/v1/orders/{number}/payments", admin=False,
                                   headers=bearer, json={"method": "wechat", "scene": "jsapi",
                                                         "openid": "oSomebodyElse"})
    assert started.status_code == 201, started.text
    assert started.json()["action"]["type"] == "jsapi"
    trade = simulator.trades[(ws.mchid, started.json()["payment_id"])]
    assert trade.openid == wechat_sign_in.openid(ws.mini_appid, person) != "oSomebodyElse"

    await simulator.pay(started.json()["payment_id"])
    seen = await ws.handle.get(f"/api/v1/orders/{number}", admin=False, headers=bearer)
    assert seen.status_code == 200 and seen.json()["status"] == "paid"


async def test_another_customer_and_a_guest_cannot_pay_it(wechat_shop, simulator,
                                                         wechat_sign_in):
    ws = await _mini_shop(wechat_shop, wechat_sign_in)
    order = await _order_of(ws, await _sign_in(ws, wechat_sign_in, _person()))
    path = f"/api/v1/orders/{order['number']}/payments"
    body = {"method": "wechat", "scene": "jsapi"}
    stranger = await _sign_in(ws, wechat_sign_in, _person())
    assert (await ws.handle.post(path, admin=False, headers=stranger,
                                 json=body)).status_code == 404
    assert (await ws.handle.get(f"/api/v1/orders/{order['number']}", admin=False,
                                headers=stranger)).status_code == 404
    assert (await ws.handle.post(path, admin=False, json=body)).status_code == 404
    # The access token still opens it for a guest (who names their own payer).
    guest = await ws.handle.post(f"{path}?access_token={order['access_token']}", admin=False,
                                 json={**body, "openid": "oGuestPayer"})
    assert guest.status_code == 201, guest.text
    assert simulator.trades[(ws.mchid, guest.json()["payment_id"])].openid == "oGuestPayer"


async def test_a_mini_program_that_wechat_pay_does_not_know_is_named(
        wechat_shop, simulator, wechat_sign_in):
    ws = await _mini_shop(wechat_shop, wechat_sign_in, appid=f"wxother{next(_n):08d}")
    bearer = await _sign_in(ws, wechat_sign_in, _person())
    order = await _order_of(ws, bearer)
    refused = await ws.handle.post(f"/api/v1/orders/{order['number']}/payments", admin=False,
                                   headers=bearer, json={"method": "wechat", "scene": "jsapi"})
    assert refused.status_code == 422, refused.text
    assert ws.mini_appid in refused.json()["detail"] and ws.appid in refused.json()["detail"]


async def test_a_shopper_without_a_recorded_openid_is_told_to_sign_in_again(
        wechat_shop, simulator, wechat_sign_in):
    """Signed in before the shop kept openids: a 422 whose `type` the mini-program knows
    (never its words), and once it signs in again with wx.login() the payment goes through."""
    ws = await _mini_shop(wechat_shop, wechat_sign_in)
    person = _person()
    bearer = await _sign_in(ws, wechat_sign_in, person)
    order = await _order_of(ws, bearer)
    async with db.shop_scope(ws.shop.id):  # as it was before openids were recorded
        await CustomerIdentity.delete().where(
            (CustomerIdentity.tenant == ws.shop.id)
            & (CustomerIdentity.issuer == wechat_login.openid_issuer(ws.mini_appid)))
    path = f"/api/v1/orders/{order['number']}/payments"
    body = {"method": "wechat", "scene": "jsapi"}
    refused = await ws.handle.post(path, admin=False, headers=bearer, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/wechat_payer_unknown")

    again = await _sign_in(ws, wechat_sign_in, person)  # the same shopper, openid recorded
    started = await ws.handle.post(path, admin=False, headers=again, json=body)
    assert started.status_code == 201, started.text
    trade = simulator.trades[(ws.mchid, started.json()["payment_id"])]
    assert trade.openid == wechat_sign_in.openid(ws.mini_appid, person)
