"""Spreadsheet files a merchant downloads: every export of the platform and of plugins writes
its cells through here, so that no cell runs as a formula when the file is opened in Excel,
WPS or LibreOffice (CSV injection, e.g. a product named `=cmd|' /C calc'!A0`).

Text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading
apostrophe (OWASP's advice), which spreadsheets show as text; numbers stay numbers. An import
of our own export takes the apostrophe off again with `restore`, so a round trip changes
nothing.

Usage (a plugin's export)::

    from galleria.kernel import csv_bytes, neutralise_row

    content = csv_bytes(["sku", "name"], rows)       # UTF-8 with BOM, every cell neutralised
    sheet.append(neutralise_row(row))                # XLSX (openpyxl): the same per row
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (Chinese text) only with it


def neutralise(value: Any) -> Any:
    """`value` safe for a spreadsheet cell: text a spreadsheet would run is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in row]


def restore(text: str) -> str:
    """What `neutralise` was given, for a cell read back from our own export."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV text (Excel's dialect), every cell neutralised; no BOM, no header added."""
    out = io.StringIO(newline="")
    csv.writer(out).writerows(neutralise_row(row) for row in rows)
    return out.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A whole CSV file: BOM, `header`, then `rows`, UTF-8, every cell neutralised."""
    return (BOM + csv_text([header]) + csv_text(rows)).encode()


__all__ = ["BOM", "FORMULA_STARTS", "csv_bytes", "csv_text", "neutralise", "neutralise_row",
           "restore"]
