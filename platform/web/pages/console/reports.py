"""The console's report pages under `/console/reports` (the overview is the dashboard's).

Each shows its figures in the page's language (yuan with two decimals, dates in the shop's
time zone) as a chart drawn by `static/reports.js` with Apache ECharts from a
`<script type="application/json">` block (the CSP forbids inline scripts), and as a table
with the same figures for screen readers and printing.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from litestar import Controller, Request, Response, Router, get

from galleria.kernel.errors import DomainError
from galleria.kernel.reports.periods import RANGES, check_grouping
from galleria.kernel.reports.products import categories_report, products_report
from galleria.kernel.reports.sales import sales_report
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.pages.console.report_downloads import ReportDownloads
from galleria.web.pages.console.report_figures import (
    GROUP_TITLES,
    RANGE_TITLES,
    chosen_period,
    dates_text,
)
from galleria.web.pages.console.shell import LoginRequired, console_page, require_staff, to_login
from galleria.web.pages.render import gettext_for, request_locale


def period_label(day: str, group_by: str, locale: str) -> str:
    date = dt.date.fromisoformat(day)
    if group_by == "month":
        return format_date(date, "yyyy年M月" if locale == "zh_CN" else "MMM yyyy", locale=locale)
    if group_by == "week":
        return format_date(date, "M月d日起" if locale == "zh_CN" else "'w/c' d MMM",
                           locale=locale)
    return format_date(date, "M月d日" if locale == "zh_CN" else "d MMM", locale=locale)


class ReportPages(Controller):
    path = "/"
    guards = [require_staff]

    @get("/reports", name="console:reports")
    async def sales(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        locale = request_locale(request, shop)
        translate = gettext_for(request)
        period, chosen, note = chosen_period(request, shop)
        try:
            group_by = check_grouping(request.query_params.get("group_by"))
        except DomainError:
            group_by = "day"
        report = await sales_report(shop.id, period, group_by)
        rows = [{"label": period_label(row["period"], group_by, locale),
                 "orders": row["paid_orders"], "sales": row["sales"],
                 "paid_total": row["paid_total"], "refunded_total": row["refunded_total"]}
                for row in report["series"]]
        chart = {"kind": "sales", "currency": shop.currency, "locale": locale,
                 "labels": [row["label"] for row in rows],
                 "series": [{"name": translate("Sales (yuan)"), "type": "bar",
                             "minor": [row["sales"] for row in rows]},
                            {"name": translate("Orders paid"), "type": "line", "axis": 1,
                             "values": [row["orders"] for row in rows]}]}
        return await console_page(
            request, runtime, "console/reports.html", "reports",
            rows=rows, totals=report["totals"], previous=report["previous"], chart=chart,
            chosen=chosen, group_by=group_by, note=translate(note) if note else "",
            ranges=[{"key": key, "title": translate(RANGE_TITLES[key])} for key in RANGES],
            groupings=[{"key": key, "title": translate(t)} for key, t in GROUP_TITLES.items()],
            dates=dates_text(period, locale), previous_dates=dates_text(period.previous(), locale),
            currency=shop.currency)


    @get("/reports/products", name="console:reports-products")
    async def products(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        locale = request_locale(request, shop)
        translate = gettext_for(request)
        period, chosen, note = chosen_period(request, shop)
        report = await products_report(shop.id, shop.timezone, period)
        categories = await categories_report(shop.id, shop.timezone, period)
        best = report["series"][:10]
        chart = {"kind": "products", "currency": shop.currency, "locale": locale,
                 "labels": [row["name"] for row in best],
                 "series": [{"name": translate("Sales (yuan)"), "type": "bar",
                             "minor": [row["revenue"] for row in best]},
                            {"name": translate("Units sold"), "type": "bar", "axis": 1,
                             "values": [row["quantity"] for row in best]}]}
        return await console_page(
            request, runtime, "console/reports_products.html", "reports",
            report=report, best=best, chart=chart, chosen=chosen, categories=categories,
            note=translate(note) if note else "",
            ranges=[{"key": key, "title": translate(RANGE_TITLES[key])} for key in RANGES],
            dates=dates_text(period, locale), previous_dates=dates_text(period.previous(), locale),
            currency=shop.currency)


reports_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[ReportPages, ReportDownloads],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["reports_console_router"]
