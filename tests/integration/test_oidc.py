"""Sign-in with OpenID Connect against a local provider simulator served over real HTTP:
shoppers through the shop's own provider, staff through the platform's; state, nonce and
PKCE checked; unverified emails never linked; the session id rotated; staff "sign out
everywhere"."""

from __future__ import annotations

import itertools
import random
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from galleria.auth import oidc
from galleria.kernel import db
from galleria.kernel.access.tables import CustomerIdentity, ShopSignInProvider, StaffIdentity
from galleria.kernel.customers.tables import Customer
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing.oidc import OidcProviderSimulator, SimUser

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
PASSWORD = "Correct-Horse-9"
_ips = itertools.count(random.randrange(50_000))


@pytest.fixture(scope="module")
def provider():
    with OidcProviderSimulator().serve() as sim:
        yield sim


class Browser:
    """One visitor of one host (own cookie jar and client address)."""

    def __init__(self, app, host: str) -> None:
        n = next(_ips)
        self.host = host
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(f"10.77.{n // 250 % 250}.{n % 250}",
                                                           9)),
            base_url=f"http://{host}", headers={"accept": "text/html",
                                                         "accept-language": "en"})

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def submit(self, form_path: str, action: str, data: dict[str, Any]) -> httpx.Response:
        page = await self.get(form_path)
        token = CSRF_RE.search(page.text)
        assert token, page.text[:300]
        return await self.http.post(action, data={"_csrf_token": token.group(1), **data})

    @property
    def session_id(self) -> str | None:
        return self.http.cookies.get("session")

    async def authorize(self, start_path: str) -> str:
        """Start the sign-in and let the provider answer: the callback URL it sends back."""
        start = await self.get(start_path)
        assert start.status_code == 303, start.text
        async with httpx.AsyncClient() as outside:  # the provider is a real server
            answer = await outside.get(start.headers["location"])
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    async def callback(self, url: str, **override: str) -> httpx.Response:
        parts = urlsplit(url)
        assert parts.netloc == self.host
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        params.update(override)
        return await self.get(parts.path, params={k: v for k, v in params.items() if v})


@pytest.fixture
async def browsers(app, client):
    opened: list[Browser] = []

    def make(host: str) -> Browser:
        opened.append(Browser(app, host))
        return opened[-1]

    yield make
    for browser in opened:
        await browser.http.aclose()


async def _shop_id(slug: str) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == slug).first())["id"]


@pytest.fixture
async def oidc_shop(open_shop, provider):
    """A shop whose shoppers may sign in with the simulator."""
    shop = await open_shop()
    shop.id = await _shop_id(shop.slug)
    client_id = f"shop-{shop.slug}"
    provider.add_client(client_id, "shop-secret",
                        [f"http://{shop.host}/account/sign-in/oidc/callback"])
    await oidc.save_shop_provider(shop.id, issuer=provider.issuer, client_id=client_id,
                                  client_secret="shop-secret", label="Example ID")
    provider.wrong_nonce = provider.wrong_audience = provider.foreign_key = False
    return shop


def _user(tag: str, email: str, verified: bool = True) -> SimUser:
    return SimUser(f"sub-{tag}-{random.randrange(10**9)}", email, verified, "Lin Example")


async def _customers(tenant_id: int, email: str) -> list[dict]:
    async with db.shop_scope(tenant_id):
        return await Customer.select().where(
            (Customer.tenant == tenant_id) & (Customer.email == email))


async def _identities(tenant_id: int) -> list[dict]:
    async with db.shop_scope(tenant_id):
        return await CustomerIdentity.select().where(CustomerIdentity.tenant == tenant_id)


# -- shoppers ----------------------------------------------------------------------------------
async def test_shopper_signs_in_with_a_new_account_and_the_session_id_is_rotated(
        oidc_shop, provider, browsers):
    browser = browsers(oidc_shop.host)
    email = f"lin@{oidc_shop.slug}.example"
    provider.next_user = _user("new", email)
    page = await browser.get("/account/sign-in")
    assert "Example ID" in page.text  # the button on the sign-in page
    callback = await browser.authorize("/account/sign-in/oidc?next=/account")
    before = browser.session_id
    assert before  # the attempt is kept in a session
    done = await browser.callback(callback)
    assert done.status_code == 303 and done.headers["location"] == "/account"
    assert browser.session_id and browser.session_id != before
    home = await browser.get("/account")
    assert home.status_code == 200 and email in home.text
    [customer] = await _customers(oidc_shop.id, email)
    [identity] = await _identities(oidc_shop.id)
    assert identity["customer"] == customer["id"] and identity["issuer"] == provider.issuer

    # The session id from before sign-in is worth nothing now.
    planted = browsers(oidc_shop.host)
    planted.http.cookies.set("session", before, domain=oidc_shop.host)
    assert (await planted.get("/account")).status_code in (302, 303)

    # Next time the same identity signs in to the same account.
    again = browsers(oidc_shop.host)
    await again.callback(await again.authorize("/account/sign-in/oidc"))
    assert email in (await again.get("/account")).text
    assert len(await _customers(oidc_shop.id, email)) == 1


