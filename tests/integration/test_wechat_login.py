"""Sign-in with WeChat against a local simulator of WeChat's endpoints over real HTTP: the
mini-program's `wx.login()` code traded for a shopper token, the website's QR login, both
landing on one customer by the UnionID; wrong secrets, reused codes and forged states
refused."""

from __future__ import annotations

import itertools
import random
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from galleria.auth import wechat_login
from galleria.auth.oidc import flag_shop
from galleria.kernel import db
from galleria.kernel.access.tables import CustomerIdentity, ShopSignInProvider
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing.wechat import WeChatSimulator, WeChatSimUser

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
MINI = "/api/v1/account/wechat/mini-program"
_n = itertools.count(random.randrange(10**6))


@pytest.fixture(scope="module")
def simulator():
    with WeChatSimulator().serve() as sim:
        yield sim


@pytest.fixture
def wechat(simulator, monkeypatch):
    monkeypatch.setenv("GALLERIA_WECHAT_API_BASE", simulator.base_url)
    monkeypatch.setenv("GALLERIA_WECHAT_OPEN_BASE", simulator.base_url)
    return simulator


def _appid(kind: str) -> str:
    return f"wx{kind[:4]}{next(_n):010d}"


async def _shop_id(slug: str) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == slug).first())["id"]


@pytest.fixture
async def wechat_shop(open_shop, wechat):
    """A shop with a WeChat website app and a mini-program (apps known to the simulator)."""
    shop = await open_shop()
    shop.id = await _shop_id(shop.slug)
    shop.web_appid, shop.mini_appid = _appid("web"), _appid("mini")
    for kind, appid in (("wechat_web", shop.web_appid), ("wechat_mini", shop.mini_appid)):
        wechat.add_app(appid, f"secret-{appid}")
        await wechat_login.save_wechat_app(shop.id, kind, appid=appid,
                                           secret=f"secret-{appid}")
    await flag_shop(shop.id, "WeChat", key="sign_in_wechat")
    return shop


def _person() -> WeChatSimUser:
    n = next(_n)
    return WeChatSimUser(f"p{n}", unionid=f"union-{n}", nickname="小林")


async def test_mini_program_code_gives_a_shopper_token(client, wechat_shop, wechat):
    person = _person()
    code = wechat.mini_program_code(wechat_shop.mini_appid, person)
    signed = await wechat_shop.post(MINI, admin=False, json={"code": code})
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["token"].startswith("gcs_") and body["customer"]["id"]
    me = await client.get("/api/v1/account", headers={
        "host": wechat_shop.host, "authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["id"] == body["customer"]["id"]
    # The code works once; a new code of the same person signs in to the same account.
    again = await wechat_shop.post(MINI, admin=False, json={"code": code})
    assert again.status_code == 400 and again.json()["type"].endswith("/sign_in_refused")
    second = await wechat_shop.post(MINI, admin=False, json={
        "code": wechat.mini_program_code(wechat_shop.mini_appid, person)})
    assert second.json()["customer"]["id"] == body["customer"]["id"]
    # Another shop's mini-program code is refused: it belongs to another app.
    assert (await wechat_shop.post(MINI, admin=False, json={
        "code": wechat.mini_program_code("wxelsewhere0000", person)})).status_code == 400


async def test_web_qr_login_and_mini_program_share_one_account_by_unionid(
        app, wechat_shop, wechat):
    person = _person()
    mini = await wechat_shop.post(MINI, admin=False, json={
        "code": wechat.mini_program_code(wechat_shop.mini_appid, person)})
    customer_id = mini.json()["customer"]["id"]
    wechat.next_user = person
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{wechat_shop.host}",
                                 headers={"accept": "text/html"}) as browser:
        page = await browser.get("/account/sign-in")
        assert "/account/sign-in/wechat" in page.text
        start = await browser.get("/account/sign-in/wechat?next=/account")
        assert start.status_code == 303
        qr = urlsplit(start.headers["location"])
        assert qr.path == "/connect/qrconnect" and "snsapi_login" in qr.query
        async with httpx.AsyncClient() as phone:  # the scan, at the real simulator
            scanned = await phone.get(start.headers["location"])
        back = urlsplit(scanned.headers["location"])
        assert back.netloc == wechat_shop.host
        done = await browser.get(f"{back.path}?{back.query}")
        assert done.status_code == 303 and done.headers["location"] == "/account"
        assert (await browser.get("/account")).status_code == 200
    async with db.shop_scope(wechat_shop.id):
        links = await CustomerIdentity.select().where(
            (CustomerIdentity.tenant == wechat_shop.id)
            & (CustomerIdentity.subject == person.unionid))
    assert [row["customer"] for row in links] == [customer_id]
    assert wechat.calls[-2:] == ["access_token", "userinfo"]


async def test_forged_state_and_wrong_secret_are_refused(app, wechat_shop, wechat):
    wechat.next_user = _person()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{wechat_shop.host}",
                                 headers={"accept": "text/html"}) as browser:
        start = await browser.get("/account/sign-in/wechat")
        async with httpx.AsyncClient() as phone:
            scanned = await phone.get(start.headers["location"])
        back = urlsplit(scanned.headers["location"])
        code = parse_qs(back.query)["code"][0]
        forged = await browser.get(back.path, params={"code": code, "state": "x" * 32})
        assert forged.status_code == 400
    # A shop whose stored secret is wrong: WeChat answers 40125, the shopper gets a 400.
    await wechat_login.save_wechat_app(wechat_shop.id, "wechat_mini",
                                       appid=wechat_shop.mini_appid, secret="stale-secret")
    refused = await wechat_shop.post(MINI, admin=False, json={
        "code": wechat.mini_program_code(wechat_shop.mini_appid)})
    assert refused.status_code == 400 and "40125" in refused.json()["detail"]


async def test_a_shop_without_a_mini_program_refuses(open_shop, wechat):
    shop = await open_shop()
    refused = await shop.post(MINI, admin=False, json={"code": "abc"})
    assert refused.status_code == 400


async def test_owner_sets_wechat_apps_in_the_console_with_the_secret_sealed(app, open_shop,
                                                                           wechat):
    shop = await open_shop()
    shop_id = await _shop_id(shop.slug)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": "Correct-Horse-9", "next": "/console/"})
        form = await browser.get("/console/sign-in-provider")
        csrf = CSRF_RE.search(form.text).group(1)
        bad = await browser.post("/console/sign-in-provider/wechat", data={
            "_csrf_token": csrf, "kind": "wechat_web", "appid": "not-an-appid"})
        assert bad.status_code == 422
        saved = await browser.post("/console/sign-in-provider/wechat", data={
            "_csrf_token": csrf, "kind": "wechat_web", "appid": "wxabc123def456",
            "secret": "very-secret-1", "enabled": "on"})
        assert saved.status_code == 200 and "very-secret-1" not in saved.text
        assert "/account/sign-in/wechat" in (await browser.get("/account/sign-in")).text
    async with db.shop_scope(shop_id):
        row = await ShopSignInProvider.select().where(
            (ShopSignInProvider.tenant == shop_id)
            & (ShopSignInProvider.kind == "wechat_web")).first()
    assert row["client_id"] == "wxabc123def456" and "very-secret-1" not in row["client_secret"]
    assert (await wechat_login.wechat_app(shop_id, "wechat_web")).secret == "very-secret-1"
