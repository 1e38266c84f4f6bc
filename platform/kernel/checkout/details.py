"""Checking what a shopper types at checkout: contact, address, invoice request, note.

Every problem is collected and raised at once (422 with `errors: [{field, message}]`), with
fields named as in the request body (`address.phone`).
"""

from __future__ import annotations

import re
from typing import Any

from galleria.kernel.checkout.contracts import Address
from galleria.kernel.errors import Problems

PHONE_RE = re.compile(r"^\+?[0-9]{6,20}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
POSTAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,14}$")
ADDRESS_FIELDS = {  # name: (required, max length)
    "name": (True, 60), "phone": (True, 32), "country": (True, 2), "province": (True, 60),
    "city": (True, 60), "district": (False, 60), "line1": (True, 200),
    "line2": (False, 200), "postal_code": (False, 16),
}
INVOICE_FIELDS = {"type": 16, "title": 120, "tax_id": 32, "email": 254}
INVOICE_TYPES = ("personal", "company")
NOTE_MAX = 500


# A delivery in mainland China is to a mobile number (the courier calls and texts it);
# Hong Kong, Macao and Taiwan, provinces of the same country list, have their own numbers.
MAINLAND_MOBILE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")
OUTSIDE_MAINLAND = ("香港", "澳门", "台湾")


def normal_phone(value: str) -> str:
    """`+86 138-0013-8000` → `+8613800138000` (spaces, hyphens and brackets dropped)."""
    return re.sub(r"[\s\-()]", "", value)


def _text(data: dict[str, Any], name: str, at: str, problems: Problems, *, required: bool,
          max_length: int) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(f"{at}.{name}", "required")
        return ""
    if not isinstance(value, str):
        problems.add(f"{at}.{name}", "expected text")
        return ""
    value = value.strip()
    if len(value) > max_length:
        problems.add(f"{at}.{name}", f"at most {max_length} characters")
    return value


def _unknown(data: dict[str, Any], known: Any, at: str, problems: Problems) -> None:
    for name in data:
        if name not in known:
            problems.add(f"{at}.{name}", "not a field of this object")


def _phone(value: str, field: str, problems: Problems) -> str:
    phone = normal_phone(value)
    if value and not PHONE_RE.match(phone):
        problems.add(field, "a phone number: 6–20 digits, optionally starting with +")
    return phone


def check_address(data: Any, problems: Problems, at: str = "address") -> Address | None:
    if not isinstance(data, dict):
        problems.add(at, "required: an object with name, phone, country, province, city, "
                         "line1")
        return None
    _unknown(data, ADDRESS_FIELDS, at, problems)
    values = {name: _text(data, name, at, problems, required=required, max_length=length)
              for name, (required, length) in ADDRESS_FIELDS.items()}
    values["phone"] = _phone(values["phone"], f"{at}.phone", problems)
    values["country"] = values["country"].upper()
    if (values["country"] == "CN" and values["phone"] and PHONE_RE.match(values["phone"])
            and not any(name in values["province"] for name in OUTSIDE_MAINLAND)
            and not MAINLAND_MOBILE.match(values["phone"])):
        problems.add(f"{at}.phone", "a mobile number: 11 digits starting with 1")
    if values["country"] and not COUNTRY_RE.match(values["country"]):
        problems.add(f"{at}.country", "a two-letter ISO 3166 country code, such as CN")
    if values["postal_code"] and not POSTAL_RE.match(values["postal_code"]):
        problems.add(f"{at}.postal_code", "letters, digits, spaces and hyphens")
    return Address(**values)


def check_contact(data: Any, problems: Problems) -> dict[str, str]:
    if not isinstance(data, dict):
        problems.add("contact", "required: an object with name and a phone or an email")
        return {}
    _unknown(data, ("name", "phone", "email"), "contact", problems)
    name = _text(data, "name", "contact", problems, required=True, max_length=60)
    phone = _phone(_text(data, "phone", "contact", problems, required=False, max_length=32),
                   "contact.phone", problems)
    email = _text(data, "email", "contact", problems, required=False, max_length=254)
    if email and not EMAIL_RE.match(email):
        problems.add("contact.email", "an email address such as name@example.com")
    if not phone and not email and "contact.phone" not in {e.field for e in problems.errors}:
        problems.add("contact", "give a phone number or an email, to hear about the order")
    return {"name": name, "phone": phone, "email": email.lower()}


def check_invoice(data: Any, problems: Problems) -> dict[str, str] | None:
    """An invoice request (发票): `{"type": "personal"|"company", "title", "tax_id"?,
    "email"?}`; a company invoice needs its tax id."""
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.add("invoice", "an object with type and title")
        return None
    _unknown(data, INVOICE_FIELDS, "invoice", problems)
    values = {name: _text(data, name, "invoice", problems, required=name in ("type", "title"),
                          max_length=length) for name, length in INVOICE_FIELDS.items()}
    if values["type"] and values["type"] not in INVOICE_TYPES:
        problems.add("invoice.type", "personal or company")
    if values["type"] == "company" and not values["tax_id"]:
        problems.add("invoice.tax_id", "required for a company invoice")
    if values["email"] and not EMAIL_RE.match(values["email"]):
        problems.add("invoice.email", "an email address such as name@example.com")
    return {name: value for name, value in values.items() if value}


def check_note(note: Any, problems: Problems) -> str:
    if note is None:
        return ""
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        problems.add("note", f"text of at most {NOTE_MAX} characters")
        return ""
    return note.strip()


__all__ = ["check_address", "check_contact", "check_invoice", "check_note", "normal_phone"]