async def test_verified_email_links_an_existing_account(oidc_shop, provider, browsers):
    email = f"existing@{oidc_shop.slug}.example"
    registered = await oidc_shop.post("/api/v1/account/register", admin=False, json={
        "email": email, "password": "Plum-blossom-8", "name": "Existing"})
    assert registered.status_code == 201, registered.text
    provider.next_user = _user("link", email)
    browser = browsers(oidc_shop.host)
    done = await browser.callback(await browser.authorize("/account/sign-in/oidc"))
    assert done.status_code == 303
    [customer] = await _customers(oidc_shop.id, email)
    [identity] = await _identities(oidc_shop.id)
    assert identity["customer"] == customer["id"]


async def test_unverified_email_is_not_linked_to_an_existing_account(oidc_shop, provider,
                                                                      browsers):
    email = f"victim@{oidc_shop.slug}.example"
    registered = await oidc_shop.post("/api/v1/account/register", admin=False, json={
        "email": email, "password": "Plum-blossom-8"})
    assert registered.status_code == 201, registered.text
    provider.next_user = _user("attacker", email, verified=False)
    browser = browsers(oidc_shop.host)
    refused = await browser.callback(await browser.authorize("/account/sign-in/oidc"))
    assert refused.status_code == 400
    assert "not verified" in refused.text
    assert await _identities(oidc_shop.id) == []
    assert (await browser.get("/account")).status_code in (302, 303)  # not signed in


async def test_forged_or_missing_state_is_refused(oidc_shop, provider, browsers):
    provider.next_user = _user("state", f"state@{oidc_shop.slug}.example")
    browser = browsers(oidc_shop.host)
    callback = await browser.authorize("/account/sign-in/oidc")
    forged = await browser.callback(callback, state="forged-" + "x" * 30)
    assert forged.status_code == 400
    # The attempt was spent by the forged callback: the genuine state is no good either.
    assert (await browser.callback(callback)).status_code == 400
    missing = browsers(oidc_shop.host)
    callback = await missing.authorize("/account/sign-in/oidc")
    parts = urlsplit(callback)
    code = parse_qs(parts.query)["code"][0]
    assert (await missing.get(parts.path, params={"code": code})).status_code == 400
    # A callback in a browser that never started a sign-in (login CSRF) is refused.
    stranger = browsers(oidc_shop.host)
    assert (await stranger.callback(callback)).status_code == 400
    assert await _identities(oidc_shop.id) == []


async def test_id_token_with_a_wrong_nonce_audience_or_key_is_refused(oidc_shop, provider,
                                                                       browsers):
    provider.next_user = _user("nonce", f"nonce@{oidc_shop.slug}.example")
    for knob in ("wrong_nonce", "wrong_audience", "foreign_key"):
        setattr(provider, knob, True)
        try:
            browser = browsers(oidc_shop.host)
            refused = await browser.callback(await browser.authorize("/account/sign-in/oidc"))
        finally:
            setattr(provider, knob, False)
        assert refused.status_code == 400, knob
        assert "ID token" in refused.text
    assert await _identities(oidc_shop.id) == []


async def test_a_code_meant_for_another_browser_fails_pkce_at_the_token_endpoint(
        oidc_shop, provider, browsers):
    provider.next_user = _user("pkce", f"pkce@{oidc_shop.slug}.example")
    victim, attacker = browsers(oidc_shop.host), browsers(oidc_shop.host)
    attackers_code = parse_qs(urlsplit(await attacker.authorize("/account/sign-in/oidc")
                                       ).query)["code"][0]
    victims_callback = await victim.authorize("/account/sign-in/oidc")
    errors_before = len(provider.token_errors)
    injected = await victim.callback(victims_callback, code=attackers_code)
    assert injected.status_code == 400
    assert provider.token_errors[errors_before:] == ["invalid_grant"]


async def test_the_simulator_checks_the_verifier_and_the_client_secret(provider):
    provider.add_client("direct", "direct-secret", ["http://x.localhost/cb"])
    verifier = "v" * 50
    import base64
    import hashlib

    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                         ).rstrip(b"=").decode()
    async with httpx.AsyncClient(base_url=provider.issuer) as http:
        async def code() -> str:
            answer = await http.get("/authorize", params={
                "client_id": "direct", "redirect_uri": "http://x.localhost/cb",
                "response_type": "code", "scope": "openid", "state": "s", "nonce": "n",
                "code_challenge": challenge, "code_challenge_method": "S256"})
            return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]

        form = {"grant_type": "authorization_code", "redirect_uri": "http://x.localhost/cb"}
        bad = await http.post("/token", auth=("direct", "direct-secret"),
                              data={**form, "code": await code(), "code_verifier": "w" * 50})
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
        wrong_secret = await http.post("/token", auth=("direct", "nope"),
                                       data={**form, "code": await code(),
                                             "code_verifier": verifier})
        assert wrong_secret.status_code == 401
        good = await http.post("/token", auth=("direct", "direct-secret"),
                               data={**form, "code": await code(), "code_verifier": verifier})
        assert good.status_code == 200 and good.json()["id_token"]


