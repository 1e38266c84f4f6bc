"""Plans, limits and Stripe Billing as a merchant meets them: a trial on the default plan,
limits at their edge, an upgrade through Checkout that raises them, the dunning path driven
by signed simulator webhooks (duplicated and out of order), and forged webhooks refused."""

import datetime as dt
import json
import time

import pytest
from billing_helpers import (
    WEBHOOK_SECRET,
    import_products,
    new_product,
    serve_simulator,
    session_id,
)

from galleria.auth import invitations
from galleria.kernel import db
from galleria.kernel.billing.jobs import advance_all_dunning
from galleria.kernel.billing.limits import PlanLimitReached
from galleria.kernel.billing.plans import PlanError, load_plans, plans
from galleria.kernel.billing.tables import BillingEvent, PlatformAudit
from galleria.kernel.tenancy.tables import AuditLog
from galleria.testing.stripe_billing import sign

ADDRESS = {"name": "王芳", "phone": "13800138000", "country": "CN", "province": "上海市",
           "city": "上海市", "line1": "南京西路 1 号"}


@pytest.fixture(scope="module")
async def billing_sim(app, client, runtime):
    sim, server, task, sender = await serve_simulator(app, runtime)
    try:
        yield sim
    finally:
        await sim.settle()
        server.should_exit = True
        await task
        await sender.aclose()


async def billing(shop) -> dict:
    answer = await shop.get("/api/admin/v1/billing")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def subscribe(shop, sim, plan="pro", interval="month") -> str:
    started = await shop.post("/api/admin/v1/billing/checkout",
                              json={"plan": plan, "interval": interval})
    assert started.status_code == 201, started.text
    session = sim.complete_checkout(session_id(started.json()["url"]))
    await sim.settle()
    return session["subscription"]


def test_plans_load_and_are_checked(tmp_path):
    catalogue = plans()
    assert catalogue.default.name == "basic" and catalogue.default.trial_days == 14
    assert catalogue.get("pro").title.zh_CN == "专业版"
    assert catalogue.by_price["price_pro_year"][1] == "year"
    (tmp_path / "a.toml").write_text('name = "a"\ntitle = {zh_CN = "甲", en = "A"}\n'
                                     'price_month = -1\nprice_year = 0\n'
                                     'stripe_price_month = "m"\nstripe_price_year = "y"\n')
    with pytest.raises(PlanError, match=r"a\.toml"):
        load_plans(tmp_path)
    (tmp_path / "a.toml").write_text('name = "a"\ntitle = {zh_CN = "甲", en = "A"}\n'
                                     'price_month = 1\nprice_year = 0\n'
                                     'stripe_price_month = "m"\nstripe_price_year = "y"\n')
    with pytest.raises(PlanError, match="default"):
        load_plans(tmp_path)


async def test_a_new_shop_is_on_the_default_plan_with_a_trial(open_shop):
    shop = await open_shop()
    answer = await billing(shop)
    assert answer["plan"] == "basic" and answer["status"] == "trialing"
    ends = dt.datetime.fromisoformat(answer["trial_ends_at"].replace("Z", "+00:00"))
    assert dt.timedelta(days=13, hours=23) < ends - dt.datetime.now(dt.UTC) \
        <= dt.timedelta(days=14)
    assert answer["limits"]["products"] == 50 and answer["limits"]["staff"] == 10
    assert answer["limits"]["custom_domains"] == 1
    assert answer["usage"] == {"products": 0, "staff": 1, "orders_per_month": 0,
                               "custom_domains": 0}


async def test_the_product_limit_at_its_edge_through_api_and_import(open_shop):
    shop = await open_shop()
    assert (await import_products(shop, 49, "Bulk")).status_code == 200
    assert (await new_product(shop, "FIFTY")).status_code == 201  # the 50th: allowed
    refused = await new_product(shop, "FIFTY-ONE")
    assert refused.status_code == 403
    problem = refused.json()
    assert problem["type"].endswith("/plan-limit")
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert problem["limit"] == "products" and problem["allowed"] == 50
    assert problem["usage"] == 50 and problem["upgrade_url"] == "/console/billing"
    # An import that would pass the limit is refused whole: nothing of it is stored.
    over = await import_products(shop, 1, "More")
    assert over.status_code == 403 and over.json()["type"].endswith("/plan-limit")
    assert (await billing(shop))["usage"]["products"] == 50


