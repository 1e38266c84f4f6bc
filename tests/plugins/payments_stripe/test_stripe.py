"""Stripe: the gateway contract, webhook security, idempotency, and the signer cross-checked
with stripe-python's own."""

import json
import time

import httpx
import pytest
import stripe

from galleria.kernel import db
from galleria.kernel.payments.tables import Payment
from galleria.testing import check_payment_gateway
from galleria_plugins.payments_stripe.testing import StripeSimulator, sign

from .stripe_helpers import account

ADDRESS = {"name": "Jane Roe", "phone": "13800138000", "country": "CN", "province": "上海市",
           "city": "上海市", "line1": "南京西路 1 号"}


class StripeDriver:
    plugin, method = "payments_stripe", "stripe"

    def __init__(self, sim, settings):
        self.sim, self.settings = sim, settings

    async def pay(self, payment):
        intent_id = payment["action"]["client_secret"].split("_secret_")[0]
        self.sim.succeed(intent_id)
        await self.sim.settle()

    async def settle_refunds(self):
        await self.sim.settle()

    async def is_closed(self, payment):
        intent_id = payment["action"]["client_secret"].split("_secret_")[0]
        return self.sim.intents[intent_id]["status"] == "canceled"


async def test_stripe_passes_the_gateway_contract(open_shop, runtime, stripe_sim):
    shop = await open_shop()
    await check_payment_gateway(shop.client, shop.host, shop.token, runtime.host,
                                StripeDriver(stripe_sim, account(stripe_sim)))


async def _order_and_payment(shop, quantity=1):
    handle = shop.handle
    product = await handle.post("/api/admin/v1/products", json={
        "name": "Mug", "variants": [{"sku": f"MUG-{time.time_ns()}", "price": 4500,
                                     "stock": 10}]})
    variant = product.json()["variants"][0]["id"]
    cart = (await handle.post("/api/v1/carts", admin=False)).json()["id"]
    await handle.post(f"/api/v1/carts/{cart}/items", admin=False,
                      json={"variant_id": variant, "quantity": quantity})
    order = (await handle.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": {"name": "Jane Roe", "phone": "13800138000"},
        "address": ADDRESS, "payment_method": "stripe"})).json()
    started = await handle.post(
        f"/api/v1/orders/{order['number']}/payments?access_token={order['access_token']}",
        admin=False, json={"method": "stripe"})
    assert started.status_code == 201, started.text
    return order, started.json()


def _intent(sim, payment):
    return sim.intents[payment["action"]["client_secret"].split("_secret_")[0]]


async def _status(shop, number):
    return (await shop.handle.get(f"/api/admin/v1/orders/{number}")).json()["status"]


async def _post_event(shop, event, secret=None, timestamp=None):
    body = json.dumps(event).encode()
    return await shop.handle.client.post(
        "/callbacks/payments_stripe/stripe", content=body, headers={
            "host": shop.handle.host, "content-type": "application/json",
            "stripe-signature": sign(body, secret or shop.webhook_secret, timestamp)})


def _succeeded(intent, **changes):
    obj = {**intent, "status": "succeeded", "amount_received": intent["amount"], **changes}
    return {"id": f"evt_{time.time_ns()}", "object": "event",
            "type": "payment_intent.succeeded", "data": {"object": obj}}


async def test_the_payment_page_gets_a_client_secret_and_a_sandbox_page(stripe_shop,
                                                                         stripe_sim):
    shop = await stripe_shop()
    order, payment = await _order_and_payment(shop)
    action = payment["action"]
    assert action["type"] == "client_secret"
    assert action["publishable_key"] == shop.settings["publishable_key"]
    intent = _intent(stripe_sim, payment)
    assert (intent["amount"], intent["currency"]) == (order["total"], "cny")
    assert intent["metadata"]["reference"] == payment["payment_id"]
    assert action["sandbox_url"] == f"{stripe_sim.url}/pay/{intent['id']}"
    async with httpx.AsyncClient() as browser:  # the simulator is a real server
        page = await browser.get(action["sandbox_url"])
    assert "Stripe sandbox" in page.text and page.status_code == 200


