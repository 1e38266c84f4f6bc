"""Shopper accounts through the storefront API: register, sign in with an email or a phone,
tokens, rate limits, the address book, order history, the guest-cart merge, and shops kept
apart (on PostgreSQL, row-level security is the second wall)."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from conftest import on_postgres
from galleria import testing
from galleria.kernel import db, hookimpl
from galleria.kernel.customers.tables import Customer, CustomerToken
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin, register_plugin, run_outbox

PASSWORD = "Plum-blossom-8"
ADDRESS = {"name": "李雷", "phone": "138 0013 8000", "country": "cn", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "龙井路 1 号"}
# Rate limits live in Redis across test runs (GALLERIA_TEST_REDIS=1): every run uses fresh
# logins (and the test kit's Shopper fresh client addresses).
RUN = uuid.uuid4().hex[:8]


class Shopper(testing.Shopper):
    """The test kit's shopper, answering with the responses (the tests check refusals)."""

    async def register(self, **body) -> httpx.Response:
        answer = await self.call("POST", "/api/v1/account/register",
                                 {"password": PASSWORD, **body})
        if answer.status_code == 201:
            self.token = answer.json()["token"]
        return answer

    async def sign_in(self, login: str, password: str = PASSWORD, **extra) -> httpx.Response:
        answer = await self.call("POST", "/api/v1/account/sign-in",
                                 {"login": login, "password": password, **extra})
        if answer.status_code == 200:
            self.token = answer.json()["token"]
        return answer


@pytest.fixture
async def shoppers(app, client):
    made: list[Shopper] = []

    def make(shop) -> Shopper:
        made.append(Shopper(app, shop))
        return made[-1]

    yield make
    for shopper in made:
        await shopper.http.aclose()


async def _tenant(shop) -> int:
    return (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]


async def _product(shop, stock=5) -> dict[str, int]:
    made = await shop.post("/api/admin/v1/products", json={"name": "龙井 Longjing", "variants": [
        {"sku": "LJ-S", "price": 12800, "stock": stock},
        {"sku": "LJ-L", "price": 24000, "stock": 2}]})
    assert made.status_code == 201, made.text
    return {v["sku"]: v["id"] for v in made.json()["variants"]}


async def _fill(shopper: Shopper, skus: dict[str, int], **quantities: int) -> str:
    cart = await shopper.call("POST", "/api/v1/carts")
    assert cart.status_code == 201, cart.text
    for sku, quantity in quantities.items():
        added = await shopper.call("POST", f"/api/v1/carts/{cart.json()['id']}/items",
                                   {"variant_id": skus[sku.replace("_", "-")],
                                    "quantity": quantity})
        assert added.status_code == 200, added.text
    return cart.json()["id"]


async def _order(shopper: Shopper, skus) -> httpx.Response:
    cart_id = await _fill(shopper, skus, LJ_S=1)
    placed = await shopper.call("POST", "/api/v1/orders", {
        "cart_id": cart_id, "contact": {"name": "李雷", "phone": "13800138000"},
        "address": ADDRESS, "payment_method": "cod"})
    assert placed.status_code == 201, placed.text
    return placed


# -- register and sign in ----------------------------------------------------------------------
async def test_register_with_email_then_sign_in_with_it(open_shop, shoppers):
    shop = await open_shop()
    shopper = shoppers(shop)
    made = await shopper.register(email=" Mei@Example.COM ", name="韩梅梅")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["customer"]["email"] == "mei@example.com" and body["customer"]["phone"] is None
    assert body["token"].startswith("gcs_") and body["expires_at"] and body["cart"] is None
    me = await shopper.call("GET", "/api/v1/account")
    assert me.status_code == 200 and me.json()["name"] == "韩梅梅"

    again = shoppers(shop)
    signed_in = await again.sign_in("MEI@example.com")
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["customer"]["id"] == body["customer"]["id"]
    assert signed_in.json()["token"] != body["token"]
    assert (await again.call("GET", "/api/v1/account")).json()["last_sign_in_at"]

    tenant_id = await _tenant(shop)
    async with db.shop_scope(tenant_id):
        stored = await CustomerToken.select(CustomerToken.token_hash).where(
            CustomerToken.tenant == tenant_id)
    assert all(len(row["token_hash"]) == 64 and not row["token_hash"].startswith("gcs_")
               for row in stored)  # only hashes at rest
    event = await OutboxEvent.select().where(
        (OutboxEvent.tenant == tenant_id) & (OutboxEvent.topic == "customer.registered")
    ).first()
    payload = event["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert payload == {"customer_id": body["customer"]["id"], "email": "mei@example.com",
                       "phone": "", "name": "韩梅梅"}


