"""Issue 14, item 5: an enabled plugin with nothing to do for an order costs no statement.

A shop with every first-party plugin that needs no credentials enabled (default settings:
no promotion, sale, gift or coupon that applies) and no-op plugins implementing every hook
prices and places an order with exactly the statements of a shop with none of them. What
made them cost before: each price adjuster's SAVEPOINT (now sent only before an adjuster's
first statement: db.RestorePoints) and the marketing plugins' reads of their promotions,
flash sales and gifts (now `shop_fact`s kept per process with the shop's cache token, which
their tables' triggers replace). The second half checks that those facts follow the
database: rows added by plain SQL in another transaction are priced by the next request."""

import datetime as dt
import inspect
import json

from galleria.kernel import Adjustment, PriceAdjuster, db, emit, hookimpl, hookspecs
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin, register_plugin
from galleria_plugins.marketing.tables import Promotion
from galleria_plugins.marketing_campaigns.tables import FlashSale

ADDRESS = {"name": "李雷", "phone": "138 0013 8000", "country": "CN", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"}
CONTACT = {"name": "李雷", "phone": "+86 13800138000", "email": "lilei@example.com"}
# Every first-party plugin that can be enabled without credentials (the others are refused
# and left out, as bench/plugins_cost.py does).
FIRST_PARTY = ("marketing", "marketing_campaigns", "marketing_points", "marketing_referral",
               "order_review", "notify_email", "notify_sms", "reviews", "payments_offline")


def _noop_plugin(index):
    """A plugin answering every hook with None (bench/noop_plugins_app.py's kind)."""
    attrs = {}
    for name, spec in inspect.getmembers(hookspecs, inspect.isfunction):
        if not name.startswith("galleria_") or name == "galleria_plugin_info":
            continue
        params = "".join(", " + p for p in inspect.signature(spec).parameters)
        scope = {}
        exec(f"def {name}(self{params}):\n    return None\n", scope)
        attrs[name] = hookimpl(scope[name])
    return type(f"Noop{index}", (), attrs)()


async def _tenant_id(shop):
    return (await Tenant.select(Tenant.id).where(Tenant.slug == shop.slug).first())["id"]


async def _filled_cart(shop, variant_id):
    cart_id = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    added = await shop.post(f"/api/v1/carts/{cart_id}/items", admin=False,
                            json={"variant_id": variant_id, "quantity": 2})
    assert added.status_code == 200, added.text
    return cart_id


async def _order(shop, variant_id, statements):
    """Preview and place one order; the statements each sent."""
    cart_id = await _filled_cart(shop, variant_id)
    statements.clear()
    preview = await shop.post("/api/v1/checkout/preview", admin=False,
                              json={"cart_id": cart_id, "address": ADDRESS})
    assert preview.status_code == 200, preview.text
    previewed = list(statements)
    statements.clear()
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart_id, "contact": CONTACT, "address": ADDRESS,
        "payment_method": "cod"})
    assert placed.status_code == 201, placed.text
    return preview.json(), previewed, placed.json(), list(statements)


async def _product(shop):
    created = await shop.post("/api/admin/v1/products", json={
        "name": "龙井", "status": "published",
        "variants": [{"sku": "TEA-1", "price": 3000, "stock": 100}]})
    assert created.status_code == 201, created.text
    return created.json()["variants"][0]["id"], created.json()["id"]


