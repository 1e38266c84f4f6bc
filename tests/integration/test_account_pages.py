"""The shopper's account pages through the ASGI app: register, sign in and out, the account
home with order history, the address book, and the guest cart carried into the account.

Each `Browser` is one visitor of one shop host with its own cookie jar and client address
(sign-in limits count per address).
"""

from __future__ import annotations

import itertools
import random
import re
import uuid
from typing import Any

import httpx
import pytest

from galleria.kernel import hookimpl
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin, register_plugin, run_outbox

PASSWORD = "Plum-blossom-8"
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
RUN = uuid.uuid4().hex[:8]
_ips = itertools.count(random.randrange(60_000))


class Browser:
    def __init__(self, app, host: str, language: str = "en-US,en;q=0.9") -> None:
        n = next(_ips)
        self.host = host
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(
                app=app, client=(f"10.{n // 62_500 % 250 + 1}.{n // 250 % 250}.{n % 250}", 9)),
            base_url=f"http://{host}",
            headers={"accept": "text/html,application/xhtml+xml", "accept-language": language})

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)

    async def submit(self, form_path: str, action: str, data: dict[str, Any]) -> httpx.Response:
        page = await self.get(form_path)
        assert page.status_code == 200, page.text
        token = CSRF_RE.search(page.text)
        assert token, "the form has no CSRF field"
        return await self.http.post(action, data={"_csrf_token": token.group(1), **data})

    async def register(self, **fields: str) -> httpx.Response:
        return await self.submit("/account/register", "/account/register",
                                 {"password": PASSWORD, **fields})

    async def sign_in(self, login: str, password: str = PASSWORD, next_path: str = ""
                      ) -> httpx.Response:
        return await self.submit("/account/sign-in", "/account/sign-in",
                                 {"login": login, "password": password, "next": next_path})


@pytest.fixture
async def browsers(app, client):
    opened: list[Browser] = []

    def make(shop, language: str = "en-US,en;q=0.9") -> Browser:
        opened.append(Browser(app, shop.host, language))
        return opened[-1]

    yield make
    for browser in opened:
        await browser.http.aclose()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


ADDRESS = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "龙井路 1 号"}


# -- register, sign in, sign out -------------------------------------------------------------------
async def test_register_signs_in_and_shows_the_account(open_shop, browsers):
    shop = await open_shop()
    browser = browsers(shop)
    home = await browser.get("/")
    assert 'href="/account/sign-in"' in home.text and "Sign in" in text_of(home.text)

    made = await browser.register(name="韩梅梅", email=f"mei-{RUN}@example.com")
    assert made.status_code == 303 and made.headers["location"] == "/account"
    account = await browser.get("/account")
    assert account.status_code == 200
    body = text_of(account.text)
    assert "韩梅梅" in body and f"mei-{RUN}@example.com" in body and "No orders yet" in body
    assert 'href="/account"' in (await browser.get("/")).text  # the header says "Account"


async def test_register_shows_field_errors_inline(open_shop, browsers):
    shop = await open_shop()
    await browsers(shop).register(email=f"taken-{RUN}@example.com")
    browser = browsers(shop)
    taken = await browser.register(email=f"TAKEN-{RUN}@example.com")
    assert taken.status_code == 422
    assert 'id="f-email-error"' in taken.text and "Already registered here" in taken.text
    assert 'href="/account/sign-in"' in taken.text
    bad_phone = await browser.register(phone="12")
    assert bad_phone.status_code == 422 and 'id="f-phone-error"' in bad_phone.text
    assert "6–20 digits" in bad_phone.text
    weak = await browser.register(email=f"weak-{RUN}@example.com", password="short")
    assert weak.status_code == 422 and 'id="f-password-error"' in weak.text
    assert f'value="weak-{RUN}@example.com"' in weak.text  # what was typed stays
    nothing = await browser.register()
    assert nothing.status_code == 422 and "Give an email or a phone number" in nothing.text


