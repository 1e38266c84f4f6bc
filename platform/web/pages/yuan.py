"""Amounts as people type and read them in forms: yuan with up to two decimals, kept as
integer fen (minor units) everywhere else."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from galleria.web.i18n import N_

PRICE_FORMAT = N_("Enter a price in yuan, such as 12.50")
PRICE_DECIMALS = N_("At most two decimal places")


def yuan_to_fen(text: str) -> int:
    """`"12.50"` → 1250, exactly. Raises ValueError with a message id."""
    cleaned = text.strip().replace("¥", "").replace("￥", "").replace(",", "").strip()
    if not cleaned:
        raise ValueError(N_("required"))
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(PRICE_FORMAT) from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(PRICE_FORMAT)
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(PRICE_DECIMALS)
    return int(amount * 100)


def fen_to_yuan(fen: int) -> str:
    """1250 → `"12.50"`, for a form's value."""
    return str((Decimal(int(fen)) / 100).quantize(Decimal("0.01")))
