"""The rows each report's file holds, as its page shows them (method and customer names
rather than codes and ids)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from galleria.kernel.errors import DomainError
from galleria.kernel.reports.breakdown import customers_report, methods_report
from galleria.kernel.reports.operations import refunds_report
from galleria.kernel.reports.periods import Period, check_grouping
from galleria.kernel.reports.products import categories_report, products_report
from galleria.kernel.reports.returns import returns_report
from galleria.kernel.reports.sales import sales_report
from galleria.kernel.reports.stock import stock_report
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.i18n import N_
from galleria.web.methods import method_names
from galleria.web.pages.console.reports_people import customer_names
from galleria.web.pages.render import gettext_for
from galleria.web.pages.return_views import REASON_TITLES

KIND_TITLES = {"return": N_("Return or exchange"), "cancellation": N_("Cancelled before shipping")}


def reason_rows(rows: list[dict[str, Any]], translate: Any) -> list[dict[str, Any]]:
    """The returns report's reasons as people read them: a return's reason code translated,
    a cancellation's words as given."""
    def title(row: dict[str, Any]) -> str:
        if row["kind"] == "return" and row["reason"] in REASON_TITLES:
            return translate(REASON_TITLES[row["reason"]])
        return row["reason"] or translate("No reason given")
    return [{**row, "kind_title": translate(KIND_TITLES[row["kind"]]), "reason_title": title(row)}
            for row in rows]


async def export_series(request: Request, shop: Shop, runtime: Runtime, name: str,
                        period: Period) -> list[dict[str, Any]]:
    translate = gettext_for(request)
    if name == "sales":
        try:
            group_by = check_grouping(request.query_params.get("group_by"))
        except DomainError:
            group_by = "day"
        return (await sales_report(shop.id, period, group_by))["series"]
    if name == "products":
        return (await products_report(shop.id, shop.timezone, period))["series"]
    if name == "categories":
        rows = (await categories_report(shop.id, shop.timezone, period))["series"]
        return [{**row, "name": row["name"] or translate("No category")} for row in rows]
    if name in ("payment_methods", "shipping_methods"):
        known = await method_names(shop, runtime)
        names = known.payment if name == "payment_methods" else known.shipping
        rows = (await methods_report(shop.id, shop.timezone, period, name[:-1]))["series"]
        return [{**row, "name": names.get(row["method"]) or (
            translate("None") if not row["method"] else translate("Other method"))}
            for row in rows]
    if name == "customers":
        rows = (await customers_report(shop.id, shop.timezone, period))["series"]
        return await customer_names(shop, rows, translate)
    if name == "stock":
        return (await stock_report(shop.id, shop.timezone, period))["series"]
    if name == "returns":
        rows = (await returns_report(shop.id, shop.timezone, period))["by_reason"]
        return reason_rows(rows, translate)
    rows = (await refunds_report(shop.id, shop.timezone, period))["series"]
    return [{**row, "reason": row["reason"] or translate("No reason given")} for row in rows]