async def test_sign_in_rotates_the_session_and_returns_to_next(open_shop, browsers):
    shop = await open_shop()
    await browsers(shop).register(phone="13912345678")
    browser = browsers(shop)
    guarded = await browser.get("/account/addresses")
    assert guarded.status_code == 303
    assert guarded.headers["location"] == "/account/sign-in?next=%2Faccount%2Faddresses"

    await browser.get("/account/sign-in")
    browser.http.cookies.set("session", "f" * 64, domain=shop.host)  # a planted id
    signed_in = await browser.sign_in("139 1234 5678", next_path="/account/addresses")
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == "/account/addresses"
    assert browser.http.cookies.get("session") not in (None, "f" * 64)
    assert (await browser.get("/account/addresses")).status_code == 200

    elsewhere = await browsers(shop).sign_in("13912345678", next_path="https://evil.example/")
    assert elsewhere.headers["location"] == "/account"  # only local paths


async def test_wrong_password_and_unknown_account_read_the_same(open_shop, browsers):
    shop = await open_shop()
    await browsers(shop).register(email=f"lei-{RUN}@example.com")
    wrong = await browsers(shop).sign_in(f"lei-{RUN}@example.com", "Wrong-password-1")
    unknown = await browsers(shop).sign_in(f"ghost-{RUN}@example.com", "Wrong-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email, phone or password." in wrong.text
    assert "Wrong email, phone or password." in unknown.text


async def test_sign_out_forgets_the_shopper_and_their_cart_but_not_the_staff(open_shop,
                                                                            browsers):
    shop = await open_shop()
    browser = browsers(shop)
    console = await browser.submit("/console/login", "/console/login",
                                   {"email": shop.email, "password": "Correct-Horse-9",
                                    "next": "/console/"})
    assert console.status_code == 303
    await browser.register(email=f"staff-{RUN}@example.com")  # the merchant as a shopper
    assert (await browser.get("/console/")).status_code == 200  # still staff
    signed_out = await browser.submit("/account", "/account/sign-out", {})
    assert signed_out.status_code == 303
    assert (await browser.get("/account")).status_code == 303
    assert (await browser.get("/console/")).status_code == 200


async def test_pages_speak_chinese(open_shop, browsers):
    shop = await open_shop()
    browser = browsers(shop, language="zh-CN,zh;q=0.9")
    await browser.register(email=f"zh-{RUN}@example.com")
    body = text_of((await browser.get("/account")).text)
    assert "我的订单" in body and "退出登录" in body and "Sign out" not in body
    book = text_of((await browser.get("/account/addresses")).text)
    assert "地址簿" in book and "新增地址" in book


# -- address book ----------------------------------------------------------------------------------
async def test_address_book_add_edit_default_delete(open_shop, browsers):
    shop = await open_shop()
    browser = browsers(shop)
    await browser.register(email=f"book-{RUN}@example.com")
    empty = text_of((await browser.get("/account/addresses")).text)
    assert "No saved address yet" in empty

    bad = await browser.submit("/account/addresses/new", "/account/addresses/new",
                               {**ADDRESS, "phone": "12", "city": ""})
    assert bad.status_code == 422
    assert 'id="f-phone-error"' in bad.text and 'id="f-city-error"' in bad.text
    assert 'value="龙井路 1 号"' in bad.text
    # The province is kept chosen and its cities are offered: pick, don't type.
    city = bad.text.split('data-region-select="city"', 1)[1].split("</select>", 1)[0]
    assert ">杭州市</option>" in city and 'selected' not in city.split("</option>", 1)[1]
    shown = await browser.submit("/account/addresses/new", "/account/addresses/new",
                                 {**ADDRESS, "action": "regions"})  # no JavaScript
    assert shown.status_code == 200 and "龙井路 1 号" in shown.text

    added = await browser.submit("/account/addresses/new", "/account/addresses/new", ADDRESS)
    assert added.status_code == 303 and added.headers["location"] == "/account/addresses"
    second = {**ADDRESS, "name": "韩梅梅", "line1": "文三路 90 号", "is_default": "on"}
    await browser.submit("/account/addresses/new", "/account/addresses/new", second)

    book = (await browser.get("/account/addresses")).text
    ids = re.findall(r'data-address="(\d+)"', book)
    assert len(ids) == 2
    first_entry = book.split('data-address="')[1]
    assert "韩梅梅" in first_entry and "data-default-badge" in first_entry  # default first

    older = min(ids, key=int)
    await browser.submit("/account/addresses", f"/account/addresses/{older}/default", {})
    book = (await browser.get("/account/addresses")).text
    assert book.count("data-default-badge") == 1
    assert "data-default-badge" in book.split(f'data-address="{older}"')[1].split("</li>")[0]

    edited = await browser.submit(f"/account/addresses/{older}/edit",
                                  f"/account/addresses/{older}/edit",
                                  {**ADDRESS, "city": "宁波市"})
    assert edited.status_code == 303
    home = text_of((await browser.get("/account")).text)
    assert "宁波市" in home  # the default address on the account home

    await browser.submit("/account/addresses", f"/account/addresses/{older}/delete", {})
    book = (await browser.get("/account/addresses")).text
    assert re.findall(r'data-address="(\d+)"', book) == [max(ids, key=int)]
    assert book.count("data-default-badge") == 1  # the remaining one took over

    stranger = browsers(shop)
    await stranger.register(email=f"stranger-{RUN}@example.com")
    assert (await stranger.get(f"/account/addresses/{max(ids, key=int)}/edit")
            ).status_code == 404


# -- orders and the cart -----------------------------------------------------------------------
async def _product(shop) -> tuple[int, int]:
    made = await shop.post("/api/admin/v1/products", json={
        "name": "龙井 Longjing", "variants": [{"sku": "LJ-1", "price": 12800, "stock": 10}]})
    assert made.status_code == 201, made.text
    return made.json()["id"], made.json()["variants"][0]["id"]


async def test_history_lists_my_orders_with_links(open_shop, browsers, shoppers_api):
    shop = await open_shop()
    _, variant_id = await _product(shop)
    email = f"buyer-{RUN}@example.com"
    browser = browsers(shop)
    await browser.register(email=email)
    mine = await shoppers_api(shop, email, variant_id)
    someone = f"other-{RUN}@example.com"
    await browsers(shop).register(email=someone)
    theirs = await shoppers_api(shop, someone, variant_id)

    account = await browser.get("/account")
    assert f'href="/orders/{mine}"' in account.text
    assert theirs not in account.text
    assert "Pending payment" in text_of(account.text) and "¥128.00" in account.text


async def test_guest_cart_is_kept_when_signing_in(open_shop, browsers):
    shop = await open_shop()
    product_id, variant_id = await _product(shop)
    await browsers(shop).register(email=f"carry-{RUN}@example.com")
    browser = browsers(shop)
    added = await browser.submit(f"/products/{product_id}", "/cart/items",
                                 {"product_id": product_id, "variant_id": variant_id,
                                  "quantity": 2})
    assert added.status_code == 303, added.text
    await browser.sign_in(f"carry-{RUN}@example.com")
    cart = text_of((await browser.get("/cart")).text)
    assert "龙井 Longjing" in cart
    await browser.submit("/account", "/account/sign-out", {})
    assert "龙井 Longjing" not in text_of((await browser.get("/cart")).text)
    await browser.sign_in(f"carry-{RUN}@example.com")  # the cart waits in the account
    assert "龙井 Longjing" in text_of((await browser.get("/cart")).text)


async def test_a_cart_filled_while_signed_in_waits_for_the_next_sign_in(open_shop, browsers):
    shop = await open_shop()
    product_id, variant_id = await _product(shop)
    email = f"signed-{RUN}@example.com"
    browser = browsers(shop)
    await browser.register(email=email)
    added = await browser.submit(f"/products/{product_id}", "/cart/items",
                                 {"product_id": product_id, "variant_id": variant_id,
                                  "quantity": 1})
    assert added.status_code == 303, added.text
    await browser.submit("/account", "/account/sign-out", {})
    elsewhere = browsers(shop)  # another device
    await elsewhere.sign_in(email)
    assert "龙井 Longjing" in text_of((await elsewhere.get("/cart")).text)


@pytest.fixture
async def shoppers_api(app, client):
    """Place an order through the API as the customer with `email` (signed in by token)."""
    n = next(_ips)
    api = httpx.AsyncClient(transport=httpx.ASGITransport(
        app=app, client=(f"10.{n // 62_500 % 250 + 1}.{n // 250 % 250}.{n % 250}", 9)),
        base_url="http://127.0.0.1")

    async def place(shop, email: str, variant_id: int) -> str:
        headers = {"host": shop.host}
        signed_in = await api.post("/api/v1/account/sign-in", headers=headers,
                                   json={"login": email, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        headers["authorization"] = f"Bearer {signed_in.json()['token']}"
        cart = (await api.post("/api/v1/carts", headers=headers)).json()["id"]
        await api.post(f"/api/v1/carts/{cart}/items", headers=headers,
                       json={"variant_id": variant_id, "quantity": 1})
        placed = await api.post("/api/v1/orders", headers=headers, json={
            "cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
            "address": ADDRESS, "payment_method": "cod"})
        assert placed.status_code == 201, placed.text
        return placed.json()["number"]

    yield place
    await api.aclose()


# -- forgotten password, deleting the account -----------------------------------------------
class ResetMailer:
    def __init__(self) -> None:
        self.tokens: list[str] = []

    @hookimpl
    def galleria_customer_password_reset_requested(self, event) -> None:
        self.tokens.append(event.payload["token"])


async def test_forgotten_password_link_sets_a_new_one(open_shop, browsers, plugin_host):
    shop = await open_shop()
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]
    email = f"forgetful-{RUN}@example.com"
    await browsers(shop).register(email=email)
    name = f"pagereset_{RUN}"
    with register_plugin(plugin_host, ResetMailer(), name) as mailer:
        await enable_plugin(tenant_id, plugin_host, name)
        browser = browsers(shop)
        assert 'href="/account/forgot"' in (await browser.get("/account/sign-in")).text
        known = await browser.submit("/account/forgot", "/account/forgot", {"login": email})
        unknown = await browsers(shop).submit("/account/forgot", "/account/forgot",
                                              {"login": f"nobody-{RUN}@example.com"})
        assert known.status_code == unknown.status_code == 200
        assert "data-reset-sent" in known.text and "data-reset-sent" in unknown.text
        await run_outbox(plugin_host)
    [token] = mailer.tokens

    form = await browser.get(f"/account/reset?token={token}")
    assert f'value="{token}"' in form.text
    weak = await browser.submit(f"/account/reset?token={token}", "/account/reset",
                                {"token": token, "password": "short"})
    assert weak.status_code == 422 and 'id="f-password-error"' in weak.text
    done = await browser.submit(f"/account/reset?token={token}", "/account/reset",
                                {"token": token, "password": "New-plum-blossom-9"})
    assert done.status_code == 303 and done.headers["location"] == "/account"
    assert (await browser.get("/account")).status_code == 200  # signed in
    reused = await browsers(shop).submit(f"/account/reset?token={token}", "/account/reset",
                                         {"token": token, "password": "Other-plum-9x"})
    assert reused.status_code == 422 and "invalid, expired or already used" in reused.text
    assert (await browsers(shop).sign_in(email, "New-plum-blossom-9")).status_code == 303


async def test_deleting_the_account_from_its_page(open_shop, browsers):
    shop = await open_shop()
    email = f"goodbye-{RUN}@example.com"
    browser = browsers(shop)
    await browser.register(email=email)
    assert 'href="/account/delete"' in (await browser.get("/account")).text
    wrong = await browser.submit("/account/delete", "/account/delete", {"password": "nope"})
    assert wrong.status_code == 422 and "Wrong password." in wrong.text
    gone = await browser.submit("/account/delete", "/account/delete", {"password": PASSWORD})
    assert gone.status_code == 303 and gone.headers["location"] == "/"
    assert (await browser.get("/account")).status_code == 303
    assert (await browsers(shop).sign_in(email)).status_code == 401
