"""`/console/orders/import`: orders from other platforms, uploaded as a file (CSV or XLSX in
the generic format or 有赞's order export; docs/orders-import.md). The report lists every
order of the file: imported, imported before (nothing changes: a file uploaded twice
creates nothing new), refused for short stock (naming the SKUs), invalid or skipped."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import UploadFile

from galleria.kernel import db
from galleria.kernel.checkout import order_import
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for

OUTCOMES = {order_import.CREATED: (N_("Imported"), "success"),
            order_import.EXISTS: (N_("Imported before"), ""),
            order_import.REFUSED: (N_("Not enough stock"), "danger"),
            order_import.INVALID: (N_("Cannot be read"), "danger"),
            order_import.SKIPPED: (N_("Skipped: not to ship"), "")}
FORMATS = {order_import.GENERIC: N_("Generic order file"),
           order_import.YOUZAN: N_("Youzan order export")}
NO_FILE = N_("Choose a CSV or Excel file")
COLUMNS = {"external_id": N_("External order number"), "sku": N_("SKU"),
           "quantity": N_("Quantity"), "unit_price": N_("Price"),
           "shipping_fee": N_("Shipping"), "paid_amount": N_("Amount paid"),
           "paid": N_("Paid"), "discount": N_("Discount"), "status": N_("Status"),
           "name": N_("Recipient"), "phone": N_("Phone"), "province": N_("Province"),
           "city": N_("City"), "district": N_("District"), "line1": N_("Street and number"),
           "payment_method": N_("Payment method"), "note": N_("Note")}
BAD_CELL = N_("%(column)s “%(value)s” cannot be used")
BAD_COLUMN = N_("%(column)s is missing or cannot be used")
NOT_TO_SHIP = N_("%(value)s on the other platform: nothing to ship")


def explain(order: dict[str, Any], translate: Any) -> str:
    """What is wrong with an invalid or skipped order, in the page's language."""
    column = order.get("column") or ""
    if order["outcome"] == order_import.SKIPPED:
        return translate(NOT_TO_SHIP) % {"value": order["value"]}
    if column not in COLUMNS:
        return order["message"]
    title = translate(COLUMNS[column])
    if order.get("value"):
        return translate(BAD_CELL) % {"column": title, "value": order["value"]}
    return translate(BAD_COLUMN) % {"column": title}
MAX_BYTES = 16 * 1024 * 1024


class OrderImportPages(Controller):
    path = "/orders/import"
    guards = [require_staff]

    @get("/", name="console:orders-import")
    async def form(self, request: Request, runtime: Runtime) -> Response:
        return await console_page(request, runtime, "console/orders_import.html", "orders",
                                  report=None, error="")

    @post("/", name="console:orders-import-post", request_max_body_size=MAX_BYTES)
    async def upload(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        translate = gettext_for(request)
        data = await request.form()
        upload = data.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        if not content:
            return await console_page(request, runtime, "console/orders_import.html",
                                      "orders", status_code=422, report=None,
                                      error=translate(NO_FILE))
        actor = f"user:{staff_of(request)['user_id']}"
        try:
            report = await order_import.import_orders(shop, runtime.host, content,
                                                      upload.filename or "", actor=actor)
        except ValidationFailed as exc:
            return await console_page(request, runtime, "console/orders_import.html",
                                      "orders", status_code=422, report=None,
                                      error=exc.detail)
        async with db.shop_scope(shop.id):
            await record(shop.id, actor, "order.import", upload.filename or "",
                         {"format": report.format, "created": report.count("created")})
        shown = report.as_dict()
        for order in shown["orders"]:
            title, tone = OUTCOMES[order["outcome"]]
            order["outcome_title"], order["tone"] = translate(title), tone
            if order["outcome"] in (order_import.INVALID, order_import.SKIPPED):
                order["message"] = explain(order, translate)
        shown["format_title"] = translate(FORMATS[report.format])
        return await console_page(request, runtime, "console/orders_import.html", "orders",
                                  report=shown, error="")


order_import_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[OrderImportPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["order_import_router"]
