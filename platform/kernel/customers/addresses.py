"""A customer's address book: add, change, remove, choose the default.

The rule: while a customer has any address, exactly one is the default. The first address
becomes it; removing the default hands it to the most recent remaining one; making one the
default unmarks the others. Every change first touches the customer's row, which queues
concurrent changes to one address book behind each other (a row lock on PostgreSQL; SQLite
writes one transaction at a time anyway), and a partial unique index backs the rule up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import db
from galleria.kernel.checkout.contracts import Address
from galleria.kernel.checkout.details import check_address
from galleria.kernel.customers.tables import Customer, CustomerAddress
from galleria.kernel.errors import FieldError, NotFound, Problems, ValidationFailed

MAX_ADDRESSES = 20
FIELDS = ("name", "phone", "country", "province", "city", "district", "line1", "line2",
          "postal_code")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def view(row: dict[str, Any]) -> dict[str, Any]:
    """An address as the API shows it: API.md's fields plus `id` and `is_default`."""
    return {"id": row["id"], **{name: row[name] or "" for name in FIELDS},
            "is_default": bool(row["is_default"])}


def as_address(row: dict[str, Any]) -> Address:
    """The checkout's Address for a saved one (to fill a checkout form or an order)."""
    return Address(**{name: row[name] or "" for name in FIELDS})


def check(data: Any) -> Address:
    """The address in `data`, checked like a checkout address; ValidationFailed names the
    fields without a prefix (`phone`, not `address.phone`)."""
    problems = Problems()
    fields = {k: v for k, v in data.items() if k != "is_default"} if isinstance(
        data, dict) else data
    address = check_address(fields, problems)
    if isinstance(data, dict) and not isinstance(data.get("is_default", False), bool):
        problems.add("is_default", "expected true or false")
    if problems.errors:
        raise ValidationFailed("The address is invalid", errors=[
            FieldError(e.field.removeprefix("address.") or "address", e.message)
            for e in problems.errors])
    assert address is not None
    return address


async def _lock_book(tenant_id: int, customer_id: int) -> None:
    locked = await Customer.update({Customer.updated_at: _now()}).where(
        (Customer.tenant == tenant_id) & (Customer.id == customer_id)).returning(Customer.id)
    if not locked:
        raise NotFound(f"No customer {customer_id} in this shop")


def _mine(tenant_id: int, customer_id: int):
    return (CustomerAddress.tenant == tenant_id) & (CustomerAddress.customer == customer_id)


async def list_addresses(tenant_id: int, customer_id: int) -> list[dict[str, Any]]:
    """The default first, then the newest."""
    async with db.shop_scope(tenant_id):
        rows = await CustomerAddress.select().where(_mine(tenant_id, customer_id)).order_by(
            CustomerAddress.id, ascending=False)
    rows.sort(key=lambda row: not row["is_default"])  # stable: newest first after it
    return [view(row) for row in rows]


async def get_address(tenant_id: int, customer_id: int, address_id: int) -> dict[str, Any]:
    """One of the customer's addresses; another customer's is NotFound like a missing one."""
    async with db.shop_scope(tenant_id):
        row = await CustomerAddress.select().where(
            _mine(tenant_id, customer_id) & (CustomerAddress.id == address_id)).first()
    if row is None:
        raise NotFound(f"No address {address_id} in your address book")
    return view(row)


async def default_address(tenant_id: int, customer_id: int) -> dict[str, Any] | None:
    async with db.shop_scope(tenant_id):
        row = await CustomerAddress.select().where(
            _mine(tenant_id, customer_id) & (CustomerAddress.is_default == True)  # noqa: E712
        ).first()
    return view(row) if row else None


async def add_address(tenant_id: int, customer_id: int, data: Any) -> dict[str, Any]:
    """Save a new address; `data["is_default"]` makes it the default (the first one is
    anyway). Raises ValidationFailed (field errors, or a full address book)."""
    address = check(data)
    wants_default = isinstance(data, dict) and data.get("is_default") is True
    now = _now()
    async with db.shop_scope(tenant_id):
        await _lock_book(tenant_id, customer_id)
        count = await CustomerAddress.count().where(_mine(tenant_id, customer_id))
        if count >= MAX_ADDRESSES:
            raise ValidationFailed(f"An address book holds at most {MAX_ADDRESSES} addresses;"
                                   " remove one first")
        make_default = wants_default or count == 0
        if make_default:
            await _unmark_default(tenant_id, customer_id)
        inserted = await CustomerAddress.insert(CustomerAddress(
            tenant=tenant_id, customer=customer_id, **address.to_json(),
            is_default=make_default, created_at=now, updated_at=now,
        )).returning(CustomerAddress.id)
        return await get_address(tenant_id, customer_id, inserted[0]["id"])


async def update_address(tenant_id: int, customer_id: int, address_id: int,
                         data: Any) -> dict[str, Any]:
    """Replace an address's fields; `data["is_default"] is True` also makes it the default
    (un-marking the default is done by choosing another one)."""
    address = check(data)
    async with db.shop_scope(tenant_id):
        await _lock_book(tenant_id, customer_id)
        await get_address(tenant_id, customer_id, address_id)
        await CustomerAddress.update({
            **{getattr(CustomerAddress, k): v for k, v in address.to_json().items()},
            CustomerAddress.updated_at: _now()}).where(
            _mine(tenant_id, customer_id) & (CustomerAddress.id == address_id))
        if isinstance(data, dict) and data.get("is_default") is True:
            await _mark_default(tenant_id, customer_id, address_id)
        return await get_address(tenant_id, customer_id, address_id)


async def set_default(tenant_id: int, customer_id: int, address_id: int) -> dict[str, Any]:
    async with db.shop_scope(tenant_id):
        await _lock_book(tenant_id, customer_id)
        await get_address(tenant_id, customer_id, address_id)
        await _mark_default(tenant_id, customer_id, address_id)
        return await get_address(tenant_id, customer_id, address_id)


async def remove_address(tenant_id: int, customer_id: int, address_id: int) -> None:
    """Remove an address; if it was the default, the newest remaining one becomes it."""
    async with db.shop_scope(tenant_id):
        await _lock_book(tenant_id, customer_id)
        removed = await CustomerAddress.delete().where(
            _mine(tenant_id, customer_id) & (CustomerAddress.id == address_id)
        ).returning(CustomerAddress.is_default)
        if not removed:
            raise NotFound(f"No address {address_id} in your address book")
        if removed[0]["is_default"]:
            newest = await CustomerAddress.select(CustomerAddress.id).where(
                _mine(tenant_id, customer_id)).order_by(
                CustomerAddress.id, ascending=False).first()
            if newest:
                await _mark_default(tenant_id, customer_id, newest["id"])


async def _unmark_default(tenant_id: int, customer_id: int) -> None:
    await CustomerAddress.update({CustomerAddress.is_default: False}).where(
        _mine(tenant_id, customer_id) & (CustomerAddress.is_default == True))  # noqa: E712


async def _mark_default(tenant_id: int, customer_id: int, address_id: int) -> None:
    # Unmark first: the partial unique index allows one default row at any moment.
    await _unmark_default(tenant_id, customer_id)
    await CustomerAddress.update({CustomerAddress.is_default: True}).where(
        _mine(tenant_id, customer_id) & (CustomerAddress.id == address_id))


__all__ = ["FIELDS", "MAX_ADDRESSES", "add_address", "as_address", "check", "default_address",
           "get_address", "list_addresses", "remove_address", "set_default", "update_address"]
