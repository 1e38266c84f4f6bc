"""Low-stock and near-expiry alerts to the staff who asked for them (issue 20 item 6): a
member subscribes on /console/stock-alerts; the alert reaches them by email (a real local
SMTP server) and SMS, once per crossing of the safety stock, and only for what they chose."""

from __future__ import annotations

import datetime as dt

from test_notifications import FlakySms, _shop, smtp  # noqa: F401

from galleria.kernel import db
from galleria.kernel.inventory import service as inventory
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import console_browser, enable_plugin, register_plugin, run_outbox


async def _variant(shop, stock: int) -> int:
    made = await shop.post("/api/admin/v1/products", json={
        "name": "鲜牛奶", "variants": [{"sku": "MILK-1L", "price": 1290, "stock": stock}]})
    assert made.status_code == 201, made.text
    return made.json()["variants"][0]["id"]


async def test_low_stock_reaches_the_subscribed_member_once_per_crossing(
        app, open_shop, runtime, smtp):  # noqa: F811
    shop, tenant_id = await _shop(open_shop, runtime, smtp)
    variant = await _variant(shop, 10)
    async with db.shop_scope(tenant_id):
        await inventory.set_safety_stock(tenant_id, variant, 3)
        await inventory.receive(tenant_id, variant, 4, lot_code="L0901",
                                expires_on=dt.date.today() + dt.timedelta(days=5))

    browser = await console_browser(app, shop)
    try:
        page = await browser.get("/console/stock-alerts")
        assert page.status_code == 200 and "我的库存提醒" in page.text
        wrong = await browser.submit("/console/stock-alerts", "/console/stock-alerts",
                                     {"low_stock": "on", "email": "on", "sms": "12345"})
        assert wrong.status_code == 422 and "请填写 11 位手机号码" in wrong.text
        saved = await browser.submit("/console/stock-alerts", "/console/stock-alerts",
                                     {"low_stock": "on", "email": "on",
                                      "sms": "139-0013-9000"})
        assert saved.status_code == 303
    finally:
        await browser.close()

    with register_plugin(runtime.host, FlakySms(), "test_alert_sms") as sms:
        await enable_plugin(tenant_id, runtime.host, "test_alert_sms")
        async with db.shop_scope(tenant_id):
            await inventory.near_expiry_alerts(tenant_id, 30)  # not subscribed: no alert
            for counted in (2, 1):  # falls to 2 (≤ 3), then further: one crossing
                await inventory.adjust(tenant_id, variant, counted, reason="盘点")
        await run_outbox(runtime.host)
        mails = smtp.to(shop.email)
        assert [m["Subject"] for m in mails] == ["库存不足：鲜牛奶（MILK-1L）仅剩 2 件"]
        body = mails[0].get_body(("plain",)).get_content()
        assert "安全库存 3 件" in body and f"/console/inventory/{variant}" in body
        assert [m.recipient for m in sms.sent] == ["13900139000"]
        assert sms.sent[0].topic == "stock.low" and sms.sent[0].params["available"] == "2"

        async with db.shop_scope(tenant_id):  # restocked, then low again: a new alert
            await inventory.adjust(tenant_id, variant, 20, reason="到货")
            await inventory.adjust(tenant_id, variant, 3, reason="盘点")
        await run_outbox(runtime.host)
    assert len(smtp.to(shop.email)) == 2 and len(sms.sent) == 2


async def test_near_expiry_goes_only_to_those_who_chose_it(app, open_shop, runtime,
                                                           smtp):  # noqa: F811
    shop, tenant_id = await _shop(open_shop, runtime, smtp, locale="en")
    variant = await _variant(shop, 0)
    async with db.shop_scope(tenant_id):
        await inventory.receive(tenant_id, variant, 6, lot_code="L1201",
                                expires_on=dt.date.today() + dt.timedelta(days=3))
    await run_outbox(runtime.host)
    async with db.shop_scope(tenant_id):
        assert await inventory.near_expiry_alerts(tenant_id, 30) == 1
    await run_outbox(runtime.host)
    assert smtp.to(shop.email) == []  # nobody asked: the console list shows it, no mail

    browser = await console_browser(app, shop, language="en")
    try:
        await browser.submit("/console/stock-alerts", "/console/stock-alerts",
                             {"near_expiry": "on", "email": "on"})
    finally:
        await browser.close()
    async with db.shop_scope(tenant_id):
        await inventory.receive(tenant_id, variant, 2, lot_code="L1202",
                                expires_on=dt.date.today() + dt.timedelta(days=9))
        assert await inventory.near_expiry_alerts(tenant_id, 30) == 1  # the new lot only
        assert await inventory.near_expiry_alerts(tenant_id, 30) == 0
    await run_outbox(runtime.host)
    subjects = [m["Subject"] for m in smtp.to(shop.email)]
    expires = (dt.date.today() + dt.timedelta(days=9)).isoformat()
    assert subjects == [f"Expiring soon: 鲜牛奶 lot L1202 on {expires}"]
    tenant = await Tenant.select(Tenant.locale).where(Tenant.id == tenant_id).first()
    assert tenant["locale"] == "en"
