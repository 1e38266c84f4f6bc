"""Large report files written in the background (issue 18, item 4): the export becomes a
job, the console shows its progress and then a download link that only the staff member who
asked may use, the staff member is told by email, the file expires, and its cells never run
as formulas."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from openpyxl import load_workbook
from report_story import CSRF_RE, PASSWORD, _orders_of_the_story, _shop

from galleria.kernel import NotificationChannel, NotificationMessage, db, hookimpl
from galleria.kernel.errors import NotFound
from galleria.kernel.reports import export_jobs, rollups
from galleria.kernel.reports.tables import ReportExport
from galleria.kernel.storage import storage
from galleria.testing import enable_plugin, register_plugin, run_outbox

PERIOD = {"from": "2026-11-10", "to": "2026-11-11"}


class Mailbox:
    """A test email channel that keeps what it is given."""

    def __init__(self) -> None:
        self.sent: list[NotificationMessage] = []
        box = self

        class Channel(NotificationChannel):
            kind = "email"

            async def send(self, message: NotificationMessage) -> None:
                box.sent.append(message)

        self.channel = Channel()

    @hookimpl
    def galleria_notification_channels(self, shop):
        return [self.channel]


@contextlib.asynccontextmanager
async def _console(app, shop) -> AsyncIterator[httpx.AsyncClient]:
    """The shop's console, signed in as its owner, in Chinese."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept": "text/html",
                                          "accept-language": "zh-CN,zh;q=0.9"}) as browser:
        login = await browser.get("/console/login")
        await browser.post("/console/login", data={
            "_csrf_token": CSRF_RE.search(login.text).group(1), "email": shop.email,
            "password": PASSWORD, "next": "/console/"})
        yield browser


def _token(page: str) -> str:
    return re.search(r'data-export-token="([^"]+)"', page).group(1)


async def test_a_background_export_shows_progress_then_a_download(open_shop, app):
    host = app.state.runtime.host
    shop, tenant_id, tea = await _shop(open_shop)
    await _orders_of_the_story(shop, tenant_id, tea)
    await rollups.rebuild(tenant_id)
    await run_outbox(host)
    mailbox = Mailbox()
    with register_plugin(host, mailbox, "test_report_mail"):
        await enable_plugin(tenant_id, host, "test_report_mail")
        async with _console(app, shop) as browser:
            inline = await browser.get("/console/reports/export", params={
                "report": "sales", "format": "xlsx", **PERIOD})
            asked = await browser.get("/console/reports/export", params={
                "report": "sales", "format": "xlsx", "background": "1", **PERIOD})
            assert asked.status_code == 303
            assert asked.headers["location"] == "/console/reports/exports"
            page = (await browser.get("/console/reports/exports")).text
            assert "报表下载" in page and "排队中" in page and "<progress" in page
            assert 'http-equiv="refresh"' in page  # without JavaScript, the page refreshes
            token = _token(page)
            status = (await browser.get(f"/console/reports/exports/{token}/status")).json()
            assert status["status"] == "queued" and status["download"] is None

            await run_outbox(host)

            status = (await browser.get(f"/console/reports/exports/{token}/status")).json()
            assert status == {"token": token, "status": "ready", "status_title": "已完成",
                              "rows_done": 2, "rows_total": 2, "percent": 100,
                              "download": f"/console/reports/exports/{token}/download"}
            page = (await browser.get("/console/reports/exports")).text
            assert "已完成" in page and f"/console/reports/exports/{token}/download" in page
            assert 'http-equiv="refresh"' not in page  # nothing left to wait for
            assert "销售趋势 2026年11月10日 – 2026年11月11日" in page  # as the reports say it
            english = (await browser.get("/console/reports/exports",
                                         headers={"accept-language": "en"})).text
            assert "Sales over time Nov 10, 2026 – Nov 11, 2026" in english  # one language a page
            assert "销售趋势" not in english and "Report downloads" in english
            file = await browser.get(f"/console/reports/exports/{token}/download")
            assert file.status_code == 200
            assert file.headers["content-disposition"] == (
                'attachment; filename="sales-2026-11-10-2026-11-11.xlsx"')
            rows = [[c.value for c in r] for r in
                    load_workbook(io.BytesIO(file.content)).active.iter_rows()]
            inline_rows = [[c.value for c in r] for r in
                           load_workbook(io.BytesIO(inline.content)).active.iter_rows()]
            assert rows == inline_rows  # the same file as the one written in the request
            assert rows[0][0] == "时间段" and rows[2][:5] == ["2026-11-11", 2, "57.00", "10.00",
                                                              "47.00"]
    # The staff member who asked is told, in the shop's language, with the page's address.
    [mail] = mailbox.sent
    assert mail.recipient == shop.email
    assert mail.subject.endswith("报表“销售趋势 2026-11-10–2026-11-11”已可下载")
    assert f"http://{shop.host}/console/reports/exports" in mail.text and "共 2 行" in mail.text


