"""Merchant admin API for reports: `GET /api/admin/v1/reports/{name}?from=&to=&group_by=`.

Every report answers `{"series": […], "totals": {…}, "previous": {…}}`: the period's rows
(by day, week or month in the shop's time zone), its totals and the totals of the period of
the same length just before it. Money is in minor units next to `currency`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.params import Parameter, QueryParameter

from galleria.kernel.errors import NotFound
from galleria.kernel.reports.breakdown import customers_report, methods_report
from galleria.kernel.reports.marketing import marketing_report
from galleria.kernel.reports.operations import fulfilment_report, refunds_report
from galleria.kernel.reports.overview import overview
from galleria.kernel.reports.periods import (
    Period,
    check_grouping,
    local_day,
    period_for,
    zone_of,
)
from galleria.kernel.reports.products import categories_report, products_report
from galleria.kernel.reports.returns import returns_report
from galleria.kernel.reports.sales import sales_report
from galleria.kernel.reports.stock import stock_report
from galleria.kernel.tenancy.shops import Shop
from galleria.web.deps import provide_admin, require_scope
from galleria.web.openapi import Problem
from galleria.web.problems import PROBLEM_JSON

REPORTS = ("overview", "sales", "products", "payment_methods", "shipping_methods",
           "customers", "stock", "fulfilment", "refunds", "categories", "returns", "marketing")


class ReportAnswer(msgspec.Struct, omit_defaults=True):
    """One report: its rows, their totals and the previous period's totals (`products`
    adds its slow sellers and the products never sold in the period; `returns` adds its
    returns and cancellations grouped by kind and reason; `marketing` adds its cost and the
    sales it brought per source)."""

    name: str
    currency: str
    period: dict[str, Any]  # {"from", "to", "group_by"} and the previous {"from", "to"}
    series: list[dict[str, Any]]
    totals: dict[str, Any]
    previous: dict[str, Any]
    slow: list[dict[str, Any]] | None = None
    never_sold: list[dict[str, Any]] | None = None
    near_expiry: list[dict[str, Any]] | None = None
    by_reason: list[dict[str, Any]] | None = None
    sources: list[dict[str, Any]] | None = None


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=description,
                        media_type=PROBLEM_JSON, generate_examples=False)


PROBLEMS = {
    400: _problem("A query parameter of the wrong type"),
    401: _problem("No API token, or not one of this shop"),
    403: _problem("The token lacks the reports:read scope"),
    404: _problem("No report of that name"),
    422: _problem("A bad date, range or grouping (errors name the field)"),
}


def _period_view(period: Period) -> dict[str, str]:
    return {"from": period.first.isoformat(), "to": period.last.isoformat()}


async def build_report(shop: Shop, name: str, period: Period,
                       group_by: str) -> ReportAnswer:
    if name == "overview":
        figures = await overview(shop.id, shop.timezone, period)
        return ReportAnswer(
            name=name, currency=shop.currency,
            period={**_period_view(period), "group_by": group_by,
                    "previous": _period_view(period.previous())},
            series=[], totals=figures["current"],
            previous={**figures["previous"], "change": figures["change"]})
    if name == "sales":
        report = await sales_report(shop.id, period, group_by)
        return ReportAnswer(
            name=name, currency=shop.currency,
            period={**_period_view(period), "group_by": group_by,
                    "previous": _period_view(period.previous())},
            series=report["series"], totals=report["totals"], previous=report["previous"])
    if name == "products":
        report = await products_report(shop.id, shop.timezone, period)
        return ReportAnswer(
            name=name, currency=shop.currency,
            period={**_period_view(period), "group_by": group_by,
                    "previous": _period_view(period.previous())},
            series=report["series"],
            totals=report["totals"], previous=report["previous"],
            slow=report["slow"], never_sold=report["never_sold"])
    if name in ("payment_methods", "shipping_methods", "customers", "fulfilment", "refunds",
                "categories"):
        if name in ("payment_methods", "shipping_methods"):
            report = await methods_report(shop.id, shop.timezone, period, name[:-1])
        else:
            report = await {"customers": customers_report, "fulfilment": fulfilment_report,
                            "refunds": refunds_report, "categories": categories_report,
                            }[name](shop.id, shop.timezone, period)
        return ReportAnswer(
            name=name, currency=shop.currency,
            period={**_period_view(period), "group_by": group_by,
                    "previous": _period_view(period.previous())},
            series=report["series"], totals=report["totals"], previous=report["previous"])
    if name == "returns":
        report = await returns_report(shop.id, shop.timezone, period, group_by)
        return ReportAnswer(
            name=name, currency=shop.currency,
            period={**_period_view(period), "group_by": group_by,
                    "previous": _period_view(period.previous())},
            series=report["series"], totals=report["totals"], previous=report["previous"],
            by_reason=report["by_reason"])
    if name == "marketing":
        report = await marketing_report(shop.id, shop.timezone, period, group_by)
        return ReportAnswer(
            name=name, currency=shop.currency,
            period={**_period_view(period), "group_by": group_by,
                    "previous": _period_view(period.previous())},
            series=report["series"], totals=report["totals"], previous=report["previous"],
            sources=report["sources"])
    if name == "stock":  # stock now; `previous` is empty (no history of stock levels)
        report = await stock_report(shop.id, shop.timezone, period)
        return ReportAnswer(
            name=name, currency=shop.currency,
            period={**_period_view(period), "group_by": group_by,
                    "previous": _period_view(period.previous())},
            series=report["series"], totals=report["totals"], previous={},
            near_expiry=report["near_expiry"])
    raise NotFound(f"No report named {name!r}; there are: {', '.join(REPORTS)}")


class AdminReportsApi(Controller):
    path = "/api/admin/v1/reports"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/{name:str}", operation_id="getReport", responses=PROBLEMS)
    async def report(
        self, request: Request, shop: Shop, actor: str,
        name: Annotated[str, Parameter(max_length=40, description=" | ".join(REPORTS))],
        range_name: Annotated[str | None, QueryParameter(
            name="range", max_length=10,
            description="today | yesterday | 7d | 30d (default), when from/to are absent")
        ] = None,
        first: Annotated[str | None, QueryParameter(
            name="from", max_length=10, description="first day, YYYY-MM-DD, shop time")] = None,
        last: Annotated[str | None, QueryParameter(
            name="to", max_length=10, description="last day (included), YYYY-MM-DD")] = None,
        group_by: Annotated[str | None, Parameter(max_length=10,
                                                  description="day | week | month")] = None,
    ) -> ReportAnswer:
        """A report of this shop for a period (`from`..`to` inclusive, shop-local dates,
        or a named `range`), grouped by `group_by`, with the previous period's totals."""
        require_scope(request, "reports:read")
        if name not in REPORTS:
            raise NotFound(f"No report named {name!r}; there are: {', '.join(REPORTS)}")
        today = local_day(dt.datetime.now(dt.UTC), zone_of(shop.timezone))
        period = period_for(range_name, first, last, today)
        return await build_report(shop, name, period, check_grouping(group_by))