async def test_a_shop_without_a_provider_offers_no_such_sign_in(open_shop, browsers):
    shop = await open_shop()
    browser = browsers(shop.host)
    assert "/account/sign-in/oidc" not in (await browser.get("/account/sign-in")).text
    assert (await browser.get("/account/sign-in/oidc")).status_code == 400


# -- the console setting -----------------------------------------------------------------------
async def _console_sign_in(browser: Browser, email: str) -> None:
    signed = await browser.submit("/console/login", "/console/login",
                                  {"email": email, "password": PASSWORD, "next": "/console/"})
    assert signed.status_code == 303, signed.text


async def test_owner_sets_the_provider_in_the_console_with_the_secret_sealed(
        open_shop, provider, browsers):
    shop = await open_shop()
    browser = browsers(shop.host)
    await _console_sign_in(browser, shop.email)
    form = await browser.get("/console/sign-in-provider")
    assert form.status_code == 200
    assert f"http://{shop.host}/account/sign-in/oidc/callback" in form.text
    bad = await browser.submit("/console/sign-in-provider", "/console/sign-in-provider", {
        "issuer": "ftp://nowhere", "client_id": "", "scopes": "email"})
    assert bad.status_code == 422
    saved = await browser.submit("/console/sign-in-provider", "/console/sign-in-provider", {
        "issuer": provider.issuer, "client_id": "console-client", "client_secret": "hush-42",
        "scopes": "openid email", "label": "Staff ID", "enabled": "on"})
    assert saved.status_code == 200 and "hush-42" not in saved.text
    shop_id = await _shop_id(shop.slug)
    async with db.shop_scope(shop_id):
        row = await ShopSignInProvider.select().where(
            ShopSignInProvider.tenant == shop_id).first()
    assert row["client_id"] == "console-client" and "hush-42" not in row["client_secret"]
    assert (await oidc.shop_provider(shop_id)).client_secret == "hush-42"
    # Saving again without a secret keeps the stored one.
    await browser.submit("/console/sign-in-provider", "/console/sign-in-provider", {
        "issuer": provider.issuer, "client_id": "console-client", "scopes": "openid email",
        "label": "Staff ID", "enabled": "on"})
    assert (await oidc.shop_provider(shop_id)).client_secret == "hush-42"
    storefront = browsers(shop.host)
    assert "Staff ID" in (await storefront.get("/account/sign-in")).text


# -- staff ---------------------------------------------------------------------------------------
@pytest.fixture
def platform_provider(provider, monkeypatch):
    provider.add_client("galleria-platform", "platform-secret",
                        ["http://localhost/login/oidc/callback"])
    monkeypatch.setenv("GALLERIA_OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("GALLERIA_OIDC_CLIENT_ID", "galleria-platform")
    monkeypatch.setenv("GALLERIA_OIDC_CLIENT_SECRET", "platform-secret")
    monkeypatch.setenv("GALLERIA_OIDC_LABEL", "Company SSO")
    return provider


async def test_staff_sign_in_links_the_owner_and_opens_the_console(open_shop, platform_provider,
                                                                   browsers):
    shop = await open_shop()
    subject = f"staff-{shop.slug}"
    platform_provider.next_user = SimUser(subject, shop.email, True, "Owner")
    browser = browsers("localhost")
    assert "Company SSO" in (await browser.get("/login")).text
    before = browser.session_id
    done = await browser.callback(await browser.authorize(f"/login/oidc?shop={shop.slug}"))
    assert done.status_code == 303 and done.headers["location"] == f"/go/{shop.slug}"
    assert browser.session_id != before
    ticket = await browser.get(done.headers["location"])
    assert "/console/welcome?ticket=" in ticket.headers["location"]
    [identity] = await StaffIdentity.select().where(StaffIdentity.subject == subject)
    assert identity["email"] == shop.email


async def test_staff_unverified_email_is_refused(open_shop, platform_provider, browsers):
    shop = await open_shop()
    platform_provider.next_user = SimUser(f"x-{shop.slug}", shop.email, False)
    browser = browsers("localhost")
    refused = await browser.callback(await browser.authorize("/login/oidc"))
    assert refused.status_code == 400
    assert not await StaffIdentity.exists().where(StaffIdentity.subject == f"x-{shop.slug}")


async def test_sign_out_everywhere_ends_every_staff_session(open_shop, browsers):
    shop = await open_shop()
    laptop, phone = browsers(shop.host), browsers(shop.host)
    await _console_sign_in(laptop, shop.email)
    await _console_sign_in(phone, shop.email)
    assert (await phone.get("/console/")).status_code == 200
    out = await laptop.submit("/console/", "/console/logout-everywhere", {})
    assert out.status_code == 303
    assert (await laptop.get("/console/")).status_code == 303
    assert (await phone.get("/console/")).status_code == 303
    # Signing in again works, on any device.
    await _console_sign_in(phone, shop.email)
    assert (await phone.get("/console/")).status_code == 200