async def test_staff_seats_and_custom_domains_at_their_edge(open_shop, runtime):
    shop = await open_shop()
    first = await shop.post("/api/admin/v1/domains", json={"host": f"{shop.slug}.example.com"})
    assert first.status_code == 201, first.text  # one custom domain on the basic plan
    domain = await shop.post("/api/admin/v1/domains", json={"host": f"{shop.slug}.example.cn"})
    assert domain.status_code == 403 and domain.json()["limit"] == "custom_domains"
    assert domain.json()["allowed"] == 1 and domain.json()["usage"] == 1
    # Ten seats on the basic plan: the owner and nine invitations (the console invites).
    await shop.shop()
    async with db.shop_scope(shop.id):
        for n in range(9):
            await invitations.invite(shop.id, runtime.settings.secret_key,
                                     email=f"a{n}-{time.time_ns()}@example.com", role="admin",
                                     permissions=[], invited_by=0)
    with pytest.raises(PlanLimitReached) as refused:
        async with db.shop_scope(shop.id):
            await invitations.invite(shop.id, runtime.settings.secret_key,
                                     email=f"b-{time.time_ns()}@example.com", role="admin",
                                     permissions=[], invited_by=0)
    assert refused.value.extra["limit"] == "staff" and refused.value.extra["usage"] == 10
    assert (await billing(shop))["usage"]["staff"] == 10


async def test_plugins_outside_the_plan_are_refused_until_an_upgrade(open_shop, billing_sim):
    shop = await open_shop()
    refused = await shop.put("/api/admin/v1/plugins/marketing_referral", json={"enabled": True})
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("/plan-limit")
    assert refused.json()["plugin"] == "marketing_referral"
    await subscribe(shop, billing_sim, "pro")
    allowed = await shop.put("/api/admin/v1/plugins/marketing_referral", json={"enabled": True})
    assert allowed.status_code == 200, allowed.text


async def test_upgrading_through_checkout_raises_the_limits(open_shop, billing_sim):
    shop = await open_shop()
    assert (await import_products(shop, 50, "Full")).status_code == 200
    assert (await new_product(shop, "OVER")).status_code == 403
    sub_id = await subscribe(shop, billing_sim, "pro", "year")
    answer = await billing(shop)
    assert answer["plan"] == "pro" and answer["interval"] == "year"
    assert answer["status"] == "active" and answer["limits"]["products"] == 1000
    assert answer["current_period_end"] is not None
    assert (await new_product(shop, "NOW-FITS")).status_code == 201
    assert billing_sim.subscriptions[sub_id]["metadata"]["shop"] == shop.slug


async def test_checkout_refuses_an_unknown_plan(open_shop, billing_sim):
    shop = await open_shop()
    answer = await shop.post("/api/admin/v1/billing/checkout", json={"plan": "gold"})
    assert answer.status_code == 422 and "gold" in answer.json()["detail"]
    answer = await shop.post("/api/admin/v1/billing/checkout",
                             json={"plan": "pro", "interval": "weekly"})
    assert answer.status_code in (400, 422)


async def test_a_subscribed_shop_changes_plans_in_the_portal_with_proration(open_shop,
                                                                          billing_sim):
    shop = await open_shop()
    sub_id = await subscribe(shop, billing_sim, "pro")
    again = await shop.post("/api/admin/v1/billing/checkout", json={"plan": "ultimate"})
    assert "/portal/" in again.json()["url"]  # no second subscription: the portal
    billing_sim.change_price(sub_id, "price_ultimate_month")
    await billing_sim.settle()
    assert (await billing(shop))["plan"] == "ultimate"
    invoices = [i for i in billing_sim.invoices.values()
                if i["subscription"] == sub_id and i["billing_reason"] == "subscription_update"]
    assert len(invoices) == 1 and 0 < invoices[0]["amount_due"] <= 99900 - 29900
    billing_sim.change_price(sub_id, "price_basic_month")  # downgrade: no charge
    await billing_sim.settle()
    assert (await billing(shop))["plan"] == "basic"


async def test_duplicate_deliveries_are_applied_once(open_shop, billing_sim):
    shop = await open_shop()
    billing_sim.duplicate_events = True
    try:
        await subscribe(shop, billing_sim, "pro")
    finally:
        billing_sim.duplicate_events = False
    await shop.shop()
    async with db.shop_scope(shop.id):
        activations = await AuditLog.count().where(
            (AuditLog.tenant == shop.id) & (AuditLog.action == "billing.active"))
    assert activations == 1
    events = await BillingEvent.count().where(BillingEvent.tenant_id == shop.id)
    assert events == 3  # subscription created, invoice paid, checkout completed


