"""The review queue in the console: held orders with their reasons, the order's page with
history, address and payment, and the merchant's actions; another shop sees none of it."""

from __future__ import annotations

import pytest
from review_helpers import Browser, order_row, place, selling_shop, timeline

from galleria.kernel import PaymentGateway, hookimpl, review_queue, shop_scope
from galleria.kernel.inventory import service as inventory
from galleria.kernel.orders.service import transition
from galleria.kernel.review.history import parse_json
from galleria.kernel.tenancy.audit import recent
from galleria.testing import enable_plugin, register_plugin, run_outbox

INVOICE = {"type": "company", "title": "杭州茶业有限公司", "tax_id": "91330100MA27XXXX"}


@pytest.fixture
async def browsers(app, client):
    opened = []

    def make(host: str) -> Browser:
        opened.append(Browser(app, host))
        return opened[-1]

    yield make
    for browser in opened:
        await browser.http.aclose()


async def held_order(open_shop, plugin_host, **extra):
    shop, tenant_id, variant = await selling_shop(open_shop)
    await enable_plugin(tenant_id, plugin_host, "order_review", {})
    number = await place(shop, variant, invoice=INVOICE, **extra)
    await transition(tenant_id, number, "paid", actor="test")
    await run_outbox(plugin_host)
    assert (await order_row(tenant_id, number))["status"] == "under_review"
    return shop, tenant_id, variant, number


async def test_the_queue_lists_held_orders_and_the_merchant_approves(open_shop, plugin_host,
                                                                     browsers):
    shop, tenant_id, _, number = await held_order(open_shop, plugin_host)
    merchant = browsers(shop.host)
    assert (await merchant.get("/console/p/order_review")).status_code == 303  # sign in first
    assert (await merchant.get(f"/plugins/order_review/orders/{number}")).status_code == 303
    await merchant.sign_in(shop.email)
    queue = await merchant.get("/console/p/order_review")
    assert queue.status_code == 200
    assert number in queue.text and "杭州茶业有限公司" in queue.text
    page = await merchant.get(f"/plugins/order_review/orders/{number}")
    assert page.status_code == 200 and "杭州茶业有限公司" in page.text
    assert "1 placed, 0 paid" not in page.text and "0 placed, 0 paid" in page.text
    empty = await merchant.submit(f"/plugins/order_review/orders/{number}",
                                  f"/plugins/order_review/orders/{number}/reject",
                                  {"reason": " "})
    assert empty.status_code == 422 and "needs a reason" in empty.text
    approved = await merchant.submit(f"/plugins/order_review/orders/{number}",
                                     f"/plugins/order_review/orders/{number}/approve",
                                     {"note": "checked the tax id with the shopper"})
    assert approved.status_code == 303
    assert approved.headers["location"].endswith(f"/orders/{number}?done=approved")
    after = await merchant.get(approved.headers["location"])
    assert "Order approved." in after.text and 'data-order-status="approved"' in after.text
    assert (await order_row(tenant_id, number))["status"] == "approved"
    assert number not in (await merchant.get("/console/p/order_review")).text
    again = await merchant.submit(f"/plugins/order_review/orders/{number}",
                                  f"/plugins/order_review/orders/{number}/approve", {})
    assert again.status_code == 409  # decided already
    review = (await review_queue.review_of(tenant_id, number))["review"]
    assert review["outcome"] == "approved" and review["decided_by"].startswith("user:")
    assert parse_json(review["reasons"])[-1]["reason"] == "checked the tax id with the shopper"
    figures = await review_queue.figures(tenant_id)
    assert (figures["reviewed"], figures["approved_automatically"],
            figures["decided_by_hand"]) == (1, 0, 1)
    assert figures["automatic_share"] == 0 and figures["median_seconds"] >= 0


async def test_reject_cancels_an_unpaid_order_and_releases_its_stock(open_shop, plugin_host,
                                                                     browsers):
    class Cod(PaymentGateway):
        code, name, offline, pays_on_delivery, partial_refunds = "cod_q", "COD", True, True, 0

    class Gateways:
        @hookimpl
        def galleria_payment_gateways(self, shop):
            return [Cod()]

    shop, tenant_id, variant = await selling_shop(open_shop)
    with register_plugin(plugin_host, Gateways, "cod_queue_test"):
        await enable_plugin(tenant_id, plugin_host, "cod_queue_test")
        await enable_plugin(tenant_id, plugin_host, "order_review", {})
        number = await place(shop, variant, payment_method="cod_q", quantity=3)
        await run_outbox(plugin_host)
        assert (await order_row(tenant_id, number))["status"] == "under_review"
        merchant = browsers(shop.host)
        await merchant.sign_in(shop.email)
        page = f"/plugins/order_review/orders/{number}"
        rejected = await merchant.submit(page, f"{page}/reject",
                                         {"reason": "the shopper never ordered it"})
        assert rejected.status_code == 303
    row = await order_row(tenant_id, number)
    assert (row["status"], row["stock_status"]) == ("cancelled", "released")
    assert (await timeline(tenant_id, number))[-1][1] == \
        "rejected: the shopper never ordered it"
    async with shop_scope(tenant_id):
        assert (await inventory.get_level(tenant_id, variant)).reserved == 0


