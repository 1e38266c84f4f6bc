"""Catalog files: the columns, reading and writing CSV and XLSX, and parsing the cells.

One row per variant. Lists in a cell are `key=value; key=value` (attributes, options) and
`code*units; code` (barcodes, units 1 when left out); a `;` or `=` inside a value is written
`\\;` or `\\=`. Prices are whole minor units (fen, cents). CSV is read as UTF-8 (with or
without BOM) or, failing that, GB 18030 (what Excel on Chinese Windows saves), and written
as UTF-8 with a BOM so that Excel shows Chinese correctly. Cells are written through
`galleria.kernel.exports` (never run as formulas) and read back with its `restore`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from galleria.kernel.exports import csv_bytes, neutralise_row, restore

COLUMNS = ("product", "category", "description", "attributes", "status", "sku", "price",
           "stock", "options", "barcodes", "weight_grams", "shelf_location", "cost_price")
ALIASES = {
    "name": "product", "weight": "weight_grams", "商品": "product", "商品名称": "product",
    "分类": "category", "描述": "description", "商品描述": "description",
    "参数": "attributes", "状态": "status", "规格编码": "sku", "价格": "price",
    "库存": "stock", "规格": "options", "条码": "barcodes", "重量": "weight_grams",
    "库位": "shelf_location", "shelf": "shelf_location",
    "成本价": "cost_price", "成本": "cost_price", "cost": "cost_price",
}
# Stock at one location (门店/仓库) other than `default`: a column `stock@<code>` (or
# `库存@<code>`), one per location; `stock` stays the default location's.
STOCK_AT = "stock@"
_STOCK_AT_RE = re.compile(r"^(?:stock@|库存@)([a-z0-9][a-z0-9_-]{0,31})$")
MAX_ROWS = 100_000
XLSX_MAGIC = b"PK\x03\x04"
_SPLIT_RE = re.compile(r"(?<!\\)[;；]")
_EQUALS_RE = re.compile(r"(?<!\\)[=＝]")


class CellError(ValueError):
    """A cell that cannot be read; the message says what it should hold."""


class FileError(ValueError):
    """A file that cannot be read at all."""


def header_column(name: Any) -> str | None:
    text = cell_text(name).lower().replace(" ", "_")
    at = _STOCK_AT_RE.match(text)
    if at:
        return "stock" if at.group(1) == "default" else STOCK_AT + at.group(1)
    return text if text in COLUMNS else ALIASES.get(cell_text(name))


def stock_location(column: str) -> str | None:
    """The location code of a `stock@<code>` column, None for any other column."""
    return column[len(STOCK_AT):] if column.startswith(STOCK_AT) else None


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return restore(str(value)).strip()  # our own export's `'=…` is `=…` again


def whole(value: Any, *, minimum: int = 0, what: str = "a whole number") -> int | None:
    """An integer cell, None when empty. `3.0` passes, `3.5` and `-1` do not."""
    text = cell_text(value)
    if not text:
        return None
    if re.fullmatch(r"\d+", text):
        number = int(text)
        if number >= minimum:
            return number
    raise CellError(f"{what}, {minimum} or more; got “{text}”")


def price(value: Any) -> int | None:
    text = cell_text(value)
    try:
        return whole(value, what="a whole number of minor units (fen/cents)")
    except CellError:
        if re.fullmatch(r"\d+\.\d{1,2}", text):
            raise CellError(f"prices are whole minor units (fen/cents): {text} yuan/dollars "
                            f"is {round(float(text) * 100)}") from None
        raise


def _unescape(text: str) -> str:
    return text.replace("\\;", ";").replace("\\=", "=").strip()


def pairs(value: Any) -> dict[str, str] | None:
    """`key=value; key=value` → dict, None when empty."""
    text = cell_text(value)
    if not text:
        return None
    result: dict[str, str] = {}
    for part in filter(str.strip, _SPLIT_RE.split(text)):
        key, sep, val = _key_value(part)
        if not sep or not key:
            raise CellError(f"“{part.strip()}” should be written key=value")
        if key in result:
            raise CellError(f"“{key}” appears twice")
        result[key] = val
    return result


def _key_value(part: str) -> tuple[str, bool, str]:
    pieces = _EQUALS_RE.split(part, maxsplit=1)
    if len(pieces) < 2:
        return _unescape(part), False, ""
    return _unescape(pieces[0]), True, _unescape(pieces[1])


def barcodes(value: Any) -> list[tuple[str, int]] | None:
    """`code*units; code` → [(code, units)], None when empty."""
    text = cell_text(value)
    if not text:
        return None
    result = []
    for part in filter(str.strip, _SPLIT_RE.split(text)):
        code, _, units = part.strip().partition("*")
        code = code.strip()
        if not code or len(code) > 64:
            raise CellError(f"“{part.strip()}”: a barcode is 1–64 characters")
        count = whole(units, minimum=1, what=f"the units of {code} must be a whole number")
        result.append((code, count or 1))
    return result


def format_pairs(values: dict[str, Any]) -> str:
    def escape(text: Any) -> str:
        return str(text).replace(";", "\\;").replace("=", "\\=")

    return "; ".join(f"{escape(k)}={escape(v)}" for k, v in values.items())


def format_barcodes(values: Iterable[dict[str, Any]]) -> str:
    return "; ".join(b["code"] if b["units"] == 1 else f"{b['code']}*{b['units']}"
                     for b in values)


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx")


def read_table(data: bytes, filename: str = "") -> list[list[Any]]:
    """Every row of the file's first sheet (header included) as lists of cells."""
    rows = _read_xlsx(data) if is_xlsx(data, filename) else _read_csv(data)
    if len(rows) > MAX_ROWS + 1:
        raise FileError(f"The file has {len(rows) - 1} rows; split it into files of at most "
                        f"{MAX_ROWS}")
    return rows


def _read_csv(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError("The CSV file is neither UTF-8 nor GB 18030 text")
    header = text.split("\n", 1)[0]
    # Excel writes `;` or tabs in some locales; quoting is always Excel's.
    delimiter = max(",;\t", key=header.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter))
    except csv.Error as exc:
        raise FileError(f"The CSV file cannot be read: {exc}") from exc


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError… on bad files
        raise FileError("The file is not an Excel workbook (.xlsx) that can be read") from exc
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def write_csv(rows: Iterable[list[Any]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    return csv_bytes(columns, rows)


def write_xlsx(rows: Iterable[list[Any]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("products")

    def cells(values: list[Any]) -> Iterator[Any]:
        for value in neutralise_row(values):  # as in CSV: opened in WPS, edited, saved…
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
            yield cell

    sheet.append(list(columns))
    for row in rows:
        sheet.append(list(cells(row)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