async def test_out_of_order_delivery_ends_in_stripes_current_state(open_shop, billing_sim):
    shop = await open_shop()
    sub_id = await subscribe(shop, billing_sim, "pro")
    billing_sim.hold_events = True
    try:
        billing_sim.renew(sub_id, pay=False)  # failed …
        billing_sim.pay_open_invoice(sub_id)  # … then paid
    finally:
        billing_sim.hold_events = False
    held = billing_sim.release(reverse=True)  # the "paid" events first, the failure last
    assert held[-1]["type"] == "customer.subscription.updated"
    await billing_sim.settle()
    answer = await billing(shop)
    assert answer["status"] == "active" and answer["grace_until"] is None


async def test_the_dunning_path_and_paying_restores_at_once(open_shop, billing_sim, shopper):
    shop = await open_shop()
    product = (await new_product(shop, "BEFORE")).json()
    sub_id = await subscribe(shop, billing_sim, "pro")
    billing_sim.renew(sub_id, pay=False)
    await billing_sim.settle()
    answer = await billing(shop)
    assert answer["status"] == "past_due"
    grace = dt.datetime.fromisoformat(answer["grace_until"].replace("Z", "+00:00"))
    assert dt.timedelta(days=6, hours=23) < grace - dt.datetime.now(dt.UTC) \
        <= dt.timedelta(days=7)
    assert (await new_product(shop, "PAST-DUE")).status_code == 201  # still allowed

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    await advance_all_dunning(later)
    assert (await billing(shop))["status"] == "restricted"
    refused = await new_product(shop, "RESTRICTED")
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/billing-restricted")
    # Read-only except billing: other changes are refused, reading and billing are not.
    other = await shop.post("/api/admin/v1/categories", json={"slug": "tea", "name": "茶"})
    assert other.status_code == 403 and other.json()["type"].endswith("/billing-restricted")
    assert (await shop.get(f"/api/admin/v1/products/{product['id']}")).status_code == 200
    portal = await shop.post("/api/admin/v1/billing/portal")
    assert portal.status_code == 201
    # Shoppers still order: the plan never refuses them while the shop is open.
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False,
                    json={"variant_id": product["variants"][0]["id"], "quantity": 1})
    order = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": {"name": "王芳", "phone": "13800138000"},
        "address": ADDRESS, "payment_method": "cod"})
    assert order.status_code in (201, 422), order.text
    if order.status_code == 422:  # the shop has no cash on delivery: still not a plan refusal
        assert "plan" not in order.text

    await advance_all_dunning(later + dt.timedelta(days=31))
    storefront = await shop.client.get("/", headers={"host": shop.host,
                                                     "accept": "text/html"})
    assert storefront.status_code == 403
    assert "suspended" in storefront.text or "暂停" in storefront.text

    billing_sim.pay_open_invoice(sub_id)
    await billing_sim.settle()
    storefront = await shop.client.get("/", headers={"host": shop.host})
    assert storefront.status_code == 200
    assert (await billing(shop))["status"] == "active"
    assert (await new_product(shop, "PAID-AGAIN")).status_code == 201
    actions = [r["action"] for r in await PlatformAudit.select(PlatformAudit.action).where(
        PlatformAudit.tenant_id == shop.id).order_by(PlatformAudit.id)]
    assert actions[-4:] == ["billing.past_due", "billing.restricted", "billing.suspended",
                            "billing.active"]


async def test_an_unpaid_trial_falls_past_due_when_it_ends(open_shop):
    shop = await open_shop()
    await billing(shop)
    await advance_all_dunning(dt.datetime.now(dt.UTC) + dt.timedelta(days=15))
    assert (await billing(shop))["status"] == "past_due"


async def test_cancel_at_period_end(open_shop, billing_sim):
    shop = await open_shop()
    sub_id = await subscribe(shop, billing_sim, "pro")
    portal = await shop.post("/api/admin/v1/billing/portal")
    assert portal.status_code == 201 and "/portal/" in portal.json()["url"]
    billing_sim.set_cancel_at_period_end(sub_id)
    await billing_sim.settle()
    answer = await billing(shop)
    assert answer["status"] == "active" and answer["cancel_at_period_end"] is True
    billing_sim.renew(sub_id)  # the period ends: the subscription is deleted
    await billing_sim.settle()
    answer = await billing(shop)
    assert answer["status"] == "canceled"
    assert (await new_product(shop, "AFTER-CANCEL")).status_code == 403