async def test_register_with_a_phone_and_sign_in_with_it_typed_differently(open_shop, shoppers):
    shop = await open_shop()
    shopper = shoppers(shop)
    made = await shopper.register(phone="+86 138-0013-8000")
    assert made.status_code == 201, made.text
    assert made.json()["customer"]["phone"] == "+8613800138000"
    signed_in = await shoppers(shop).sign_in("+86 (138) 0013 8000")
    assert signed_in.status_code == 200, signed_in.text
    by_field = await shoppers(shop).call("POST", "/api/v1/account/sign-in",
                                         {"phone": "+8613800138000", "password": PASSWORD})
    assert by_field.status_code == 200


async def test_duplicate_email_or_phone_is_409_naming_the_field(open_shop, shoppers):
    shop = await open_shop()
    assert (await shoppers(shop).register(email="a@example.com", phone="13900000001")
            ).status_code == 201
    taken = await shoppers(shop).register(email="A@example.com")
    assert taken.status_code == 409
    assert taken.headers["content-type"].startswith("application/problem+json")
    assert taken.json()["type"].endswith("/customer_exists")
    assert [e["field"] for e in taken.json()["errors"]] == ["email"]
    phone_taken = await shoppers(shop).register(phone="139 0000 0001", email="b@example.com")
    assert phone_taken.status_code == 409
    assert [e["field"] for e in phone_taken.json()["errors"]] == ["phone"]
    # Another shop is another world: the same email registers there.
    assert (await shoppers(await open_shop()).register(email="a@example.com")
            ).status_code == 201


async def test_bad_registrations_are_422_with_field_errors(open_shop, shoppers):
    shop = await open_shop()
    shopper = shoppers(shop)
    nothing = await shopper.register()
    assert nothing.status_code == 422
    assert {e["field"] for e in nothing.json()["errors"]} == {"email"}
    weak = await shopper.register(email="not-an-email", phone="12", password="short")
    assert weak.status_code == 422
    assert {e["field"] for e in weak.json()["errors"]} == {"email", "phone", "password"}


