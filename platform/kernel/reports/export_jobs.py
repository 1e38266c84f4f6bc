"""Report files written in the background, for exports too large for a request.

The console starts one with `start_export` (a `report_export` row and the job
`reports.export`, in one transaction): the job builds the rows (`export_rows.report_rows`),
writes the file in chunks, storing `rows_done` / `rows_total` as it goes, puts it in the
shop's media under `reports/<tenant>/exports/<token>.<fmt>` and emits `report.export_ready`,
whose listener emails the staff member who asked. The file is kept `KEEP_DAYS` days; the sweep
`reports.expire_exports` deletes it afterwards.

The kernel has no catalogs: the headings and every word of the rows come already translated
(in the staff member's language) with the request and are kept in `params`. Only that staff
member of that shop may read the export (`export_for`); the file is never served from the
public media route.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import NotFound
from galleria.kernel.events import Event, Listener, emit, enqueue
from galleria.kernel.notifications.account import channel_for
from galleria.kernel.notifications.contracts import MERCHANT
from galleria.kernel.notifications.render import render_message
from galleria.kernel.plugins import JobSpec, PluginHost
from galleria.kernel.reports import exports
from galleria.kernel.reports.export_rows import report_rows
from galleria.kernel.reports.periods import Period
from galleria.kernel.reports.tables import ReportExport
from galleria.kernel.storage import storage
from galleria.kernel.tenancy.shops import get_shop_by_id, list_shops

log = logging.getLogger("galleria.reports")
EXPORT_JOB = "reports.export"
EXPIRE_SWEEP = "reports.expire_exports"
READY_TOPIC = "report.export_ready"
INLINE_ROWS = 5000  # a file with more rows than this is written in the background
KEEP_DAYS = 7
CHUNK = 500  # rows written between two progress updates
STATUSES = ("queued", "running", "ready", "failed", "expired")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite hands back naive UTC
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _params(row: dict[str, Any]) -> dict[str, Any]:
    value = row["params"]
    return json.loads(value) if isinstance(value, str) else dict(value or {})


async def start_export(tenant_id: int, *, user_id: int, email: str, report: str, fmt: str,
                       period: Period, group_by: str, headings: Sequence[str],
                       labels: dict[str, Any], title: str, origin: str = "",
                       locale: str = "") -> str:
    """Queue report `report`'s file for staff member `user_id`; returns its token."""
    if report not in exports.COLUMNS or fmt not in exports.FORMATS:
        raise ValueError(f"no export {report!r} as {fmt!r}")
    token = secrets.token_urlsafe(18)
    params = {"from": period.first.isoformat(), "to": period.last.isoformat(),
              "group_by": group_by, "headings": list(headings), "labels": labels,
              "origin": origin, "locale": locale}
    async with db.shop_scope(tenant_id):
        await ReportExport.insert(ReportExport(
            tenant=tenant_id, token=token, user_id=user_id, email=email, report=report,
            fmt=fmt, title=title[:200], params=json.dumps(params, ensure_ascii=False),
            filename=f"{report}-{period.first}-{period.last}.{fmt}"))
        await enqueue(tenant_id, EXPORT_JOB, tenant_id=tenant_id, token=token)
    return token


async def _set(tenant_id: int, token: str, values: dict[Any, Any]) -> None:
    async with db.shop_scope(tenant_id):
        await ReportExport.update(values).where(
            (ReportExport.tenant == tenant_id) & (ReportExport.token == token))


async def run_export(tenant_id: int, token: str) -> None:
    """The job: build the rows, write the file with its progress, keep it, tell the staff.
    A retry of a finished export does nothing; a retry of a failed one starts again."""
    shop = await get_shop_by_id(tenant_id)
    async with db.shop_scope(tenant_id):
        row = await ReportExport.select().where(
            (ReportExport.tenant == tenant_id) & (ReportExport.token == token)).first()
    if row is None or row["status"] in ("ready", "expired"):
        return
    params = _params(row)
    await _set(tenant_id, token, {ReportExport.status: "running", ReportExport.rows_done: 0})
    try:
        period = Period(dt.date.fromisoformat(params["from"]),
                        dt.date.fromisoformat(params["to"]))
        series = await report_rows(tenant_id, shop.timezone, row["report"], period,
                                   params.get("group_by") or "day", params.get("labels") or {})
        rows = exports.rows_of(row["report"], series, shop.currency)
        await _set(tenant_id, token, {ReportExport.rows_total: len(rows)})
        # Written a chunk at a time, the progress stored between chunks (own transactions).
        out = exports.open_file(row["fmt"], row["report"], params["headings"])
        for start in range(0, len(rows), CHUNK):
            for values in rows[start:start + CHUNK]:
                out.append(values)
            await _set(tenant_id, token, {ReportExport.rows_done: min(start + CHUNK,
                                                                          len(rows))})
        content = out.finish()
        key = f"reports/{tenant_id}/exports/{token}.{row['fmt']}"
        storage().put(key, content)
    except Exception:
        await _set(tenant_id, token, {ReportExport.status: "failed"})
        raise
    now = _now()
    async with db.shop_scope(tenant_id):
        await ReportExport.update({
            ReportExport.status: "ready", ReportExport.rows_done: len(rows),
            ReportExport.storage_key: key, ReportExport.finished_at: now,
            ReportExport.expires_at: now + dt.timedelta(days=KEEP_DAYS)}).where(
            (ReportExport.tenant == tenant_id) & (ReportExport.token == token))
        await emit(tenant_id, READY_TOPIC, {"token": token})


