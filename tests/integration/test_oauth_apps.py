"""Connected apps: an app registered on the platform asks a shop's owner for scoped access
(authorization code + PKCE), and its tokens work only for that shop, those scopes, and
until the shop disconnects it."""

from __future__ import annotations

import base64
import hashlib
import itertools
import random
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from galleria.auth import oauth_apps
from galleria.kernel.access.tables import OAuthApp
from galleria.kernel.tenancy.tables import Tenant

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
PASSWORD = "Correct-Horse-9"
REDIRECT = "https://acme.example/galleria/callback"
_ips = itertools.count(random.randrange(50_000))


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                         ).rstrip(b"=").decode()
    return verifier, challenge


class Owner:
    """The shop's owner in a browser, signed in to the console."""

    def __init__(self, app, shop) -> None:
        n = next(_ips)
        self.shop = shop
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(f"10.88.{n // 250 % 250}.{n % 250}",
                                                           9)),
            base_url=f"http://{shop.host}", headers={"accept": "text/html"})

    async def csrf(self, path: str) -> str:
        page = await self.http.get(path)
        assert page.status_code == 200, page.text[:500]
        return CSRF_RE.search(page.text).group(1)

    async def sign_in(self) -> None:
        token = await self.csrf("/console/login")
        done = await self.http.post("/console/login", data={
            "_csrf_token": token, "email": self.shop.email, "password": PASSWORD,
            "next": "/console/"})
        assert done.status_code == 303, done.text

    async def authorize(self, params: dict[str, str], decision: str = "approve"
                        ) -> httpx.Response:
        start = await self.http.get(f"/oauth/authorize?{urlencode(params)}")
        assert start.status_code == 303
        consent = await self.http.get(start.headers["location"])
        assert consent.status_code == 200, consent.text[:500]
        token = CSRF_RE.search(consent.text).group(1)
        return await self.http.post("/console/connect", data={
            "_csrf_token": token, "decision": decision, **params})


@pytest.fixture
async def owners(app, client):
    opened: list[Owner] = []

    async def make(shop) -> Owner:
        owner = Owner(app, shop)
        await owner.sign_in()
        opened.append(owner)
        return owner

    yield make
    for owner in opened:
        await owner.http.aclose()


@pytest.fixture
async def acme():
    client_id, secret = await oauth_apps.register_app("Acme Sync", [REDIRECT])
    return {"client_id": client_id, "secret": secret}


def _params(app: dict[str, str], challenge: str, scope: str = "orders:read catalog:read",
            **extra: str) -> dict[str, str]:
    return {"client_id": app["client_id"], "redirect_uri": REDIRECT, "response_type": "code",
            "scope": scope, "state": "st-" + secrets.token_hex(4), "code_challenge": challenge,
            "code_challenge_method": "S256", **extra}


