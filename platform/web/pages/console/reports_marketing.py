"""The console's marketing cost report, `/console/reports/marketing`: what coupons,
promotions, flash sales, points and gifts cost against the sales they brought, per source
and over time, with the previous period — a chart and the same figures as tables."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get

from galleria.kernel.errors import DomainError
from galleria.kernel.reports.marketing import marketing_report
from galleria.kernel.reports.periods import check_grouping
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.pages.console.report_exports import SOURCE_TITLES
from galleria.web.pages.console.report_figures import GROUP_TITLES, show
from galleria.web.pages.console.reports import period_label
from galleria.web.pages.console.reports_people import common_context
from galleria.web.pages.console.shell import LoginRequired, console_page, require_staff, to_login
from galleria.web.pages.render import gettext_for, request_locale


def source_title(source: str, translate: Any) -> str:
    title = SOURCE_TITLES.get(source)
    return translate(title) if title else translate("Other discount")


class MarketingReportPages(Controller):
    path = "/reports"
    guards = [require_staff]

    @get("/marketing", name="console:reports-marketing")
    async def marketing(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        translate = gettext_for(request)
        locale = request_locale(request, shop)
        period, context = common_context(request, shop)
        try:
            group_by = check_grouping(request.query_params.get("group_by"))
        except DomainError:
            group_by = "day"
        report = await marketing_report(shop.id, shop.timezone, period, group_by)
        rows = [{**row, "label": period_label(row["period"], group_by, locale),
                 "cost_rate_text": show(row["cost_rate"], "percent", shop.currency, locale)}
                for row in report["series"]]
        previous_cost = {row["source"]: row["cost"] for row in report["previous"]["sources"]}
        sources = [{**row, "title": source_title(row["source"], translate),
                    "previous_cost": previous_cost.get(row["source"], 0),
                    "cost_rate_text": show(row["cost_rate"], "percent", shop.currency, locale),
                    "sales_per_cost_text": "—" if row["sales_per_cost"] is None else
                    show(row["sales_per_cost"], "count", shop.currency, locale)}
                   for row in report["sources"]]
        totals, previous = report["totals"], report["previous"]
        chart = {"kind": "marketing", "currency": shop.currency, "locale": locale,
                 "labels": [row["label"] for row in rows],
                 "series": [{"name": translate("Marketing cost (yuan)"), "type": "bar",
                             "minor": [row["cost"] for row in rows]},
                            {"name": translate("Sales they brought (yuan)"), "type": "line",
                             "minor": [row["sales"] for row in rows]}]}
        return await console_page(
            request, runtime, "console/reports_marketing.html", "reports",
            report_tab="marketing", rows=rows, sources=sources, totals=totals,
            previous=previous, chart=chart, group_by=group_by,
            cost_rate=show(totals["cost_rate"], "percent", shop.currency, locale),
            previous_cost_rate=show(previous["cost_rate"], "percent", shop.currency, locale),
            share=show(totals["share_of_sales"], "percent", shop.currency, locale),
            groupings=[{"key": key, "title": translate(t)} for key, t in GROUP_TITLES.items()],
            **context)


reports_marketing_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[MarketingReportPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["reports_marketing_router", "source_title"]