def export_view(row: dict[str, Any]) -> dict[str, Any]:
    total = row["rows_total"]
    params = _params(row)
    return {"token": row["token"], "report": row["report"], "format": row["fmt"],
            "from": params.get("from", ""), "to": params.get("to", ""),
            "title": row["title"], "status": row["status"], "rows_done": row["rows_done"],
            "rows_total": total,
            "percent": 100 if row["status"] == "ready" else
            (row["rows_done"] * 100 // total if total else 0),
            "filename": row["filename"], "created_at": _aware(row["created_at"]),
            "expires_at": _aware(row["expires_at"])}


async def exports_of(tenant_id: int, user_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """A staff member's exports in one shop, newest first (expired ones shown as such)."""
    async with db.shop_scope(tenant_id):
        rows = await ReportExport.select().where(
            (ReportExport.tenant == tenant_id) & (ReportExport.user_id == user_id)
        ).order_by(ReportExport.created_at, ascending=False).order_by(
            ReportExport.id, ascending=False).limit(limit)
    return [_expired_if_due(export_view(row)) for row in rows]


def _expired_if_due(view: dict[str, Any]) -> dict[str, Any]:
    if view["status"] == "ready" and view["expires_at"] and view["expires_at"] <= _now():
        return {**view, "status": "expired"}
    return view


async def export_for(tenant_id: int, user_id: int, token: str) -> dict[str, Any]:
    """The export `token` of this shop if `user_id` asked for it, else NotFound."""
    async with db.shop_scope(tenant_id):
        row = await ReportExport.select().where(
            (ReportExport.tenant == tenant_id) & (ReportExport.token == token)
            & (ReportExport.user_id == user_id)).first()
    if row is None:
        raise NotFound("no such export")
    return {**_expired_if_due(export_view(row)), "storage_key": row["storage_key"]}


def export_file(view: dict[str, Any]) -> bytes:
    return storage().get(view["storage_key"])


async def expire_exports(now: dt.datetime | None = None) -> int:
    """The sweep: delete the files of every shop's exports past their expiry."""
    now = now or _now()
    expired = 0
    for shop in await list_shops():
        async with db.shop_scope(shop.id):
            due = await ReportExport.select(ReportExport.token, ReportExport.storage_key).where(
                (ReportExport.tenant == shop.id) & (ReportExport.status == "ready")
                & (ReportExport.expires_at <= now))
        for row in due:
            try:
                storage().delete(row["storage_key"])
            except Exception:  # a file already gone is no reason to stop the sweep
                log.warning("export file %s could not be deleted", row["storage_key"])
            await _set(shop.id, row["token"], {ReportExport.status: "expired",
                                                ReportExport.storage_key: ""})
            expired += 1
    return expired


async def send_export_ready(event: Event, host: PluginHost) -> None:
    """Listener of report.export_ready: email the staff member the download's address."""
    token = event.payload.get("token")
    if event.tenant_id is None or not isinstance(token, str):
        return
    shop = await get_shop_by_id(event.tenant_id)
    async with db.shop_scope(shop.id):
        row = await ReportExport.select().where(
            (ReportExport.tenant == shop.id) & (ReportExport.token == token)).first()
    channel = await channel_for(host, shop, "email")
    if row is None or not row["email"] or channel is None:
        return  # the console's downloads list shows it all the same
    params = _params(row)
    origin = str(params.get("origin") or "").rstrip("/")
    message = render_message("report_export", MERCHANT, params.get("locale") or shop.locale, {
        "shop_name": shop.name, "title": row["title"], "rows": row["rows_total"],
        "days": KEEP_DAYS, "link": f"{origin}/console/reports/exports"},
        recipient=row["email"], topic=READY_TOPIC, html=channel.kind == "email")
    await channel.send(message)


async def _expire_sweep() -> None:
    await expire_exports()


JOBS = [JobSpec(EXPORT_JOB, run_export), JobSpec(EXPIRE_SWEEP, _expire_sweep)]
SWEEPS = [(EXPIRE_SWEEP, dt.timedelta(hours=1))]
LISTENERS = [Listener("reports.export_ready", READY_TOPIC, send_export_ready)]

__all__ = [
    "EXPORT_JOB",
    "INLINE_ROWS",
    "JOBS",
    "KEEP_DAYS",
    "LISTENERS",
    "SWEEPS",
    "expire_exports",
    "export_file",
    "export_for",
    "exports_of",
    "run_export",
    "send_export_ready",
    "start_export",
]