async def test_forged_billing_webhooks_are_refused(client, open_shop, billing_sim):
    shop = await open_shop()
    await shop.shop()
    event = {"id": f"evt_forged_{time.time_ns()}", "object": "event", "type":
             "customer.subscription.updated", "created": int(time.time()),
             "data": {"object": {"id": "sub_forged", "object": "subscription",
                                 "customer": "cus_x", "status": "active",
                                 "metadata": {"tenant": str(shop.id)},
                                 "items": {"data": [{"price": {"id": "price_ultimate_month"}}]}}}}
    body = json.dumps(event).encode()
    url, host = "/callbacks/billing/stripe", {"host": "localhost",
                                              "content-type": "application/json"}
    for signature in (None, sign(body, "whsec_someone_else"),
                      sign(body, WEBHOOK_SECRET, int(time.time()) - 3600),
                      sign(body + b" ", WEBHOOK_SECRET)):
        headers = {**host, **({"stripe-signature": signature} if signature else {})}
        answer = await client.post(url, content=body, headers=headers)
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert (await billing(shop))["plan"] == "basic"
    assert not await BillingEvent.exists().where(BillingEvent.event_id == event["id"])
    # The webhook lives on the platform host only.
    on_shop = await client.post(url, content=body, headers={
        "host": shop.host, "stripe-signature": sign(body, WEBHOOK_SECRET)})
    assert on_shop.status_code == 404


async def test_another_shops_token_cannot_read_billing(open_shop):
    one, other = await open_shop(), await open_shop()
    answer = await one.client.get("/api/admin/v1/billing", headers={
        "host": one.host, "authorization": f"Bearer {other.token}"})
    assert answer.status_code in (401, 403)


async def test_the_merchant_is_mailed_at_each_dunning_step(open_shop, runtime, billing_sim):
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    from galleria.testing import enable_plugin, run_outbox

    mails = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            mails.append(email.message_from_bytes(envelope.content,
                                                  policy=email.policy.default))
            return "250 Message accepted"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        shop = await open_shop()
        await shop.shop()
        await enable_plugin(shop.id, runtime.host, "notify_email", {
            "host": "127.0.0.1", "port": port, "from_address": "billing@galleria.example",
            "starttls": False})
        sub_id = await subscribe(shop, billing_sim, "pro")
        billing_sim.renew(sub_id, pay=False)
        await billing_sim.settle()
        await run_outbox(runtime.host)
        await advance_all_dunning(dt.datetime.now(dt.UTC) + dt.timedelta(days=8))
        await run_outbox(runtime.host)
    finally:
        controller.stop()
    subjects = [m["Subject"] for m in mails]
    assert any("套餐扣款失败" in s for s in subjects), subjects
    assert any("店铺因欠费受限" in s for s in subjects), subjects
    overdue = next(m for m in mails if "套餐扣款失败" in m["Subject"])
    grace = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).astimezone(
        dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d")
    assert grace in overdue.get_body(preferencelist=("plain",)).get_content()


async def test_orders_entered_by_the_shop_stop_at_the_months_allowance_shoppers_never(
        open_shop, shopper):
    from galleria.kernel.orders.tables import Order

    shop = await open_shop()
    tenant = (await shop.shop()).id
    made = await shop.post("/api/admin/v1/products", json={"name": "Tea", "variants": [
        {"sku": "TEA-1", "price": 1000, "stock": 50}]})
    assert made.status_code == 201, made.text
    allowed = plans().default.limits.of("orders_per_month")
    async with db.shop_scope(tenant):  # the month's orders so far, up to one short
        await Order.insert(*[Order(tenant=tenant, number=f"B{n:08d}", currency="CNY",
                                   access_token_hash=f"{n:064d}", channel="api",
                                   external_id=f"OLD-{n}") for n in range(allowed - 1)])

    def channel_order(external_id: str) -> dict:
        return {"channel": "api", "external_id": external_id,
                "lines": [{"sku": "TEA-1", "quantity": 1}],
                "customer": {"name": "李雷", "phone": "13800138000"},
                "address": {"name": "李雷", "phone": "13800138000", "country": "CN",
                            "province": "浙江省", "city": "杭州市", "district": "西湖区",
                            "line1": "文三路 90 号"},
                "payment": {"status": "paid", "method": "wechat"}}

    last = await shop.post("/api/admin/v1/orders", json=channel_order("EXT-LAST"))
    assert last.status_code == 201, last.text  # the allowance's last order
    over = await shop.post("/api/admin/v1/orders", json=channel_order("EXT-OVER"))
    assert over.status_code == 403 and over.json()["type"].endswith("/plan-limit")
    assert over.json()["limit"] == "orders_per_month"
    assert over.json()["usage"] == allowed
    again = await shop.post("/api/admin/v1/orders", json=channel_order("EXT-LAST"))
    assert again.status_code == 200  # an order already in is found, not refused

    await shop.enable("payments_offline")
    buyer = shopper(shop)  # a shopper is never turned away by the merchant's plan
    placed = await buyer.place_order({made.json()["variants"][0]["id"]: 1})
    assert placed["status"] == "pending_payment"