async def _code(owner: Owner, app: dict[str, str], challenge: str, **kw: Any) -> str:
    params = _params(app, challenge, **kw)
    back = await owner.authorize(params)
    assert back.status_code == 303, back.text[:500]
    target = urlsplit(back.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT
    query = parse_qs(target.query)
    assert query["state"] == [params["state"]]
    return query["code"][0]


async def _token(client: httpx.AsyncClient, shop, app: dict[str, str], **form: str
                 ) -> httpx.Response:
    return await client.post("/oauth/token", headers={"host": shop.host},
                             auth=(app["client_id"], app["secret"]), data=form)


async def _exchange(client, shop, app, code: str, verifier: str) -> httpx.Response:
    return await _token(client, shop, app, grant_type="authorization_code", code=code,
                        redirect_uri=REDIRECT, code_verifier=verifier)


def _bearer(token: str, host: str) -> dict[str, str]:
    return {"host": host, "authorization": f"Bearer {token}"}


async def test_app_token_works_only_on_that_shop_and_those_scopes(client, open_shop, owners,
                                                                  acme):
    shop, other = await open_shop(), await open_shop()
    owner = await owners(shop)
    verifier, challenge = pkce()
    code = await _code(owner, acme, challenge)
    answer = await _exchange(client, shop, acme, code, verifier)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "catalog:read orders:read"
    access = tokens["access_token"]
    orders = await client.get("/api/admin/v1/orders", headers=_bearer(access, shop.host))
    assert orders.status_code == 200, orders.text
    # Another scope of the same shop: forbidden; the same scope in another shop: unknown.
    write = await client.post("/api/admin/v1/domains", json={"host": "acme.example.org"},
                              headers=_bearer(access, shop.host))
    assert write.status_code == 403
    assert (await client.get("/api/admin/v1/orders",
                             headers=_bearer(access, other.host))).status_code == 401
    # The connection is listed in the console.
    listed = await owner.http.get("/console/connected-apps")
    assert "Acme Sync" in listed.text and "orders:read" in listed.text

    # Refreshing rotates: a new pair works, the used refresh token is spent.
    refreshed = await _token(client, shop, acme, grant_type="refresh_token",
                             refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    again = await _token(client, shop, acme, grant_type="refresh_token",
                         refresh_token=tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    new_access = refreshed.json()["access_token"]
    assert (await client.get("/api/admin/v1/orders",
                             headers=_bearer(new_access, shop.host))).status_code == 200


async def test_a_code_used_twice_is_refused_and_its_tokens_revoked(client, open_shop, owners,
                                                                   acme):
    shop = await open_shop()
    owner = await owners(shop)
    verifier, challenge = pkce()
    code = await _code(owner, acme, challenge)
    first = await _exchange(client, shop, acme, code, verifier)
    assert first.status_code == 200
    second = await _exchange(client, shop, acme, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    access = first.json()["access_token"]
    assert (await client.get("/api/admin/v1/orders",
                             headers=_bearer(access, shop.host))).status_code == 401


async def test_a_wrong_verifier_or_client_secret_is_refused(client, open_shop, owners, acme):
    shop = await open_shop()
    owner = await owners(shop)
    verifier, challenge = pkce()
    code = await _code(owner, acme, challenge)
    wrong = await _exchange(client, shop, acme, code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # The code was spent by the failed attempt.
    assert (await _exchange(client, shop, acme, code, verifier)).status_code == 400
    code = await _code(owner, acme, challenge)
    stolen = {**acme, "secret": "gas_wrong"}
    refused = await _exchange(client, shop, stolen, code, verifier)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    # Another app cannot redeem Acme's code, even with its own valid secret.
    other_id, other_secret = await oauth_apps.register_app("Other", [REDIRECT])
    code = await _code(owner, acme, challenge)
    other = await _exchange(client, shop, {"client_id": other_id, "secret": other_secret},
                            code, verifier)
    assert other.status_code == 400


async def test_the_redirect_uri_must_match_exactly_and_pkce_is_required(client, open_shop,
                                                                        owners, acme):
    shop = await open_shop()
    owner = await owners(shop)
    _, challenge = pkce()
    for bad in ({"redirect_uri": REDIRECT + "/"}, {"redirect_uri": REDIRECT + "?x=1"},
                {"redirect_uri": "https://evil.example/galleria/callback"},
                {"code_challenge_method": "plain"}, {"code_challenge": ""},
                {"scope": "orders:read everything"}, {"client_id": "gapp_unknown"}):
        params = {**_params(acme, challenge), **bad}
        start = await owner.http.get(f"/oauth/authorize?{urlencode(params)}")
        page = await owner.http.get(start.headers["location"])
        assert page.status_code == 400, bad  # an error page here, no redirect to the app
    # At the token endpoint, the code's redirect URI must be repeated exactly.
    verifier, challenge = pkce()
    code = await _code(owner, acme, challenge)
    mismatch = await _token(client, shop, acme, grant_type="authorization_code", code=code,
                            redirect_uri=REDIRECT + "/", code_verifier=verifier)
    assert mismatch.status_code == 400


async def test_denying_sends_the_owner_back_without_a_code(open_shop, owners, acme):
    shop = await open_shop()
    owner = await owners(shop)
    _, challenge = pkce()
    back = await owner.authorize(_params(acme, challenge), decision="deny")
    assert back.status_code == 303
    query = parse_qs(urlsplit(back.headers["location"]).query)
    assert query["error"] == ["access_denied"] and "code" not in query


async def test_a_revoked_app_s_tokens_are_refused(client, open_shop, owners, acme):
    shop = await open_shop()
    owner = await owners(shop)
    verifier, challenge = pkce()
    tokens = (await _exchange(client, shop, acme, await _code(owner, acme, challenge),
                              verifier)).json()
    [connection] = await oauth_apps.connected_apps(await _shop_id(shop.slug))
    page = await owner.http.get("/console/connected-apps")
    csrf = CSRF_RE.search(page.text).group(1)
    revoked = await owner.http.post(f"/console/connected-apps/{connection['id']}/revoke",
                                    data={"_csrf_token": csrf})
    assert revoked.status_code == 303
    assert "Acme Sync" not in (await owner.http.get("/console/connected-apps")).text
    assert (await client.get("/api/admin/v1/orders", headers=_bearer(
        tokens["access_token"], shop.host))).status_code == 401
    refresh = await _token(client, shop, acme, grant_type="refresh_token",
                           refresh_token=tokens["refresh_token"])
    assert refresh.status_code == 400


async def test_a_developer_registers_an_app_on_the_platform(client, open_shop, app):
    shop = await open_shop()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://localhost",
                                 headers={"accept": "text/html"}) as browser:
        assert (await browser.get("/developers/apps")).status_code == 303
        login = await browser.get("/login")
        await browser.post("/login", data={"_csrf_token": CSRF_RE.search(login.text).group(1),
                                           "email": shop.email, "password": PASSWORD})
        form = await browser.get("/developers/apps")
        csrf = CSRF_RE.search(form.text).group(1)
        bad = await browser.post("/developers/apps", data={
            "_csrf_token": csrf, "name": "Bad", "redirect_uris": "http://evil.example/cb"})
        assert bad.status_code == 422
        made = await browser.post("/developers/apps", data={
            "_csrf_token": csrf, "name": "Ledger", "redirect_uris": REDIRECT})
        assert made.status_code == 201
        secret = re.search(r"(gas_[A-Za-z0-9_-]+)", made.text).group(1)
        client_id = re.search(r"(gapp_[0-9a-f]+)", made.text).group(1)
    row = await OAuthApp.select().where(OAuthApp.client_id == client_id).first()
    assert row["name"] == "Ledger" and secret not in str(row)
    assert (await oauth_apps.authenticate_client(client_id, secret))["id"] == row["id"]


async def _shop_id(slug: str) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == slug).first())["id"]