async def test_wrong_password_and_unknown_account_answer_alike(open_shop, shoppers):
    shop = await open_shop()
    await shoppers(shop).register(email="lei@example.com")
    wrong = await shoppers(shop).sign_in("lei@example.com", "Wrong-password-1")
    unknown = await shoppers(shop).sign_in("nobody@example.com", "Wrong-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "exist" not in wrong.json()["detail"]
    # and in about the same time: the password is hashed either way
    started = time.perf_counter()
    await shoppers(shop).sign_in("lei@example.com", "Wrong-password-1")
    known = time.perf_counter() - started
    started = time.perf_counter()
    await shoppers(shop).sign_in("ghost@example.com", "Wrong-password-1")
    ghost = time.perf_counter() - started
    assert ghost > known / 4  # not the instant answer of a skipped hash


async def test_sign_out_revokes_the_token(open_shop, shoppers):
    shop = await open_shop()
    shopper = shoppers(shop)
    await shopper.register(email="bye@example.com")
    assert (await shopper.call("POST", "/api/v1/account/sign-out")).status_code == 204
    after = await shopper.call("GET", "/api/v1/account")
    assert after.status_code == 401
    guest = shoppers(shop)
    assert (await guest.call("GET", "/api/v1/account")).status_code == 401
    guest.token = "gcs_" + "x" * 43  # made up
    assert (await guest.call("GET", "/api/v1/account/addresses")).status_code == 401


async def test_expired_token_is_refused(open_shop, shoppers):
    import datetime as dt

    shop = await open_shop()
    shopper = shoppers(shop)
    await shopper.register(email="old@example.com")
    tenant_id = await _tenant(shop)
    async with db.shop_scope(tenant_id):
        await CustomerToken.update({
            CustomerToken.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        }).where(CustomerToken.tenant == tenant_id)
    assert (await shopper.call("GET", "/api/v1/account")).status_code == 401


# -- address book --------------------------------------------------------------------------
async def test_address_book_keeps_exactly_one_default(open_shop, shoppers):
    shop = await open_shop()
    shopper = shoppers(shop)
    await shopper.register(email="home@example.com")
    first = await shopper.call("POST", "/api/v1/account/addresses", ADDRESS)
    assert first.status_code == 201, first.text
    home = first.json()
    assert home["is_default"] is True  # the first one is the default
    assert home["phone"] == "13800138000" and home["country"] == "CN"
    office = (await shopper.call("POST", "/api/v1/account/addresses",
                                 {**ADDRESS, "line1": "文三路 90 号"})).json()
    assert office["is_default"] is False
    third = (await shopper.call("POST", "/api/v1/account/addresses",
                                {**ADDRESS, "line1": "延安路 3 号", "is_default": True})).json()

    def defaults(items):
        return [a["id"] for a in items if a["is_default"]]

    listed = (await shopper.call("GET", "/api/v1/account/addresses")).json()["items"]
    assert defaults(listed) == [third["id"]] and listed[0]["id"] == third["id"]

    made = await shopper.call("POST", f"/api/v1/account/addresses/{office['id']}/default")
    assert made.status_code == 200 and made.json()["is_default"] is True
    listed = (await shopper.call("GET", "/api/v1/account/addresses")).json()["items"]
    assert defaults(listed) == [office["id"]]

    removed = await shopper.call("DELETE", f"/api/v1/account/addresses/{office['id']}")
    assert removed.status_code == 204
    listed = (await shopper.call("GET", "/api/v1/account/addresses")).json()["items"]
    assert defaults(listed) == [third["id"]]  # the newest remaining one took over

    edited = await shopper.call("PUT", f"/api/v1/account/addresses/{home['id']}",
                                {**ADDRESS, "city": "宁波市", "is_default": True})
    assert edited.status_code == 200 and edited.json()["city"] == "宁波市"
    listed = (await shopper.call("GET", "/api/v1/account/addresses")).json()["items"]
    assert defaults(listed) == [home["id"]] and len(listed) == 2
    for address in listed:
        await shopper.call("DELETE", f"/api/v1/account/addresses/{address['id']}")
    assert (await shopper.call("GET", "/api/v1/account/addresses")).json()["items"] == []


async def test_bad_address_is_422_naming_fields(open_shop, shoppers):
    shop = await open_shop()
    shopper = shoppers(shop)
    await shopper.register(email="typo@example.com")
    bad = await shopper.call("POST", "/api/v1/account/addresses",
                             {**ADDRESS, "phone": "12", "country": "China", "city": ""})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"phone", "country", "city"}
    odd = await shopper.call("POST", "/api/v1/account/addresses", {**ADDRESS, "is_default": 1})
    assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "is_default"
    missing = await shopper.call("PUT", "/api/v1/account/addresses/999999", ADDRESS)
    assert missing.status_code == 404


# -- orders ----------------------------------------------------------------------------------
async def test_history_shows_only_my_orders_newest_first_with_a_cursor(open_shop, shoppers):
    shop = await open_shop()
    skus = await _product(shop, stock=50)
    me, other, guest = shoppers(shop), shoppers(shop), shoppers(shop)
    await me.register(email="me@example.com")
    await other.register(email="other@example.com")
    mine = [(await _order(me, skus)).json()["number"] for _ in range(3)]
    theirs = (await _order(other, skus)).json()["number"]
    guest_order = (await _order(guest, skus)).json()["number"]

    page = (await me.call("GET", "/api/v1/account/orders?limit=2")).json()
    assert [o["number"] for o in page["items"]] == mine[::-1][:2]
    assert page["items"][0]["item_count"] == 1 and page["items"][0]["item_names"]
    rest = (await me.call("GET", f"/api/v1/account/orders?limit=2&cursor={page['next_cursor']}"
                          )).json()
    assert [o["number"] for o in rest["items"]] == [mine[0]] and rest["next_cursor"] is None

    # my order without its access token; not theirs, not a guest's
    assert (await me.call("GET", f"/api/v1/orders/{mine[0]}")).status_code == 200
    assert (await me.call("GET", f"/api/v1/orders/{theirs}")).status_code == 404
    assert (await me.call("GET", f"/api/v1/orders/{guest_order}")).status_code == 404
    assert (await guest.call("GET", f"/api/v1/orders/{mine[0]}")).status_code == 404

    admin = await shop.get(f"/api/admin/v1/orders/{mine[0]}")
    me_id = (await me.call("GET", "/api/v1/account")).json()["id"]
    assert admin.json()["customer_id"] == me_id
    assert admin.json()["timeline"][0]["actor"] == f"customer:{me_id}"