async def test_an_export_is_the_shop_and_the_staff_members_own(open_shop, app):
    host = app.state.runtime.host
    shop, tenant_id, _tea = await _shop(open_shop)
    other, _other_id, _ = await _shop(open_shop)
    async with _console(app, shop) as browser:
        await browser.get("/console/reports/export", params={
            "report": "products", "format": "csv", "background": "1", **PERIOD})
        token = _token((await browser.get("/console/reports/exports")).text)
    await run_outbox(host)
    async with _console(app, other) as stranger:
        assert (await stranger.get(f"/console/reports/exports/{token}/status")).status_code \
            == 404
        assert (await stranger.get(f"/console/reports/exports/{token}/download")).status_code \
            == 404
        assert token not in (await stranger.get("/console/reports/exports")).text
    with pytest.raises(NotFound):  # another staff member of the same shop
        await export_jobs.export_for(tenant_id, 999_999, token)


async def test_a_large_export_goes_to_the_background_with_formulas_kept_as_text(
        open_shop, app, monkeypatch):
    host = app.state.runtime.host
    shop, tenant_id, _tea = await _shop(open_shop)
    created = await shop.post("/api/admin/v1/products", json={
        "name": "=HYPERLINK(\"http://evil\")", "variants": [
            {"sku": "EVIL-1", "price": 100, "stock": 3}]})
    assert created.status_code == 201, created.text
    monkeypatch.setattr(export_jobs, "INLINE_ROWS", 1)  # two variants are "large" here
    monkeypatch.setattr(export_jobs, "CHUNK", 1)
    async with _console(app, shop) as browser:
        answer = await browser.get("/console/reports/export", params={
            "report": "stock", "format": "csv", **PERIOD})
        assert answer.status_code == 303  # over the threshold: written by a job
        token = _token((await browser.get("/console/reports/exports")).text)
        await run_outbox(host)
        file = await browser.get(f"/console/reports/exports/{token}/download")
    lines = file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("SKU,商品,")
    assert any(line.startswith("EVIL-1,\"'=HYPERLINK(\"\"http://evil\"\")\"") for line in lines)
    async with db.shop_scope(tenant_id):
        row = await ReportExport.select().where(ReportExport.token == token).first()
    assert (row["rows_done"], row["rows_total"]) == (2, 2)


async def test_an_export_expires_after_its_days(open_shop, app):
    host = app.state.runtime.host
    shop, tenant_id, _tea = await _shop(open_shop)
    async with _console(app, shop) as browser:
        await browser.get("/console/reports/export", params={
            "report": "sales", "format": "csv", "background": "1", **PERIOD})
        token = _token((await browser.get("/console/reports/exports")).text)
        await run_outbox(host)
        async with db.shop_scope(tenant_id):
            row = await ReportExport.select().where(ReportExport.token == token).first()
        assert row["expires_at"] is not None
        key = row["storage_key"]
        assert storage().get(key)  # kept under the shop's media
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=export_jobs.KEEP_DAYS, minutes=1)
        assert await export_jobs.expire_exports(now=later) >= 1
        with pytest.raises(FileNotFoundError):
            storage().get(key)
        assert "已过期" in (await browser.get("/console/reports/exports")).text
        gone = await browser.get(f"/console/reports/exports/{token}/download")
        assert gone.status_code == 404
