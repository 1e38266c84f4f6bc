"""Reports as spreadsheet files (CSV with BOM, XLSX), through the shared export helpers that
keep every cell from running as a formula. Money is written as a plain decimal in yuan
(`28.50`), which a spreadsheet reads as a number; headers are given by the caller (already
translated)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from galleria.kernel.exports import BOM, csv_bytes, csv_text, neutralise_row
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
    "marketing": (("source_title", "Marketing", False), ("cost", "Marketing cost", True),
                  ("orders", "Orders paid", False), ("sales", "Sales they brought", True),
                  ("cost_rate", "Cost rate", False),
                  ("sales_per_cost", "Sales per yuan spent", False)),
    "returns": (("kind_title", "Kind", False), ("reason_title", "Reason", False),
                ("count", "Number", False), ("units", "Units", False),
                ("amount", "Amount", True)),
}
FORMATS = ("csv", "xlsx")


def rows_of(name: str, series: list[dict[str, Any]], currency: str) -> list[list[Any]]:
    return [["" if row[key] is None else
             decimal_text(row[key], currency) if money else row[key]
             for key, _header, money in COLUMNS[name]] for row in series]


class CsvFile:
    """A CSV file written row by row (UTF-8 with BOM, every cell neutralised)."""

    def __init__(self, header: Sequence[str]) -> None:
        self._out = io.StringIO()
        self._out.write(BOM + csv_text([header]))

    def append(self, row: Sequence[Any]) -> None:
        self._out.write(csv_text([row]))

    def finish(self) -> bytes:
        return self._out.getvalue().encode()


class XlsxFile:
    """An XLSX file written row by row (openpyxl's write-only mode): text cells stay text,
    even when they start with "=", so no cell is ever a formula."""

    def __init__(self, sheet_name: str, header: Sequence[str]) -> None:
        from openpyxl import Workbook

        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet_name[:31])
        self.append(header)

    def append(self, row: Sequence[Any]) -> None:
        from openpyxl.cell import WriteOnlyCell

        def cell(value: Any) -> Any:
            written = WriteOnlyCell(self._sheet, value=value)
            if isinstance(value, str):
                written.data_type = "s"  # text, even when it starts with "=": never a formula
            return written
        self._sheet.append([cell(value) for value in neutralise_row(row)])

    def finish(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()


def open_file(fmt: str, sheet_name: str, header: Sequence[str]) -> CsvFile | XlsxFile:
    return CsvFile(header) if fmt == "csv" else XlsxFile(sheet_name, header)


def write_csv(header: Sequence[str], rows: list[list[Any]]) -> bytes:
    return csv_bytes(header, rows)


def write_xlsx(sheet_name: str, header: Sequence[str], rows: list[list[Any]]) -> bytes:
    book = XlsxFile(sheet_name, header)
    for row in rows:
        book.append(row)
    return book.finish()
