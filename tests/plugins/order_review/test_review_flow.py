"""The review runs from the outbox: order.paid (or order.placed for cash on delivery) →
the shop's rules → approved, under_review or cancelled, with the verdicts recorded."""

from __future__ import annotations

from review_helpers import order_row, place, selling_shop, timeline

from galleria.kernel import PaymentGateway, ReviewRule, Verdict, hookimpl, review_queue, shop_scope
from galleria.kernel.orders.service import transition
from galleria.kernel.review.history import parse_json
from galleria.kernel.review.tables import OrderReview
from galleria.testing import enable_plugin, register_plugin, run_outbox


async def pay(tenant_id: int, number: str) -> None:
    await transition(tenant_id, number, "paid", actor="test")


async def review_record(tenant_id: int, number: str) -> dict:
    row = await order_row(tenant_id, number)
    async with shop_scope(tenant_id):
        record = await OrderReview.select().where(
            (OrderReview.tenant == tenant_id) & (OrderReview.order == row["id"])).first()
    return {**record, "reasons": parse_json(record["reasons"])}


async def test_without_a_review_plugin_a_paid_order_is_approved(open_shop, plugin_host):
    shop, tenant_id, variant = await selling_shop(open_shop)
    number = await place(shop, variant)
    await run_outbox(plugin_host)
    assert (await order_row(tenant_id, number))["status"] == "pending_payment"  # not paid yet
    await pay(tenant_id, number)
    await run_outbox(plugin_host)
    assert (await order_row(tenant_id, number))["status"] == "approved"
    record = await review_record(tenant_id, number)
    assert (record["outcome"], record["decided_by"]) == ("approved", "review:auto")
    await run_outbox(plugin_host)  # delivered once: nothing changes
    assert [s for s, _ in await timeline(tenant_id, number)] == [
        "pending_payment", "paid", "approved"]


async def test_the_plugin_holds_an_invoice_request_with_its_reason(open_shop, plugin_host):
    shop, tenant_id, variant = await selling_shop(open_shop)
    await enable_plugin(tenant_id, plugin_host, "order_review", {})
    plain = await place(shop, variant)
    invoiced = await place(shop, variant, phone="13900139000",
                           invoice={"type": "company", "title": "杭州茶业有限公司",
                                    "tax_id": "91330100MA27XXXX"})
    for number in (plain, invoiced):
        await pay(tenant_id, number)
    await run_outbox(plugin_host)
    assert (await order_row(tenant_id, plain))["status"] == "approved"
    assert (await order_row(tenant_id, invoiced))["status"] == "under_review"
    status, reason = (await timeline(tenant_id, invoiced))[-1]
    assert status == "under_review" and "杭州茶业有限公司" in reason
    record = await review_record(tenant_id, invoiced)
    assert record["outcome"] == "held" and record["decided_at"] is None
    held = await review_queue.held_orders(tenant_id)
    assert [h["number"] for h in held] == [invoiced]
    assert "杭州茶业有限公司" in held[0]["reasons"][0]  # in the shop's language (zh_CN)


async def test_a_repeat_customer_is_approved_and_a_busy_phone_held(open_shop, plugin_host):
    shop, tenant_id, variant = await selling_shop(open_shop)
    await enable_plugin(tenant_id, plugin_host, "order_review",
                        {"phone_velocity_count": 2})
    numbers = [await place(shop, variant, phone="13700137000") for _ in range(3)]
    for number in numbers:  # paid and reviewed one after the other
        await pay(tenant_id, number)
        await run_outbox(plugin_host)
    statuses = [(await order_row(tenant_id, n))["status"] for n in numbers]
    assert statuses == ["approved", "approved", "under_review"]
    second = await review_record(tenant_id, numbers[1])
    assert {"rule": "order_review.repeat_customer", "name": "Repeat customer",
            "verdict": "approve", "reason": "老顾客：此前已付款 1 单"} in second["reasons"]
    assert (await timeline(tenant_id, numbers[2]))[-1][1] == (
        "手机号 13700137000 在 24 小时内下单 3 次（上限 2 次）")  # the shop speaks Chinese


async def test_a_blacklisted_paid_order_goes_to_a_person_for_its_refund(open_shop,
                                                                        plugin_host):
    shop, tenant_id, variant = await selling_shop(open_shop)
    await enable_plugin(tenant_id, plugin_host, "order_review",
                        {"blacklist_phones": "13600136000"})
    number = await place(shop, variant, phone="13600136000")
    await pay(tenant_id, number)
    await run_outbox(plugin_host)
    row = await order_row(tenant_id, number)
    assert row["status"] == "under_review"  # no payment record to refund automatically
    reason = (await timeline(tenant_id, number))[-1][1]
    assert reason.startswith("rejected: refund by hand") and "13600136000" in reason


class Boom(ReviewRule):
    code, name, order = "boom.rule", "Exploding rule", 1

    async def judge(self, context):
        raise RuntimeError("the fraud service is down")


class ThirdParty:
    @hookimpl
    def galleria_review_rules(self, shop):
        return [Boom()]


async def test_a_raising_third_party_rule_holds_the_order(open_shop, plugin_host):
    shop, tenant_id, variant = await selling_shop(open_shop)
    with register_plugin(plugin_host, ThirdParty, "fraud_check"):
        await enable_plugin(tenant_id, plugin_host, "fraud_check")
        number = await place(shop, variant)
        await pay(tenant_id, number)
        await run_outbox(plugin_host)
    assert (await order_row(tenant_id, number))["status"] == "under_review"
    assert (await timeline(tenant_id, number))[-1][1] == \
        "rule boom.rule failed: the fraud service is down"


class CashOnDelivery(PaymentGateway):
    code, name = "cod_test", "Cash on delivery"
    offline, pays_on_delivery, partial_refunds = True, True, False


class Card(PaymentGateway):
    code, name = "card_test", "Card"
    offline, pays_on_delivery, partial_refunds = False, False, True


class OfflinePayments:
    @hookimpl
    def galleria_payment_gateways(self, shop):
        return [CashOnDelivery(), Card()]

    @hookimpl
    def galleria_review_rules(self, shop):
        class Blacklist(ReviewRule):
            code, name, order = "cod.blacklist", "x", 5

            async def judge(self, context):
                if context.order["contact"]["phone"] == "13500135000":
                    return Verdict.reject("known fraudster")
                return Verdict.abstain()
        return [Blacklist()]


async def test_cash_on_delivery_is_reviewed_when_placed(open_shop, plugin_host):
    shop, tenant_id, variant = await selling_shop(open_shop)
    with register_plugin(plugin_host, OfflinePayments, "cod_test_plugin"):
        await enable_plugin(tenant_id, plugin_host, "cod_test_plugin")
        await enable_plugin(tenant_id, plugin_host, "order_review", {})
        first = await place(shop, variant, payment_method="cod_test")
        fraud = await place(shop, variant, payment_method="cod_test", phone="13500135000")
        online = await place(shop, variant, phone="13300133000", payment_method="card_test")
        await run_outbox(plugin_host)
    assert (await order_row(tenant_id, first))["status"] == "under_review"
    assert (await timeline(tenant_id, first))[-1][1] == "首单货到付款"
    row = await order_row(tenant_id, fraud)
    assert row["status"] == "cancelled" and row["stock_status"] == "released"
    assert (await timeline(tenant_id, fraud))[-1][1] == "rejected: known fraudster"
    assert (await order_row(tenant_id, online))["status"] == "pending_payment"
