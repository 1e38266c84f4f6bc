"""The console's operations report, `/console/reports/operations`: stock as money and days
of cover, lots near expiry, fulfilment times and refunds by reason, with a chart of the
stock's value and the same figures as tables."""

from __future__ import annotations

from babel.numbers import format_decimal
from litestar import Controller, Request, Response, Router, get

from galleria.kernel.reports.operations import fulfilment_report, refunds_report
from galleria.kernel.reports.stock import EXPIRY_DAYS, stock_report
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
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


reports_operations_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[OperationsReportPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["reports_operations_router"]