# -- carts -----------------------------------------------------------------------------------
async def test_guest_cart_merges_into_the_account_cart_on_sign_in(open_shop, shoppers):
    shop = await open_shop()
    skus = await _product(shop, stock=5)
    account = shoppers(shop)
    await account.register(email="cart@example.com")
    account_cart = await _fill(account, skus, LJ_S=3, LJ_L=1)

    guest = shoppers(shop)
    guest_cart = await _fill(guest, skus, LJ_S=4, LJ_L=1)
    signed_in = await guest.sign_in("cart@example.com", cart_id=guest_cart)
    assert signed_in.status_code == 200, signed_in.text
    cart = signed_in.json()["cart"]
    assert cart["id"] == account_cart
    quantities = {line["sku"]: line["quantity"] for line in cart["lines"]}
    assert quantities == {"LJ-S": 5, "LJ-L": 2}  # 3+4 capped at the 5 available; 1+1
    gone = await guest.call("GET", f"/api/v1/carts/{guest_cart}")
    assert gone.status_code == 404  # the guest cart was removed


async def test_guest_cart_becomes_the_account_cart_when_there_is_none(open_shop, shoppers):
    shop = await open_shop()
    skus = await _product(shop)
    await shoppers(shop).register(email="fresh@example.com")
    guest = shoppers(shop)
    guest_cart = await _fill(guest, skus, LJ_S=2)
    signed_in = await guest.sign_in("fresh@example.com", cart_id=guest_cart)
    assert signed_in.json()["cart"]["id"] == guest_cart
    # a cart the signed-in customer creates is theirs: sign-in finds it later
    again = await shoppers(shop).sign_in("fresh@example.com")
    assert again.json()["cart"]["id"] == guest_cart


# -- shops apart -----------------------------------------------------------------------------
async def test_another_shops_token_is_refused_and_sees_nothing_here(open_shop, shoppers):
    here, there = await open_shop(), await open_shop()
    skus = await _product(here)
    local = shoppers(here)
    await local.register(email="same@example.com")
    order = (await _order(local, skus)).json()["number"]
    await local.call("POST", "/api/v1/account/addresses", ADDRESS)

    foreign = shoppers(there)
    await foreign.register(email="same@example.com", password=PASSWORD)
    assert (await shoppers(there).sign_in("same@example.com")).status_code == 200
    visitor = shoppers(here)
    visitor.token = foreign.token  # the other shop's token, sent to this shop
    assert (await visitor.call("GET", "/api/v1/account")).status_code == 401
    assert (await visitor.call("GET", "/api/v1/account/addresses")).status_code == 401
    assert (await visitor.call("GET", f"/api/v1/orders/{order}")).status_code == 401
    # in their own shop they see their own (empty) account, none of this shop's data
    assert (await foreign.call("GET", "/api/v1/account/addresses")).json()["items"] == []
    assert (await foreign.call("GET", "/api/v1/account/orders")).json()["items"] == []
    assert (await foreign.call("GET", f"/api/v1/orders/{order}")).status_code == 404
    # the admin token is no shopper's token either
    admin = shoppers(here)
    admin.token = here.token
    assert (await admin.call("GET", "/api/v1/account")).status_code == 401


