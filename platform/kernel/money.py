"""Money: integer minor units with an ISO 4217 currency. Never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Minor units per major unit; every currency a shop may use is listed here.
MINOR_UNITS: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "GBP": 2, "JPY": 0}
SYMBOLS: dict[str, str] = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "GBP": "£", "JPY": "¥"}


class CurrencyMismatch(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units (fen, cents)
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount) is not int:
            raise TypeError(f"Money amount must be an int of minor units, got {self.amount!r}")
        if self.currency not in MINOR_UNITS:
            raise ValueError(f"unsupported currency {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if type(quantity) is not int:
            raise TypeError("Money can be multiplied by a whole quantity only")
        return Money(self.amount * quantity, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def format(self) -> str:
        """`¥12.50`, `-$3.00`, `¥1200` (JPY): for display only."""
        digits = MINOR_UNITS[self.currency]
        sign = "-" if self.amount < 0 else ""
        whole, frac = divmod(abs(self.amount), 10**digits) if digits else (abs(self.amount), 0)
        text = f"{whole:,}" + (f".{frac:0{digits}d}" if digits else "")
        return f"{sign}{SYMBOLS[self.currency]}{text}"

    def to_json(self) -> dict[str, int | str]:
        return {"amount": self.amount, "currency": self.currency}


def format_minor(amount: int, currency: str) -> str:
    return Money(amount, currency).format()


def parse_major(text: str, currency: str) -> int:
    """`"12.50"` yuan → 1250 fen, exactly (through Decimal, never a float). Raises
    ValueError for anything but a non-negative amount with at most the currency's decimals."""
    cleaned = text.strip().lstrip(SYMBOLS.get(currency, "")).replace(",", "").strip()
    if not re.fullmatch(r"\d+(\.\d+)?", cleaned):
        raise ValueError(f"not an amount: {text!r}")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    digits = MINOR_UNITS[currency]
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -digits:
        raise ValueError(f"not an amount in {currency}: {text!r}")
    return int(amount.scaleb(digits))
