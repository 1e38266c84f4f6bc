"""Finding a shop's orders: the merchant's filters, the search box, pages and the CSV export.

Filters: one or several statuses, a created-date range (days in the shop's time zone), the
payment method, the customer, the channel (web, staff, import …); the search box matches an
order number by its beginning or a phone (the contact's or the address's) in full, written
any way (`138 0013 8000`, `+86 13800138000`). Every condition is served by an index that
leads with the shop (orders_0002 / orders_0004 / orders_0008): phones are kept as digits in
their own columns for that. Lists are newest first with an opaque position (`{"id": …}`)
for the next page.

Read functions expect to run inside `shop_scope(tenant_id)`; `export_rows` opens a scope per
batch itself, so a long export holds no transaction open between batches.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from galleria.kernel import db
from galleria.kernel.errors import Problems
from galleria.kernel.money import MINOR_UNITS
from galleria.kernel.orders import channels, states
from galleria.kernel.orders.tables import Order, OrderLine

MAX_QUERY = 64
NUMBER_LENGTH = 20  # the column's length: a prefix is padded with 9s up to it
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]+$")


@dataclass(frozen=True)
class OrderFilter:
    """What the merchant narrows the list to; every field is optional (None: any)."""

    statuses: tuple[str, ...] = ()
    created_from: dt.date | None = None  # first day, in the shop's time zone
    created_to: dt.date | None = None  # last day, included
    payment_method: str | None = None
    customer_id: int | None = None
    q: str = ""
    channel: str | None = None  # orders.channels.CHANNELS


def phone_key(phone: Any) -> str:
    """A phone as the search compares it: digits only, an international `00` dropped
    (`+86 138-0013-8000` → `8613800138000`)."""
    digits = re.sub(r"\D", "", phone if isinstance(phone, str) else "")
    return (digits[2:] if digits.startswith("00") else digits)[:32]


def phone_keys(contact: Any, address: Any) -> dict[str, str]:
    """The `contact_phone` and `address_phone` column values of an order."""
    def phone(document: Any) -> Any:
        return document.get("phone") if isinstance(document, dict) else getattr(
            document, "phone", "")

    return {"contact_phone": phone_key(phone(contact)),
            "address_phone": phone_key(phone(address))}


def _phone_candidates(q: str) -> list[str]:
    """The stored forms a typed phone may have: with and without China's +86."""
    digits = phone_key(q)
    if len(digits) < 6:
        return []
    found = {digits}
    if digits.startswith("86") and len(digits) == 13:
        found.add(digits[2:])
    elif len(digits) == 11 and digits.startswith("1"):
        found.add("86" + digits)
    return sorted(found)


# -- reading filters from text (query strings, forms) ------------------------------------------
def _date(text: str, name: str, problems: Problems) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) <= 10 else \
            dt.datetime.fromisoformat(text).date()
    except ValueError:
        problems.add(name, "a date like 2026-11-29")
        return None


def parse_filter(*, status: str | Iterable[str] | None = None, created_from: str | None = None,
                 created_to: str | None = None, payment_method: str | None = None,
                 customer: str | int | None = None, q: str | None = None,
                 channel: str | None = None) -> OrderFilter:
    """Check the filters as typed (status may be repeated or comma-separated); raises
    ValidationFailed naming every bad field (`status`, `created_from`, …)."""
    problems = Problems()
    given = [status] if isinstance(status, str) else list(status or [])
    statuses = tuple(dict.fromkeys(
        s.strip() for part in given for s in str(part).split(",") if s.strip()))
    unknown = [s for s in statuses if s not in states.STATES]
    if unknown:
        problems.add("status", f"unknown: {', '.join(unknown)[:100]}; one or more of: "
                               f"{', '.join(states.STATES)}")
    start = _date((created_from or "").strip(), "created_from", problems)
    end = _date((created_to or "").strip(), "created_to", problems)
    if start and end and end < start:
        problems.add("created_to", "on or after created_from")
    method = (payment_method or "").strip()
    if len(method) > 64:
        problems.add("payment_method", "at most 64 characters")
    customer_id = None
    text = str(customer).strip() if customer is not None else ""
    if text:
        if not text.isdigit() or len(text) > 12:
            problems.add("customer", "a customer id (a whole number)")
        else:
            customer_id = int(text)
    query = (q or "").strip()
    if len(query) > MAX_QUERY:
        problems.add("q", f"at most {MAX_QUERY} characters")
    channel = (channel or "").strip() or None
    if channel is not None and channel not in channels.CHANNELS:
        problems.add("channel", "one of: " + ", ".join(channels.CHANNELS))
    problems.raise_if_any("Some filters are invalid")
    return OrderFilter(statuses=statuses, created_from=start, created_to=end,
                       payment_method=method or None, customer_id=customer_id, q=query,
                       channel=channel)


