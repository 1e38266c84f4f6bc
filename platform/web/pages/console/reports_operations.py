"""The console's operations reports: `/console/reports/operations` (stock as money and days
of cover, lots near expiry, fulfilment times and refunds by reason, with a chart of the
stock's value) and `/console/reports/returns` (returns and cancellations over time and by
reason), each with the same figures as tables."""

from __future__ import annotations

from babel.numbers import format_decimal
from litestar import Controller, Request, Response, Router, get

from galleria.kernel.errors import DomainError
from galleria.kernel.reports.operations import fulfilment_report, refunds_report
from galleria.kernel.reports.periods import check_grouping
from galleria.kernel.reports.returns import returns_report
from galleria.kernel.reports.stock import EXPIRY_DAYS, stock_report
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.report_exports import reason_rows
from galleria.web.pages.console.report_figures import GROUP_TITLES
from galleria.web.pages.console.reports import period_label
from galleria.web.pages.console.reports_people import common_context
from galleria.web.pages.console.shell import LoginRequired, console_page, require_staff, to_login
from galleria.web.pages.render import gettext_for, request_locale

STAGES = (("payment_to_shipment", N_("Payment to shipment")),
          ("shipment_to_delivery", N_("Shipment to delivery")),
          ("payment_to_delivery", N_("Payment to delivery")))


class OperationsReportPages(Controller):
    path = "/reports"
    guards = [require_staff]

    @get("/operations", name="console:reports-operations")
    async def operations(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        translate = gettext_for(request)
        locale = request_locale(request, shop)
        period, context = common_context(request, shop)
        stock = await stock_report(shop.id, shop.timezone, period)
        times = await fulfilment_report(shop.id, shop.timezone, period)
        refunds = await refunds_report(shop.id, shop.timezone, period)

        def hours(value: float | None) -> str:
            return "—" if value is None else format_decimal(value, "#,##0.0", locale=locale)

        stages = [{"title": translate(title), "count": times["totals"][key]["count"],
                   "average": hours(times["totals"][key]["average_hours"]),
                   "median": hours(times["totals"][key]["median_hours"]),
                   "previous": hours(times["previous"][key]["median_hours"])}
                  for key, title in STAGES]
        rows = [{**row, "cover": "—" if row["days_of_cover"] is None else
                 format_decimal(row["days_of_cover"], "#,##0.0", locale=locale),
                 "turns": "—" if row["turnover"] is None else
                 format_decimal(row["turnover"], "#,##0.00", locale=locale)}
                for row in stock["series"]]
        top = stock["series"][:10]
        chart = {"kind": "stock", "currency": shop.currency, "locale": locale,
                 "labels": [row["sku"] for row in top],
                 "series": [{"name": translate("Stock value at retail (yuan)"), "type": "bar",
                             "minor": [row["retail_value"] for row in top]},
                            {"name": translate("Units on hand"), "type": "bar", "axis": 1,
                             "values": [row["on_hand"] for row in top]}]}
        return await console_page(
            request, runtime, "console/reports_operations.html", "reports",
            report_tab="operations", stock=stock, rows=rows, stages=stages, refunds=refunds,
            chart=chart, expiry_days=EXPIRY_DAYS, **context)

    @get("/returns", name="console:reports-returns")
    async def returns(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        translate = gettext_for(request)
        locale = request_locale(request, shop)
        period, context = common_context(request, shop)
        try:
            group_by = check_grouping(request.query_params.get("group_by"))
        except DomainError:
            group_by = "day"
        report = await returns_report(shop.id, shop.timezone, period, group_by)
        rows = [{**row, "label": period_label(row["period"], group_by, locale)}
                for row in report["series"]]
        chart = {"kind": "returns", "currency": shop.currency, "locale": locale,
                 "labels": [row["label"] for row in rows],
                 "series": [{"name": translate("Refund amount (yuan)"), "type": "bar",
                             "minor": [row["amount"] for row in rows]},
                            {"name": translate("Returns and cancellations"), "type": "line",
                             "axis": 1, "values": [row["returns"] + row["exchanges"]
                                                   + row["cancellations"] for row in rows]}]}
        return await console_page(
            request, runtime, "console/reports_returns.html", "reports",
            report_tab="returns", rows=rows, totals=report["totals"],
            previous=report["previous"], reasons=reason_rows(report["by_reason"], translate),
            chart=chart, group_by=group_by,
            groupings=[{"key": key, "title": translate(t)} for key, t in GROUP_TITLES.items()],
            **context)


reports_operations_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[OperationsReportPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["reports_operations_router"]
