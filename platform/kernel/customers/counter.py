"""Customers of orders staff take (代客下单): found by phone, or opened there and then.

An account opened at the counter has the phone and name only, no password: the customer
sets one with the account recovery when they first sign in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel import db
from galleria.kernel.checkout.details import PHONE_RE, normal_phone
from galleria.kernel.customers.tables import Customer
from galleria.kernel.errors import NotFound, Problems
from galleria.kernel.events import emit


async def find_customer(tenant_id: int, phone: str) -> dict[str, Any] | None:
    """The active account with this phone (written any way), or None."""
    key = normal_phone(phone.strip())
    if not PHONE_RE.match(key):
        return None
    candidates = {key, key[3:] if key.startswith("+86") else "+86" + key}
    return await Customer.select(Customer.id, Customer.name, Customer.phone,
                                 Customer.email).where(
        (Customer.tenant == tenant_id) & Customer.phone.is_in(sorted(candidates))
        & (Customer.status == "active")).first()


async def find_or_open_customer(tenant_id: int, phone: str, name: str) -> tuple[int, bool]:
    """(customer id, opened now): the account with `phone`, or a new one without a
    password (its `customer.registered` event goes out like any sign-up's)."""
    problems = Problems()
    key = normal_phone(phone.strip())
    if not PHONE_RE.match(key):
        problems.add("phone", "a phone number: 6–20 digits, optionally starting with +")
    if len(name.strip()) > 60:
        problems.add("name", "at most 60 characters")
    problems.raise_if_any("The customer's details are invalid")
    async with db.shop_scope(tenant_id):
        found = await find_customer(tenant_id, key)
        if found is not None:
            return found["id"], False
        now = dt.datetime.now(dt.UTC)
        inserted = await Customer.insert(Customer(
            tenant=tenant_id, phone=key, name=name.strip(), password_hash="",
            status="active", created_at=now, updated_at=now,
        )).on_conflict(action="DO NOTHING").returning(Customer.id)
        if not inserted:  # opened meanwhile by another desk
            again = await find_customer(tenant_id, key)
            if again is None:
                raise NotFound("The customer's account could not be opened; try again")
            return again["id"], False
        await emit(tenant_id, "customer.registered", {
            "customer_id": inserted[0]["id"], "email": "", "phone": key,
            "name": name.strip()})
        return inserted[0]["id"], True


__all__ = ["find_customer", "find_or_open_customer"]
