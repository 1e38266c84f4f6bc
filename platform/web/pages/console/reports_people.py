"""The console's reports on who paid and how: `/console/reports/customers` (new and
returning customers, repeat rate, top customers) and `/console/reports/methods` (payment and
shipping methods used), each with a chart and the same figures as tables."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get

from galleria.kernel.reports import export_rows
from galleria.kernel.reports.breakdown import customers_report, methods_report
from galleria.kernel.reports.periods import RANGES
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.methods import method_names
from galleria.web.pages.console.report_figures import (
    RANGE_TITLES,
    chosen_period,
    dates_text,
    show,
)
from galleria.web.pages.console.shell import LoginRequired, console_page, require_staff, to_login
from galleria.web.pages.render import gettext_for, request_locale


async def customer_names(shop: Shop, rows: list[dict[str, Any]],
                         translate: Any) -> list[dict[str, Any]]:
    """`rows` with each customer's name (or phone, or email, or "Customer #id")."""
    return await export_rows.customer_names(shop.id, rows, translate("Customer #%(id)s"))


def common_context(request: Request, shop: Shop) -> tuple[Any, dict[str, Any]]:
    locale = request_locale(request, shop)
    translate = gettext_for(request)
    period, chosen, note = chosen_period(request, shop)
    return period, {
        "chosen": chosen, "note": translate(note) if note else "",
        "ranges": [{"key": key, "title": translate(RANGE_TITLES[key])} for key in RANGES],
        "dates": dates_text(period, locale),
        "previous_dates": dates_text(period.previous(), locale), "currency": shop.currency}


class PeopleReportPages(Controller):
    path = "/reports"
    guards = [require_staff]

    @get("/customers", name="console:reports-customers")
    async def customers(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        translate = gettext_for(request)
        locale = request_locale(request, shop)
        period, context = common_context(request, shop)
        report = await customers_report(shop.id, shop.timezone, period)
        top = await customer_names(shop, report["series"], translate)
        totals, previous = report["totals"], report["previous"]
        chart = {"kind": "customers", "currency": shop.currency, "locale": locale,
                 "labels": [translate("New customers"), translate("Returning customers"),
                            translate("Guest orders")],
                 "series": [{"name": translate("This period"), "type": "bar", "axis": 1,
                             "values": [totals["new_customers"],
                                        totals["returning_customers"],
                                        totals["guest_orders"]]},
                            {"name": translate("Previous period"), "type": "bar", "axis": 1,
                             "values": [previous["new_customers"],
                                        previous["returning_customers"],
                                        previous["guest_orders"]]}]}
        return await console_page(
            request, runtime, "console/reports_customers.html", "reports", top=top,
            totals=totals, previous=previous, chart=chart, report_tab="customers",
            repeat_rate=show(totals["repeat_rate"], "percent", shop.currency, locale),
            previous_repeat_rate=show(previous["repeat_rate"], "percent", shop.currency,
                                      locale), **context)

    @get("/methods", name="console:reports-methods")
    async def methods(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        translate = gettext_for(request)
        locale = request_locale(request, shop)
        period, context = common_context(request, shop)
        names_of = await method_names(shop, runtime)
        payment_names, shipping_names = names_of.payment, names_of.shipping
        tables = []
        for column, title, names in (
                ("payment_method", translate("Payment methods"), payment_names),
                ("shipping_method", translate("Shipping methods"), shipping_names)):
            report = await methods_report(shop.id, shop.timezone, period, column)
            rows = [{**row, "name": names.get(row["method"]) or (
                translate("None") if not row["method"] else translate("Other method"))}
                for row in report["series"]]
            tables.append({"key": column, "title": title, "rows": rows,
                           "totals": report["totals"]})
        payments = tables[0]["rows"]
        chart = {"kind": "methods", "currency": shop.currency, "locale": locale,
                 "labels": [row["name"] for row in payments],
                 "series": [{"name": translate("Sales (yuan)"), "type": "bar",
                             "minor": [row["paid_total"] for row in payments]},
                            {"name": translate("Orders paid"), "type": "bar", "axis": 1,
                             "values": [row["orders"] for row in payments]}]}
        return await console_page(
            request, runtime, "console/reports_methods.html", "reports", tables=tables,
            chart=chart, report_tab="methods", **context)


reports_people_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[PeopleReportPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["reports_people_router"]