def filter_params(filters: OrderFilter) -> dict[str, str]:
    """The filters as query parameters again (for links: the next page, the CSV export)."""
    params = {"status": ",".join(filters.statuses),
              "created_from": filters.created_from.isoformat() if filters.created_from else "",
              "created_to": filters.created_to.isoformat() if filters.created_to else "",
              "payment_method": filters.payment_method or "",
              "customer": str(filters.customer_id) if filters.customer_id is not None else "",
              "q": filters.q, "channel": filters.channel or ""}
    return {k: v for k, v in params.items() if v}


# -- the query -----------------------------------------------------------------------------------
def _zone(timezone: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def created_range(filters: OrderFilter, timezone: str) -> tuple[dt.datetime | None,
                                                                dt.datetime | None]:
    """[start, end) in UTC: midnight of `created_from` to the midnight after `created_to`,
    both in the shop's time zone (a Shanghai shop's 11-29 starts at 11-28 16:00 UTC)."""
    zone = _zone(timezone)

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)

    start = midnight(filters.created_from) if filters.created_from else None
    end = midnight(filters.created_to + dt.timedelta(days=1)) if filters.created_to else None
    return start, end


def _search(q: str) -> Any:
    """The search box's condition, or None when `q` cannot be a number or a phone."""
    if not _PHONE_LIKE.match(q):
        return None
    conditions = []
    compact = re.sub(r"[\s\-().]", "", q)
    if compact.isdigit() and len(compact) <= NUMBER_LENGTH:
        # A prefix as a range on the (tenant, number) key: LIKE 'x%' cannot use a b-tree
        # under every collation. Order numbers are digits, so the range holds exactly them.
        conditions.append((Order.number >= compact)
                          & (Order.number <= compact + "9" * (NUMBER_LENGTH - len(compact))))
    candidates = _phone_candidates(q)
    if candidates:
        conditions.append(Order.contact_phone.is_in(candidates)
                          | Order.address_phone.is_in(candidates))
    if not conditions:
        return None
    found = conditions[0]
    for condition in conditions[1:]:
        found = found | condition
    return found


def _where(tenant_id: int, filters: OrderFilter, timezone: str) -> Any | None:
    """The WHERE of a filtered list; None when nothing can match."""
    where = Order.tenant == tenant_id
    if filters.statuses:
        where &= Order.status.is_in(list(filters.statuses))
    start, end = created_range(filters, timezone)
    if start is not None:
        where &= Order.created_at >= start
    if end is not None:
        where &= Order.created_at < end
    if filters.payment_method:
        where &= Order.payment_method == filters.payment_method
    if filters.customer_id is not None:
        where &= Order.customer == filters.customer_id
    if filters.channel is not None:
        where &= Order.channel == filters.channel
    if filters.q:
        search = _search(filters.q)
        if search is None:
            return None
        where &= search
    return where


LIST_COLUMNS = (Order.id, Order.number, Order.status, Order.total, Order.refunded_total,
                Order.currency, Order.contact, Order.customer, Order.payment_method,
                Order.shipping_method, Order.created_at, Order.paid_at, Order.channel,
                Order.external_id)


async def list_orders(tenant_id: int, filters: OrderFilter | None = None, *,
                      timezone: str = "UTC", before_id: int | None = None,
                      limit: int = 50) -> list[dict[str, Any]]:
    """Orders matching `filters`, newest first; `before_id` is the last id of the previous
    page. Ask for one more than a page to learn whether there is a next one."""
    where = _where(tenant_id, filters or OrderFilter(), timezone)
    if where is None:
        return []
    if before_id is not None:
        where &= Order.id < before_id
    rows = await Order.select(*LIST_COLUMNS).where(where).order_by(
        Order.id, ascending=False).limit(limit)
    return [_summary(row) for row in rows]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    contact = _json(row["contact"]) or {}
    return {"number": row["number"], "status": row["status"], "total": row["total"],
            "refunded_total": row["refunded_total"], "currency": row["currency"],
            "contact_name": contact.get("name"), "contact_phone": contact.get("phone") or None,
            "customer_id": row["customer"], "payment_method": row["payment_method"],
            "shipping_method": row["shipping_method"] or None,
            "channel": row["channel"], "external_id": row["external_id"],
            "created_at": _time(row["created_at"]), "paid_at": _time(row["paid_at"]),
            "_position": {"id": row["id"]}}


