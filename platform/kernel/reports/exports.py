"""Reports as spreadsheet files (CSV with BOM, XLSX), through the shared export helpers that
keep every cell from running as a formula. Money is written as a plain decimal in yuan
(`28.50`), which a spreadsheet reads as a number; headers are given by the caller (already
translated)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

from galleria.kernel.exports import csv_bytes, neutralise_row
from galleria.kernel.orders.queries import decimal_text

# The columns of each report's file: (key in its rows, header message, money?).
COLUMNS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "sales": (("period", "Period", False), ("paid_orders", "Orders paid", False),
              ("paid_total", "Paid", True), ("refunded_total", "Refunds", True),
              ("sales", "Sales", True), ("orders", "Orders placed", False),
              ("visitors", "Visitors", False)),
    "products": (("name", "Product", False), ("quantity", "Units sold", False),
                 ("orders", "Orders paid", False), ("revenue", "Sales", True),
                 ("cost", "Cost", True), ("gross_margin", "Gross margin", True)),
    "categories": (("name", "Category", False), ("quantity", "Units sold", False),
                   ("orders", "Orders paid", False), ("revenue", "Sales", True)),
    "payment_methods": (("name", "Method", False), ("orders", "Orders paid", False),
                        ("paid_total", "Paid", True)),
    "shipping_methods": (("name", "Method", False), ("orders", "Orders paid", False),
                         ("paid_total", "Paid", True)),
    "customers": (("name", "Customer", False), ("orders", "Orders paid", False),
                  ("paid_total", "Paid", True)),
    "stock": (("sku", "SKU", False), ("name", "Product", False),
              ("on_hand", "Units on hand", False),
              ("retail_value", "Stock value at retail", True),
              ("cost_value", "Stock value at cost", True), ("sold", "Units sold", False),
              ("turnover", "Turnover", False), ("days_of_cover", "Days of cover", False)),
    "refunds": (("reason", "Reason", False), ("refunds", "Refunds", False),
                ("amount", "Amount", True)),
    "returns": (("kind_title", "Kind", False), ("reason_title", "Reason", False),
                ("count", "Number", False), ("units", "Units", False),
                ("amount", "Amount", True)),
}
FORMATS = ("csv", "xlsx")


def rows_of(name: str, series: list[dict[str, Any]], currency: str) -> list[list[Any]]:
    return [["" if row[key] is None else
             decimal_text(row[key], currency) if money else row[key]
             for key, _header, money in COLUMNS[name]] for row in series]


def write_csv(header: Sequence[str], rows: list[list[Any]]) -> bytes:
    return csv_bytes(header, rows)


def write_xlsx(sheet_name: str, header: Sequence[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])

    def cells(values: Sequence[Any]) -> Iterator[Any]:
        for value in neutralise_row(values):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
            yield cell

    sheet.append(list(cells(header)))
    for row in rows:
        sheet.append(list(cells(row)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
