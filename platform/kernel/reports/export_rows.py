"""The rows of each report's file, as its page shows them (method and customer names rather
than codes and ids), in the kernel so that a background export (`export_jobs`) builds them
as the request does.

Words are not the kernel's: the caller (the console, in the staff member's language) gives
them already translated in `labels`, a JSON-able dict that travels with a background job:
`no_category`, `none`, `other_method`, `no_reason`, `customer` ("Customer #%(id)s"),
`kinds`, `reasons` and `sources` (code → title), `other_source`, `payment_methods` and
`shipping_methods` (code → name).
"""

from __future__ import annotations

from typing import Any

from galleria.kernel import db
from galleria.kernel.customers.tables import Customer
from galleria.kernel.reports.breakdown import customers_report, methods_report
from galleria.kernel.reports.marketing import marketing_report
from galleria.kernel.reports.operations import refunds_report
from galleria.kernel.reports.periods import Period
from galleria.kernel.reports.products import categories_report, products_report
from galleria.kernel.reports.returns import returns_report
from galleria.kernel.reports.sales import sales_report
from galleria.kernel.reports.stock import stock_report


async def customer_names(tenant_id: int, rows: list[dict[str, Any]],
                         unnamed: str) -> list[dict[str, Any]]:
    """`rows` with each customer's name (or phone, or email, or `unnamed % {"id": id}`)."""
    ids = [row["customer"] for row in rows]
    async with db.shop_scope(tenant_id):
        known = {row["id"]: row["name"] or row["phone"] or row["email"] or ""
                 for row in await Customer.select(
                     Customer.id, Customer.name, Customer.phone, Customer.email).where(
                     (Customer.tenant == tenant_id) & Customer.id.is_in(ids or [0]))}
    return [{**row, "name": known.get(row["customer"]) or unnamed % {"id": row["customer"]}}
            for row in rows]


def reason_rows(rows: list[dict[str, Any]], labels: dict[str, Any]) -> list[dict[str, Any]]:
    """The returns report's reasons as people read them: a return's reason code translated,
    a cancellation's words as given."""
    reasons = labels.get("reasons", {})

    def title(row: dict[str, Any]) -> str:
        if row["kind"] == "return" and row["reason"] in reasons:
            return reasons[row["reason"]]
        return row["reason"] or labels.get("no_reason", "")
    return [{**row, "kind_title": labels.get("kinds", {}).get(row["kind"], row["kind"]),
             "reason_title": title(row)} for row in rows]


async def report_rows(tenant_id: int, timezone: str, name: str, period: Period,
                      group_by: str, labels: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of report `name`'s file (keys as in `exports.COLUMNS[name]`)."""
    if name == "sales":
        return (await sales_report(tenant_id, period, group_by))["series"]
    if name == "products":
        return (await products_report(tenant_id, timezone, period))["series"]
    if name == "categories":
        rows = (await categories_report(tenant_id, timezone, period))["series"]
        return [{**row, "name": row["name"] or labels.get("no_category", "")} for row in rows]
    if name in ("payment_methods", "shipping_methods"):
        names = labels.get(name, {})
        rows = (await methods_report(tenant_id, timezone, period, name[:-1]))["series"]
        return [{**row, "name": names.get(row["method"]) or (
            labels.get("none", "") if not row["method"] else labels.get("other_method", ""))}
            for row in rows]
    if name == "customers":
        rows = (await customers_report(tenant_id, timezone, period))["series"]
        return await customer_names(tenant_id, rows, labels.get("customer", "#%(id)s"))
    if name == "stock":
        return (await stock_report(tenant_id, timezone, period))["series"]
    if name == "marketing":
        titles = labels.get("sources", {})
        rows = (await marketing_report(tenant_id, timezone, period, group_by))["sources"]
        return [{**row, "source_title": titles.get(row["source"]) or labels.get(
            "other_source", row["source"])} for row in rows]
    if name == "returns":
        rows = (await returns_report(tenant_id, timezone, period))["by_reason"]
        return reason_rows(rows, labels)
    rows = (await refunds_report(tenant_id, timezone, period))["series"]
    return [{**row, "reason": row["reason"] or labels.get("no_reason", "")} for row in rows]


__all__ = ["customer_names", "reason_rows", "report_rows"]