async def test_paying_on_the_sandbox_page_pays_the_order_once(stripe_shop, stripe_sim):
    shop = await stripe_shop()
    stripe_sim.duplicate_events = True  # Stripe may deliver an event twice
    try:
        order, payment = await _order_and_payment(shop)
        async with httpx.AsyncClient() as browser:
            answer = await browser.post(payment["action"]["sandbox_url"],
                                        data={"outcome": "succeed"})
        assert answer.status_code == 200
        await stripe_sim.settle()
    finally:
        stripe_sim.duplicate_events = False
    assert await _status(shop, order["number"]) == "paid"
    deliveries = [status for kind, status in stripe_sim.deliveries[-2:]]
    assert deliveries == [200, 200]  # both accepted, applied once:
    view = (await shop.handle.get(f"/api/admin/v1/orders/{order['number']}")).json()
    assert [e["to_status"] for e in view["timeline"]].count("paid") == 1


async def test_a_declined_card_fails_the_payment_not_the_order(stripe_shop, stripe_sim):
    shop = await stripe_shop()
    order, payment = await _order_and_payment(shop)
    stripe_sim.decline(_intent(stripe_sim, payment)["id"])
    await stripe_sim.settle()
    assert await _status(shop, order["number"]) == "pending_payment"
    async with db.shop_scope(shop.tenant_id):
        row = await Payment.select(Payment.status).where(
            Payment.reference == payment["payment_id"]).first()
    assert row["status"] == "failed"


async def test_a_correct_event_without_a_valid_signature_changes_nothing(stripe_shop,
                                                                        stripe_sim):
    """The event is fresh and right in every field — only its signature is wrong or
    missing — so nothing but the signature check can refuse it."""
    shop = await stripe_shop()
    order, payment = await _order_and_payment(shop)
    event = _succeeded(_intent(stripe_sim, payment))
    body = json.dumps(event).encode()
    headers = {"host": shop.handle.host, "content-type": "application/json"}
    bad_signatures = [sign(body, "whsec_not_this_shops"),  # another secret
                      sign(body, shop.webhook_secret).replace("v1=", "v1=0"),  # altered
                      f"t={int(time.time())}"]  # a timestamp and no signature
    for signature in bad_signatures:
        answer = await shop.handle.client.post("/callbacks/payments_stripe/stripe",
                                               content=body,
                                               headers={**headers, "stripe-signature": signature})
        assert answer.status_code == 400, signature
    unsigned = await shop.handle.client.post("/callbacks/payments_stripe/stripe",
                                             content=body, headers=headers)
    assert unsigned.status_code == 400
    assert await _status(shop, order["number"]) == "pending_payment"
    async with db.shop_scope(shop.tenant_id):
        row = await Payment.select(Payment.status).where(
            Payment.reference == payment["payment_id"]).first()
    assert row["status"] == "pending"
    # the same body, rightly signed, is accepted: the refusals above were the signature's
    assert (await _post_event(shop, event)).status_code == 200
    assert await _status(shop, order["number"]) == "paid"


@pytest.mark.parametrize("case", ["forged", "stale", "amount", "currency", "unknown",
                                  "other_shop"])
async def test_bad_webhooks_change_nothing(stripe_shop, stripe_sim, case):
    shop = await stripe_shop()
    order, payment = await _order_and_payment(shop)
    intent = _intent(stripe_sim, payment)
    event = _succeeded(intent)
    if case == "forged":
        body = json.dumps(event).encode()
        header = sign(body, shop.webhook_secret)
        answer = await shop.handle.client.post(
            "/callbacks/payments_stripe/stripe", content=body.replace(b"4500", b"4501"),
            headers={"host": shop.handle.host, "stripe-signature": header})
    elif case == "stale":
        answer = await _post_event(shop, event, timestamp=int(time.time()) - 301)
    elif case == "amount":
        answer = await _post_event(shop, _succeeded(intent, amount_received=1))
    elif case == "currency":
        answer = await _post_event(shop, _succeeded(intent, currency="usd"))
    elif case == "unknown":
        answer = await _post_event(shop, _succeeded(
            intent, metadata={"reference": order["number"] + "_77"}))
    else:  # correctly signed by another shop's account, posted to that shop's endpoint
        other = await stripe_shop()
        answer = await _post_event(other, event)
    assert answer.status_code == 400  # Stripe retries: the problem shows in its dashboard
    assert await _status(shop, order["number"]) == "pending_payment"


