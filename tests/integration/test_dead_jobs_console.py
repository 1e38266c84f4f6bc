"""Staff see their shop's failed background jobs in the console and run them again
(issue 12, item 1: dead letters listed and retriable by staff)."""

from __future__ import annotations

import re

import httpx

from galleria.kernel import db
from galleria.kernel.dead_letters import ALL_SHOPS, dead_letters
from galleria.kernel.events import MAX_ATTEMPTS, enqueue
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.tenancy.tables import Tenant
from galleria.web import i18n


async def _dead_job(slug: str, number: str) -> int:
    tenant = (await Tenant.select(Tenant.id).where(Tenant.slug == slug).first())["id"]
    async with db.database().transaction():
        await enqueue(tenant, "cancel_unpaid_order", tenant_id=tenant, number=number)
    row = await OutboxEvent.select(OutboxEvent.id).where(OutboxEvent.tenant == tenant).order_by(
        OutboxEvent.id, ascending=False).first()
    await OutboxEvent.update({OutboxEvent.attempts: MAX_ATTEMPTS,
                              OutboxEvent.last_error: "ConnectError: carrier unreachable"}
                             ).where(OutboxEvent.id == row["id"])
    return row["id"]


async def _console(app, shop) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                base_url=f"http://{shop.host}",
                                headers={"accept": "text/html"})
    page = await browser.get("/console/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    signed_in = await browser.post("/console/login", data={
        "_csrf_token": token, "email": shop.email, "password": "Correct-Horse-9",
        "next": "/console/"})
    assert signed_in.status_code in (302, 303), signed_in.text
    return browser


async def test_owner_sees_the_shops_dead_job_in_chinese_and_runs_it_again(app, open_shop):
    shop, other = await open_shop(), await open_shop()
    mine = await _dead_job(shop.slug, "261205000001")
    theirs = await _dead_job(other.slug, "261205000002")
    browser = await _console(app, shop)
    try:
        page = await browser.get("/console/jobs")
        assert page.status_code == 200, page.text
        assert "失败的后台任务" in page.text and "取消未付款订单" in page.text
        assert "261205000001" in page.text and "carrier unreachable" in page.text
        assert "261205000002" not in page.text  # another shop's stays out of sight
        assert 'href="/console/jobs"' in page.text  # in the console's navigation
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        refused = await browser.post(f"/console/jobs/{theirs}/retry",
                                     data={"_csrf_token": token})
        assert refused.status_code == 404
        retried = await browser.post(f"/console/jobs/{mine}/retry",
                                     data={"_csrf_token": token})
        assert retried.status_code == 303
        after = await browser.get(retried.headers["location"])
        assert "任务马上会重新运行" in after.text and "261205000001" not in after.text
    finally:
        await browser.aclose()
    dead = {row["id"] for row in await dead_letters(ALL_SHOPS)}
    assert mine not in dead and theirs in dead
    row = await OutboxEvent.select().where(OutboxEvent.id == mine).first()
    assert row["attempts"] == 0 and row["done_at"] is None  # due again, with fresh attempts


async def test_the_english_page_has_no_chinese_and_an_empty_state(app, open_shop):
    shop = await open_shop()
    browser = await _console(app, shop)
    try:
        browser.cookies.set(i18n.COOKIE, "en")
        page = await browser.get("/console/jobs")
    finally:
        await browser.aclose()
    assert page.status_code == 200
    assert "Failed background jobs" in page.text and "No failed jobs" in page.text
    assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"<[^>]+>", " ", page.text).replace(
        "中文", "").replace("简体", ""))