# -- export ------------------------------------------------------------------------------------
AMOUNTS = ("subtotal", "shipping_fee", "discount_total", "total", "refunded_total")
EXPORT_HEADER = (
    "number", "status", "created_at", "paid_at", "customer_id", "contact_name",
    "contact_phone", "contact_email", "recipient", "recipient_phone", "address",
    "payment_method", "shipping_method", "items", "currency",
    *AMOUNTS, *(f"{name}_minor" for name in AMOUNTS), "coupon_code", "invoice_title", "note")


def decimal_text(amount: int, currency: str) -> str:
    """Minor units as a plain decimal in the currency (`12850`, CNY → `128.50`; JPY → `1200`):
    exact, no float, no symbol or thousands separator (a spreadsheet reads it as a number)."""
    digits = MINOR_UNITS.get(currency, 2)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10 ** digits)
    return f"{sign}{whole}" + (f".{fraction:0{digits}d}" if digits else "")


def _local(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else ""


def _address_text(address: dict[str, Any]) -> str:
    parts = (address.get(k) for k in ("province", "city", "district", "line1", "line2",
                                      "postal_code"))
    return " ".join(p for p in parts if p)


def export_row(row: dict[str, Any], lines: list[dict[str, Any]], zone: dt.tzinfo) -> list:
    """One order as a CSV row (EXPORT_HEADER's columns)."""
    contact, address = _json(row["contact"]) or {}, _json(row["address"]) or {}
    invoice = _json(row["invoice"]) or {}
    items = "; ".join(f"{line['sku']} {line['name']} x{line['quantity']}" for line in lines)
    currency = row["currency"]
    return [row["number"], row["status"], _local(row["created_at"], zone),
            _local(row["paid_at"], zone), row["customer"] or "", contact.get("name", ""),
            contact.get("phone", ""), contact.get("email", ""), address.get("name", ""),
            address.get("phone", ""), _address_text(address), row["payment_method"],
            row["shipping_method"], items, currency,
            *(decimal_text(row[name], currency) for name in AMOUNTS),
            *(row[name] for name in AMOUNTS), row["coupon_code"],
            invoice.get("title", "") if isinstance(invoice, dict) else "", row["note"]]


async def export_rows(tenant_id: int, filters: OrderFilter, *, timezone: str = "UTC",
                      batch: int = 500) -> AsyncIterator[list[list[Any]]]:
    """Every order matching `filters`, newest first, as CSV rows, `batch` orders at a time
    (each batch read in its own shop scope)."""
    zone = _zone(timezone)
    before_id = None
    while True:
        async with db.shop_scope(tenant_id):
            where = _where(tenant_id, filters, timezone)
            if where is None:
                return
            if before_id is not None:
                where &= Order.id < before_id
            rows = await Order.select().where(where).order_by(
                Order.id, ascending=False).limit(batch)
            lines = await (OrderLine.select(
                OrderLine.order, OrderLine.sku, OrderLine.name, OrderLine.quantity).where(
                (OrderLine.tenant == tenant_id)
                & OrderLine.order.is_in([r["id"] for r in rows] or [0]))
                .order_by(OrderLine.id))
        by_order: dict[int, list[dict[str, Any]]] = {}
        for line in lines:
            by_order.setdefault(line["order"], []).append(line)
        if rows:
            yield [export_row(row, by_order.get(row["id"], []), zone) for row in rows]
        if len(rows) < batch:
            return
        before_id = rows[-1]["id"]


__all__ = ["EXPORT_HEADER", "OrderFilter", "created_range", "decimal_text", "export_row",
           "export_rows", "filter_params", "list_orders", "parse_filter", "phone_key",
           "phone_keys"]
