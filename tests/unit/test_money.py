import pytest
from hypothesis import given
from hypothesis import strategies as st

from galleria.kernel.money import CurrencyMismatch, Money, parse_major

amounts = st.integers(min_value=-10**12, max_value=10**12)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        Money(3.5, "CNY")
    with pytest.raises(TypeError):
        Money(350, "CNY") * 1.5


def test_currencies_do_not_mix():
    with pytest.raises(CurrencyMismatch):
        Money(1, "CNY") + Money(1, "USD")


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (1250, "CNY", "¥12.50"), (-300, "USD", "-$3.00"), (1200, "JPY", "¥1,200"),
    (123456789, "CNY", "¥1,234,567.89"), (5, "CNY", "¥0.05"),
])
def test_format(amount, currency, text):
    assert Money(amount, currency).format() == text


@given(amounts, amounts, amounts)
def test_addition_is_associative_and_exact(a, b, c):
    x, y, z = Money(a, "CNY"), Money(b, "CNY"), Money(c, "CNY")
    assert (x + y) + z == x + (y + z)
    assert (x + y - y) == x


@given(amounts, st.integers(min_value=0, max_value=10**6))
def test_multiplication_is_repeated_addition(a, n):
    assert (Money(a, "CNY") * n).amount == a * n


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("12.50", "CNY", 1250), ("¥199", "CNY", 19900), ("0.01", "CNY", 1), ("1,200", "JPY", 1200),
    ("7", "USD", 700)])
def test_parse_major_is_exact(text, currency, minor):
    assert parse_major(text, currency) == minor


@pytest.mark.parametrize("text", ["1.234", "-1", "abc", "nan", "1e3", "", " . "])
def test_parse_major_refuses_what_is_not_an_amount(text):
    with pytest.raises(ValueError):
        parse_major(text, "CNY")