async def test_starting_twice_makes_one_intent_and_a_bad_key_is_a_clear_error(
        stripe_shop, stripe_sim):
    shop = await stripe_shop()
    order, payment = await _order_and_payment(shop)
    again = await shop.handle.post(
        f"/api/v1/orders/{order['number']}/payments?access_token={order['access_token']}",
        admin=False, json={"method": "stripe"})
    assert again.json()["payment_id"] == payment["payment_id"]
    stripe_sim.accounts.pop(shop.settings["secret_key"])  # the key was rolled at Stripe
    refused, _ = await _order_and_payment_raw(shop)
    assert refused.status_code == 503
    assert "Invalid API Key" in refused.json()["detail"]


async def _order_and_payment_raw(shop):
    handle = shop.handle
    product = await handle.post("/api/admin/v1/products", json={
        "name": "Cup", "variants": [{"sku": f"CUP-{time.time_ns()}", "price": 900,
                                     "stock": 3}]})
    variant = product.json()["variants"][0]["id"]
    cart = (await handle.post("/api/v1/carts", admin=False)).json()["id"]
    await handle.post(f"/api/v1/carts/{cart}/items", admin=False,
                      json={"variant_id": variant, "quantity": 1})
    order = (await handle.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": {"name": "Jane Roe", "phone": "13800138000"},
        "address": ADDRESS, "payment_method": "stripe"})).json()
    return await handle.post(
        f"/api/v1/orders/{order['number']}/payments?access_token={order['access_token']}",
        admin=False, json={"method": "stripe"}), order


def test_our_signer_and_stripe_pythons_agree():
    payload = '{"id":"evt_1","type":"payment_intent.succeeded"}'
    ours = sign(payload.encode(), "whsec_x", 1_700_000_000)
    theirs = stripe.WebhookSignature.generate_signature_header(payload, "whsec_x",
                                                               1_700_000_000)
    assert ours == theirs
    fresh = sign(payload.encode(), "whsec_x")
    assert stripe.WebhookSignature.verify_header(payload, fresh, "whsec_x", tolerance=300)


def test_the_payer_is_the_cards_fingerprint_else_the_customer():
    """What one-reward-per-payer rules compare: the same card on any account is one payer."""
    from galleria_plugins.payments_stripe.gateway import _intent_update

    intent = {"id": "pi_1", "status": "succeeded", "amount_received": 5600, "currency": "cny",
              "metadata": {"reference": "R1_1"}, "customer": "cus_9",
              "latest_charge": {"payment_method_details": {"card": {"fingerprint": "fpA"}}}}
    assert _intent_update(intent).payer_ref == "card:fpA"
    assert _intent_update({**intent, "latest_charge": "ch_1"}).payer_ref == "customer:cus_9"
    assert _intent_update({**intent, "latest_charge": None, "customer": None}).payer_ref == ""


async def test_the_card_that_paid_names_the_payer_end_to_end(stripe_shop, stripe_sim):
    """Paid on the sandbox page: Stripe's event names the charge by id; the gateway reads it
    and records the card's fingerprint as the payer — the same card on two orders is one
    payer (what one-reward-per-payer compares), another card another."""
    from galleria.kernel import payer_refs

    shop = await stripe_shop()
    numbers = []
    for card in ("4242 4242 4242 4242", "4242424242424242", "5555 5555 5555 4444"):
        order, payment = await _order_and_payment(shop)
        async with httpx.AsyncClient() as browser:
            answer = await browser.post(payment["action"]["sandbox_url"],
                                        data={"outcome": "succeed", "card": card})
        assert answer.status_code == 200
        await stripe_sim.settle()
        assert await _status(shop, order["number"]) == "paid"
        assert _intent(stripe_sim, payment)["latest_charge"].startswith("ch_")
        numbers.append(order["number"])
    async with db.shop_scope(shop.tenant_id):
        refs = [await payer_refs(shop.tenant_id, number) for number in numbers]
    same = f"stripe:card:{StripeSimulator.fingerprint('4242424242424242')}"
    assert refs[0] == refs[1] == [same]
    assert refs[2] != refs[0] and refs[2][0].startswith("stripe:card:")
