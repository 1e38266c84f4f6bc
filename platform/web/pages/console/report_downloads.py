"""Report files from the console: `/console/reports/export` answers a small file at once and
hands a large one (over `INLINE_ROWS` rows, or when the staff member asks for it with
`background=1`) to a background job; `/console/reports/exports` lists the staff member's
background files with their progress (a `<progress>` bar, refreshed by `static/exports.js`
from `…/status`, or by the page's own refresh without JavaScript) and their download links.

The words of the file (headings, method names, reason titles) are translated here, in the
staff member's language, and given to the kernel (`export_rows`, `export_jobs`), which has
no catalogs. A file is the shop's and the staff member's: another staff member, or another
shop, gets 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Redirect

from galleria.kernel.errors import DomainError, NotFound, ValidationFailed
from galleria.kernel.reports import export_jobs, exports
from galleria.kernel.reports.export_rows import report_rows
from galleria.kernel.reports.periods import Period, check_grouping
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.i18n import N_
from galleria.web.pages.console.report_exports import export_labels
from galleria.web.pages.console.report_figures import chosen_period, dates_text
from galleria.web.pages.console.shell import console_page, require_staff, staff_of
from galleria.web.pages.render import gettext_for, request_locale

REPORT_TITLES = {"sales": N_("Sales over time"), "products": N_("Sales by product"),
                 "categories": N_("Sales by category"), "payment_methods": N_("Payment methods"),
                 "shipping_methods": N_("Shipping methods"), "customers": N_("Top customers"),
                 "stock": N_("Stock"), "refunds": N_("Refunds by reason"),
                 "returns": N_("Returns and cancellations"),
                 "marketing": N_("Marketing cost")}
STATUS_TITLES = {"queued": N_("Waiting to start"), "running": N_("Being written"),
                 "ready": N_("Ready"), "failed": N_("Failed, trying again"),
                 "expired": N_("Expired")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


def _status_view(view: dict[str, Any], translate: Any) -> dict[str, Any]:
    return {"token": view["token"], "status": view["status"],
            "status_title": translate(STATUS_TITLES[view["status"]]),
            "rows_done": view["rows_done"], "rows_total": view["rows_total"],
            "percent": view["percent"],
            "download": f"/console/reports/exports/{view['token']}/download"
            if view["status"] == "ready" else None}


def _dates(view: dict[str, Any], locale: str) -> str:
    try:
        period = Period(dt.date.fromisoformat(view["from"]), dt.date.fromisoformat(view["to"]))
    except (TypeError, ValueError):
        return f"{view['from']} – {view['to']}"
    return dates_text(period, locale)


class ReportDownloads(Controller):
    path = "/"
    guards = [require_staff]

    @get("/reports/export", name="console:reports-export")
    async def export(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        """`?report=<name>&format=csv|xlsx` with the page's period (and grouping);
        `background=1`, or a file over INLINE_ROWS rows, is written by a job."""
        translate = gettext_for(request)
        name = request.query_params.get("report") or "sales"
        fmt = request.query_params.get("format") or "csv"
        if name not in exports.COLUMNS or fmt not in exports.FORMATS:
            raise ValidationFailed(f"report is one of {', '.join(exports.COLUMNS)}; "
                                   "format is csv or xlsx")
        period, _chosen, _note = chosen_period(request, shop)
        try:
            group_by = check_grouping(request.query_params.get("group_by"))
        except DomainError:
            group_by = "day"
        labels = await export_labels(shop, runtime, translate)
        header = [translate(title) for _key, title, _money in exports.COLUMNS[name]]
        rows: list[list[Any]] = []
        if request.query_params.get("background") != "1":
            series = await report_rows(shop.id, shop.timezone, name, period, group_by, labels)
            rows = exports.rows_of(name, series, shop.currency)
        if request.query_params.get("background") == "1" or len(rows) > export_jobs.INLINE_ROWS:
            staff = staff_of(request)
            title = f"{translate(REPORT_TITLES[name])} {period.first}–{period.last}"
            await export_jobs.start_export(
                shop.id, user_id=staff["user_id"], email=str(staff.get("email") or ""),
                report=name, fmt=fmt, period=period, group_by=group_by, headings=header,
                labels=labels, title=title, origin=str(request.base_url).rstrip("/"),
                locale=request_locale(request, shop))
            return Redirect("/console/reports/exports", status_code=303)
        filename = f"{name}-{shop.slug}-{period.first}-{period.last}.{fmt}"
        content = (exports.write_csv(header, rows) if fmt == "csv"
                   else exports.write_xlsx(name, header, rows))
        return Response(content, media_type=MEDIA[fmt], headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store"})

    @get("/reports/exports", name="console:reports-exports")
    async def downloads(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        translate = gettext_for(request)
        locale = request_locale(request, shop)
        # Titled in the page's language, whatever language the file was asked for in, with
        # its dates as the report pages write them (2026年11月7日 – 2026年12月6日).
        items = [{**view, **_status_view(view, translate),
                  "title": f"{translate(REPORT_TITLES[view['report']])} "
                           f"{_dates(view, locale)}"}
                 for view in await export_jobs.exports_of(shop.id, staff_of(request)["user_id"])
                 if view["report"] in REPORT_TITLES]
        return await console_page(
            request, runtime, "console/report_exports.html", "reports", items=items,
            working=any(item["status"] in ("queued", "running") for item in items),
            keep_days=export_jobs.KEEP_DAYS, report_tab="exports")

    @get("/reports/exports/{token:str}/status", name="console:reports-export-status")
    async def status(self, request: Request, shop: Shop, token: str) -> Response:
        """The export's progress as JSON, for the downloads page to poll."""
        view = await export_jobs.export_for(shop.id, staff_of(request)["user_id"], token)
        return Response(_status_view(view, gettext_for(request)),
                        headers={"Cache-Control": "no-store"})

    @get("/reports/exports/{token:str}/download", name="console:reports-export-download")
    async def download(self, request: Request, shop: Shop, token: str) -> Response:
        view = await export_jobs.export_for(shop.id, staff_of(request)["user_id"], token)
        if view["status"] != "ready":
            raise NotFound("this export is not ready, or it has expired")
        return Response(export_jobs.export_file(view), media_type=MEDIA[view["format"]],
                        headers={"Content-Disposition":
                                 f'attachment; filename="{view["filename"]}"',
                                 "Cache-Control": "no-store"})


__all__ = ["REPORT_TITLES", "ReportDownloads"]