async def test_enabled_plugins_with_nothing_to_do_add_no_statement(
        open_shop, plugin_host, driver_statements):
    # The minimum: one payment method (cash on delivery) and nothing else.
    minimum = await open_shop(plugins=["payments_offline"])
    busy = await open_shop(plugins=["payments_offline"])
    plain_variant, _ = await _product(minimum)
    busy_variant, _ = await _product(busy)
    with register_plugin(plugin_host, _noop_plugin(1), "test_noop_1"), \
            register_plugin(plugin_host, _noop_plugin(2), "test_noop_2"):
        enabled = []
        for name in (*FIRST_PARTY, "test_noop_1", "test_noop_2"):
            answer = await busy.put(f"/api/admin/v1/plugins/{name}", json={"enabled": True})
            if answer.status_code == 200:
                enabled.append(name)
        assert len(enabled) >= 8, enabled
        assert {"marketing", "marketing_campaigns", "test_noop_1"} <= set(enabled)
        for shop, variant in ((minimum, plain_variant), (busy, busy_variant)):
            await _order(shop, variant, driver_statements)  # warm: caches, facts
        plain = await _order(minimum, plain_variant, driver_statements)
        full = await _order(busy, busy_variant, driver_statements)
    assert plain[0]["total"] == full[0]["total"] == plain[2]["total"] == full[2]["total"]
    assert full[0]["adjustments"] == [] and full[2]["adjustments"] == []
    assert len(full[1]) == len(plain[1]), "\n".join(full[1])  # the preview
    assert len(full[3]) == len(plain[3]), "\n".join(full[3])  # the order
    assert not any(s.startswith("SAVEPOINT") for s in full[1] + full[3]), full[3]


async def test_promotions_and_sales_added_by_sql_are_priced_by_the_next_request(
        open_shop, driver_statements):
    shop = await open_shop(plugins=["payments_offline", "marketing", "marketing_campaigns"])
    variant_id, product_id = await _product(shop)
    tenant_id = await _tenant_id(shop)
    await _order(shop, variant_id, driver_statements)
    preview, previewed, placed, _ = await _order(shop, variant_id, driver_statements)
    assert preview["adjustments"] == [] and placed["total"] == 6000
    # Warm and idle: neither plugin reads its table.
    assert not any("marketing_promotion" in s or "campaigns_" in s for s in previewed)

    # 满50减5, written as plain rows in another transaction (no plugin code runs).
    async with db.shop_scope(tenant_id):
        await Promotion.insert(Promotion(tenant=tenant_id, kind="tiers", name="满减",
                                         rule=json.dumps({"tiers": [
                                             {"threshold": 5000, "amount_off": 500}]})))
    preview, _, placed, _ = await _order(shop, variant_id, driver_statements)
    assert [a["amount"] for a in preview["adjustments"]] == [-500]
    assert placed["total"] == 5500

    # A flash sale of the variant, running now: the sale price, and the order claims it.
    now = dt.datetime.now(dt.UTC)
    async with db.shop_scope(tenant_id):
        await FlashSale.insert(FlashSale(
            tenant=tenant_id, variant=variant_id, product=product_id, price=2000, quota=10,
            starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=1)))
    preview, _, placed, _ = await _order(shop, variant_id, driver_statements)
    # 2 × ¥20 on sale: ¥40, under the ¥50 of the 满减 (judged after the sale price).
    assert [a["amount"] for a in preview["adjustments"]] == [-2000]
    assert [a["amount"] for a in placed["adjustments"]] == [-2000]
    assert placed["total"] == 4000
    async with db.shop_scope(tenant_id):
        sale = await FlashSale.select(FlashSale.sold).where(
            FlashSale.tenant == tenant_id).first()
    assert sale["sold"] == 2

    # Switched off by SQL: full price again at once.
    async with db.shop_scope(tenant_id):
        await FlashSale.update({FlashSale.active: False}).where(FlashSale.tenant == tenant_id)
        await Promotion.update({Promotion.active: False}).where(Promotion.tenant == tenant_id)
    preview, _, placed, _ = await _order(shop, variant_id, driver_statements)
    assert preview["adjustments"] == [] and placed["total"] == 6000


async def test_a_sold_sale_unit_leaves_the_shop_cache_alone(open_shop):
    """`sold`, written by every order of a sale, does not change the shop's cache token
    (the triggers watch the sale's other columns): orders do not churn the cache."""
    shop = await open_shop(plugins=["marketing_campaigns"])
    variant_id, product_id = await _product(shop)
    tenant_id = await _tenant_id(shop)
    now = dt.datetime.now(dt.UTC)
    async with db.shop_scope(tenant_id):
        await FlashSale.insert(FlashSale(
            tenant=tenant_id, variant=variant_id, product=product_id, price=2000, quota=10,
            starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=1)))
    token = (await Tenant.select(Tenant.cache_token).where(Tenant.id == tenant_id).first())
    async with db.shop_scope(tenant_id):
        await FlashSale.update({FlashSale.sold: FlashSale.sold + 1}).where(
            FlashSale.tenant == tenant_id)
    after = (await Tenant.select(Tenant.cache_token).where(Tenant.id == tenant_id).first())
    assert after == token
    async with db.shop_scope(tenant_id):
        await FlashSale.update({FlashSale.price: 1900}).where(FlashSale.tenant == tenant_id)
    changed = (await Tenant.select(Tenant.cache_token).where(Tenant.id == tenant_id).first())
    assert changed != token


