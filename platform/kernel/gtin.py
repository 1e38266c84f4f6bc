"""GS1 barcodes (EAN-8, UPC-A, EAN-13, GTIN-14): the check digit a maker's code must end in.
A code that is not 8, 12, 13 or 14 digits is a shop's own (internal) code and has none."""

from __future__ import annotations


def gtin_check_digit(code: str) -> str | None:
    """The check digit an all-digit GTIN-8/12/13/14 `code` should end in; None for others."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return None
    total = sum(int(c) * (3 - 2 * (i % 2)) for i, c in enumerate(reversed(code[:-1])))
    return str((10 - total % 10) % 10)


def gtin_problem(code: str) -> str | None:
    """Why `code` cannot be a maker's barcode as typed (a wrong check digit: a typing or
    scanning slip), or None."""
    digit = gtin_check_digit(code)
    if digit is None or digit == code[-1]:
        return None
    return f"wrong check digit: this barcode should end in {digit}"