@pytest.mark.skipif(not on_postgres(), reason="row-level security is PostgreSQL's")
async def test_row_level_security_hides_another_shops_customers(open_shop, shoppers):
    here, there = await open_shop(), await open_shop()
    await shoppers(here).register(email="rls@example.com")
    await shoppers(here).call("POST", "/api/v1/account/addresses", ADDRESS)
    async with db.shop_scope(await _tenant(there)):  # a query that forgets the tenant
        assert await Customer.select().where(Customer.email == "rls@example.com") == []
        assert await CustomerToken.select() == []


# -- password reset and account deletion ------------------------------------------------------
class ResetMailer:
    """A notification plugin stand-in: keeps the reset links it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    @hookimpl
    def galleria_customer_password_reset_requested(self, event) -> None:
        self.sent.append({"tenant_id": event.tenant_id, **event.payload})


async def test_hook_customer_password_reset_requested(open_shop, shoppers, plugin_host):
    shop = await open_shop()
    tenant_id = await _tenant(shop)
    name = f"resetmail_{RUN}"
    with register_plugin(plugin_host, ResetMailer(), name) as mailer:
        await enable_plugin(tenant_id, plugin_host, name)
        shopper = shoppers(shop)
        made = await shopper.register(email=f"forgot-{RUN}@example.com", phone="13700137000")
        customer_id = made.json()["customer"]["id"]
        asked = await shoppers(shop).call("POST", "/api/v1/account/password-reset",
                                          {"login": f"FORGOT-{RUN}@example.com"})
        unknown = await shoppers(shop).call("POST", "/api/v1/account/password-reset",
                                            {"login": f"nobody-{RUN}@example.com"})
        assert asked.status_code == unknown.status_code == 202
        assert asked.json() == unknown.json()  # nobody learns which accounts exist
        await run_outbox(plugin_host)
    [sent] = mailer.sent
    assert (sent["tenant_id"], sent["customer_id"], sent["phone"]) == (
        tenant_id, customer_id, "13700137000")
    token = sent["token"]
    assert token.startswith("gcr_") and sent["expires_at"]

    confirm = "/api/v1/account/password-reset/confirm"
    weak = await shoppers(shop).call("POST", confirm, {"token": token, "password": "short"})
    assert weak.status_code == 422  # ... and the token is still good
    done = await shoppers(shop).call("POST", confirm, {"token": token,
                                                       "password": "New-plum-blossom-9"})
    assert done.status_code == 204
    assert (await shopper.call("GET", "/api/v1/account")).status_code == 401  # signed out
    again = await shoppers(shop).call("POST", confirm, {"token": token,
                                                        "password": "Other-plum-9"})
    assert again.status_code == 422 and again.json()["type"].endswith("/reset_token_invalid")
    assert (await shoppers(shop).sign_in(f"forgot-{RUN}@example.com")).status_code == 401
    assert (await shoppers(shop).sign_in(f"forgot-{RUN}@example.com", "New-plum-blossom-9")
            ).status_code == 200


async def test_deleting_an_account_keeps_its_orders_anonymised(open_shop, shoppers):
    shop = await open_shop()
    skus = await _product(shop, stock=5)
    shopper = shoppers(shop)
    await shopper.register(email=f"leaving-{RUN}@example.com", name="李雷")
    await shopper.call("POST", "/api/v1/account/addresses", ADDRESS)
    number = (await _order(shopper, skus)).json()["number"]

    refused = await shopper.call("POST", "/api/v1/account/delete", {"password": "Wrong-one-1"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "password"
    deleted = await shopper.call("POST", "/api/v1/account/delete", {"password": PASSWORD})
    assert deleted.status_code == 204
    assert (await shopper.call("GET", "/api/v1/account")).status_code == 401
    assert (await shoppers(shop).sign_in(f"leaving-{RUN}@example.com")).status_code == 401

    order = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert order["total"] == 12800 and order["lines"][0]["sku"] == "LJ-S"  # the record stays
    assert order["contact"] == {"name": "—", "phone": "", "email": ""}
    assert order["address"]["city"] == "杭州市" and order["address"]["line1"] == ""
    assert "13800138000" not in str(order)
    # the email is free again
    assert (await shoppers(shop).register(email=f"leaving-{RUN}@example.com")
            ).status_code == 201
