"""The console's order export: the API's CSV (galleria.kernel.orders.queries) read for a
person — headings and states in the merchant's language, method names instead of codes,
times in the shop's zone as a spreadsheet shows them, and each order's waybill numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

from litestar.response import Stream

from galleria.kernel import db
from galleria.kernel.exports import BOM, csv_text
from galleria.kernel.fulfilment.views import tracking_numbers
from galleria.kernel.orders.queries import EXPORT_HEADER, OrderFilter, export_rows
from galleria.kernel.tenancy.shops import Shop
from galleria.web.i18n import N_
from galleria.web.methods import MethodNames
from galleria.web.pages.order_states import STATUS_TITLES

# The API's columns a person reads, with their headings; the `_minor` copies are for programs.
COLUMNS = (
    ("number", N_("Order number")), ("status", N_("Status")),
    ("created_at", N_("Placed at")), ("paid_at", N_("Paid at")),
    ("contact_name", N_("Contact")), ("contact_phone", N_("Contact phone")),
    ("contact_email", N_("Contact email")), ("recipient", N_("Recipient")),
    ("recipient_phone", N_("Recipient phone")), ("address", N_("Address")),
    ("payment_method", N_("Payment method")), ("shipping_method", N_("Shipping method")),
    ("tracking", N_("Tracking numbers")), ("items", N_("Items")),
    ("currency", N_("Currency")), ("subtotal", N_("Subtotal")),
    ("shipping_fee", N_("Shipping fee")), ("discount_total", N_("Discount")),
    ("total", N_("Total")), ("refunded_total", N_("Refunded")),
    ("coupon_code", N_("Coupon code")), ("invoice_title", N_("Invoice title")),
    ("note", N_("Note")),
)
_AT = {name: position for position, name in enumerate(EXPORT_HEADER)}


def _readable_time(value: str) -> str:
    return dt.datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M") if value else ""


def merchant_row(row: list[Any], names: MethodNames, tracking: list[str],
                 translate: Callable[[str], str]) -> list[Any]:
    """One API export row as the merchant's export shows it."""
    cells = []
    for column, _title in COLUMNS:
        if column == "tracking":
            cells.append(" ".join(tracking))
            continue
        value = row[_AT[column]]
        if column == "status":
            value = translate(STATUS_TITLES.get(value, value))
        elif column in ("created_at", "paid_at"):
            value = _readable_time(value)
        elif column == "payment_method":
            value = names.payment_name(value)
        elif column == "shipping_method":
            value = names.shipping_name(value) if value else ""
        cells.append(value)
    return cells


async def merchant_chunks(shop: Shop, filters: OrderFilter, names: MethodNames,
                          translate: Callable[[str], str]) -> AsyncIterator[bytes]:
    yield (BOM + csv_text([[translate(title) for _, title in COLUMNS]])).encode()
    async for rows in export_rows(shop.id, filters, timezone=shop.timezone):
        numbers = [row[_AT["number"]] for row in rows]
        async with db.shop_scope(shop.id):
            waybills = await tracking_numbers(shop.id, numbers)
        yield csv_text([merchant_row(row, names, waybills.get(row[_AT["number"]], []),
                                     translate) for row in rows]).encode()


def merchant_csv(shop: Shop, filters: OrderFilter, names: MethodNames,
                 translate: Callable[[str], str], filename: str) -> Stream:
    return Stream(merchant_chunks(shop, filters, names, translate), media_type="text/csv",
                  headers={"Content-Disposition": f"attachment; filename=\"orders.csv\"; "
                                                  f"filename*=UTF-8''{quote(filename)}",
                           "Cache-Control": "no-store"})