class _ReadsThenFails(PriceAdjuster):
    """Its first statement fails (on PostgreSQL that aborts the transaction unless the
    savepoint sent just before it catches it)."""

    code, order = "reads_then_fails", 20

    async def adjust(self, context):
        if context.placing:
            await OutboxEvent.raw("SELECT * FROM no_such_table")
        return [Adjustment(self.code, -100, self.code)]


class _Idle(PriceAdjuster):
    code, order = "idle", 30

    async def adjust(self, context):
        return []


class _FailsIdle(PriceAdjuster):
    """Fails without sending anything: nothing to roll back."""

    code, order = "fails_idle", 40

    async def adjust(self, context):
        raise RuntimeError("a bug")


class _Writes(PriceAdjuster):
    code, order = "writes", 50

    async def adjust(self, context):
        if context.placing:
            await emit(context.shop.id, "test.writes", {})
        return [Adjustment(self.code, -100, self.code)]


class _Mixed:
    @hookimpl
    def galleria_price_adjusters(self, shop):
        return [_ReadsThenFails(), _Idle(), _FailsIdle(), _Writes()]


async def test_savepoints_only_for_adjusters_that_send_something(
        open_shop, plugin_host, driver_statements):
    shop = await open_shop(plugins=["payments_offline"])
    variant_id, _ = await _product(shop)
    tenant_id = await _tenant_id(shop)
    with register_plugin(plugin_host, _Mixed, "test_mixed_adjusters"):
        await enable_plugin(tenant_id, plugin_host, "test_mixed_adjusters")
        await _order(shop, variant_id, driver_statements)  # warm
        preview, previewed, placed, sent = await _order(shop, variant_id, driver_statements)
    # The preview: nobody sends anything, so no SAVEPOINT at all.
    assert not any(s.startswith("SAVEPOINT") for s in previewed), previewed
    assert [a["source"] for a in preview["adjustments"]] == ["reads_then_fails", "writes"]
    # Placing: one SAVEPOINT before the failing read, rolled back to; the idle adjusters
    # send nothing, and the write after them shares that savepoint (nothing was written
    # since it was taken, so rolling back to it would undo only the write's own rows).
    savepoints = [s for s in sent if s.startswith(("SAVEPOINT", "ROLLBACK TO"))]
    assert len(savepoints) == 2 and savepoints[1].startswith("ROLLBACK TO"), savepoints
    assert [a["source"] for a in placed["adjustments"]] == ["writes"]
    assert placed["total"] == 6000 - 100
    topics = {row["topic"] for row in await OutboxEvent.select(OutboxEvent.topic).where(
        OutboxEvent.tenant == tenant_id)}
    assert {"test.writes", "order.placed"} <= topics


async def test_a_product_page_of_a_shop_without_sales_or_gifts_reads_none(
        open_shop, driver_statements):
    """The campaigns plugin's product promotions ask the same facts first: enabled with no
    sale or gift, it adds no statement to the product page."""
    plain = await open_shop()
    busy = await open_shop(plugins=["marketing_campaigns"])
    counts = []
    for shop in (plain, busy):
        _, product_id = await _product(shop)
        for _ in range(2):  # the second is warm
            driver_statements.clear()
            page = await shop.get(f"/products/{product_id}", admin=False)
            assert page.status_code == 200, page.text
        assert not any("campaigns_" in s for s in driver_statements), driver_statements
        counts.append(len(driver_statements))
    assert counts[0] == counts[1]