async def test_address_notes_and_switching_to_cash_on_delivery(open_shop, plugin_host,
                                                               browsers):
    class Gateways:
        @hookimpl
        def galleria_payment_gateways(self, shop):
            class Cod(PaymentGateway):
                code, name, offline, pays_on_delivery, partial_refunds = (
                    "cod_s", "COD", True, True, False)

            class Card(PaymentGateway):
                code, name, offline, pays_on_delivery, partial_refunds = (
                    "card_s", "Card", False, False, True)
            return [Cod(), Card()]

    shop, tenant_id, _, number = await held_order(open_shop, plugin_host)
    merchant = browsers(shop.host)
    await merchant.sign_in(shop.email)
    page = f"/plugins/order_review/orders/{number}"
    bad = await merchant.submit(page, f"{page}/address", {"name": "李雷", "province": ""})
    assert bad.status_code == 422 and "has-error" in bad.text
    fixed = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
             "city": "杭州市", "district": "余杭区", "line1": "文一西路 969 号",
             "postal_code": "311121", "note": "called at 10:20"}
    saved = await merchant.submit(page, f"{page}/address", fixed)
    assert saved.status_code == 303
    order = await review_queue.review_of(tenant_id, number)
    assert order["address"]["line1"] == "文一西路 969 号"
    assert order["status"] == "under_review"  # the state does not change
    contact = await merchant.submit(page, f"{page}/notes", {
        "kind": "contact", "channel": "phone", "body": "confirmed the new address"})
    assert contact.status_code == 303
    shown = await merchant.get(page)
    assert "confirmed the new address" in shown.text and "文一西路 969 号" in shown.text
    async with shop_scope(tenant_id):
        actions = [e["action"] for e in await recent(tenant_id)]
    assert "order.address_edited" in actions

    with register_plugin(plugin_host, Gateways, "cod_switch_test"):
        await enable_plugin(tenant_id, plugin_host, "cod_switch_test")
        unpaid = await place(shop, (await selling_shop_variant(shop)), payment_method="card_s",
                             phone="13900139001")
        other = f"/plugins/order_review/orders/{unpaid}"
        refused = await merchant.submit(other, f"{other}/cash-on-delivery", {"consent": ""})
        assert refused.status_code == 422
        switched = await merchant.submit(other, f"{other}/cash-on-delivery",
                                         {"consent": "phone call, agreed to pay the courier"})
        assert switched.status_code == 303
        row = await order_row(tenant_id, unpaid)
        assert (row["status"], row["payment_method"]) == ("pending_payment", "cod_s")
        twice = await merchant.submit(other, f"{other}/cash-on-delivery", {"consent": "again"})
        assert twice.status_code == 409
        approved = await merchant.submit(other, f"{other}/approve", {})
        assert approved.status_code == 303
        assert (await order_row(tenant_id, unpaid))["status"] == "approved"
    async with shop_scope(tenant_id):
        switch = [e for e in await recent(tenant_id) if e["action"] == "order.payment_switched"]
    assert len(switch) == 1 and parse_json(switch[0]["data"])["consent"].startswith("phone")


async def selling_shop_variant(shop) -> int:
    products = (await shop.get("/api/admin/v1/products")).json()["items"]
    product = (await shop.get(f"/api/admin/v1/products/{products[0]['id']}")).json()
    return product["variants"][0]["id"]


async def test_another_shops_queue_and_orders_are_not_visible(open_shop, plugin_host,
                                                              browsers):
    shop, _, _, number = await held_order(open_shop, plugin_host)
    other, other_tenant, _ = await selling_shop(open_shop)
    await enable_plugin(other_tenant, plugin_host, "order_review", {})
    stranger = browsers(other.host)
    await stranger.sign_in(other.email)
    assert number not in (await stranger.get("/console/p/order_review")).text
    assert (await stranger.get(f"/plugins/order_review/orders/{number}")).status_code == 404
    forged = await stranger.submit("/console/p/order_review",
                                   f"/plugins/order_review/orders/{number}/approve", {})
    assert forged.status_code == 404
    intruder = browsers(shop.host)  # the other shop's owner on this shop's host
    signed = await intruder.submit("/console/login", "/console/login", {
        "email": other.email, "password": "Correct-Horse-9", "next": "/console/"})
    assert signed.status_code == 403
    assert (await intruder.get(f"/plugins/order_review/orders/{number}")).status_code == 303


async def test_rejecting_a_paid_order_whose_refund_is_refused_leaves_it_held(
        open_shop, plugin_host, browsers):
    shop, tenant_id, _, number = await held_order(open_shop, plugin_host)
    merchant = browsers(shop.host)
    await merchant.sign_in(shop.email)
    page = f"/plugins/order_review/orders/{number}"
    refused = await merchant.submit(page, f"{page}/reject", {"reason": "fake company"})
    assert refused.status_code == 409  # paid by hand in this test: nothing to refund
    assert 'role="alert"' in refused.text
    assert (await order_row(tenant_id, number))["status"] == "under_review"
    assert (await review_queue.review_of(tenant_id, number))["review"]["outcome"] == "held"
