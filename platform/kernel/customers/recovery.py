"""Getting back into an account (password reset) and leaving it (account deletion).

Password reset: `request_password_reset` issues a single-use token that expires after
`tokens.RESET_TTL` and emits `customer.password_reset_requested` for a notification plugin
to send (the token is in the payload, so that it can build the link; only its hash is kept
in the customer tables). Asking for an unknown account does nothing, and the caller answers
the same either way. `reset_password` spends the token and sets the new password, which also
signs every API client out.

Deletion: the account stops existing for the shopper, but the shop keeps its order records:
the account row stays (orders point at its id) without email, phone, name or password; its
addresses, tokens and carts go; its orders keep the amounts and lines while their contact
and address are replaced by an anonymised copy (country, province and city kept).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from piccolo.columns import Varchar

from galleria.kernel import db
from galleria.kernel.checkout.tables import Cart, CartLine
from galleria.kernel.customers import tokens
from galleria.kernel.customers.accounts import (
    ACTIVE,
    DELETED,
    CustomerView,
    Passwords,
    change_password,
    find_by_login,
    get_customer,
)
from galleria.kernel.customers.tables import Customer, CustomerAddress, CustomerToken
from galleria.kernel.errors import FieldError, ValidationFailed
from galleria.kernel.events import emit
from galleria.kernel.orders.tables import Order

RESET_TOPIC = "customer.password_reset_requested"


class ResetTokenInvalid(ValidationFailed):
    code, title = "reset_token_invalid", "Reset link invalid"


async def request_password_reset(tenant_id: int, login: Any, origin: str = "") -> None:
    """Issue a reset token for the active account `login` names (earlier unused ones are
    revoked) and emit the event carrying it (and `origin`, the shop's URL origin the link
    starts with); do nothing for an unknown account."""
    row = await find_by_login(tenant_id, login)
    if row is None or row["status"] != ACTIVE:
        return
    async with db.shop_scope(tenant_id):
        await CustomerToken.update({CustomerToken.revoked_at: dt.datetime.now(dt.UTC)}).where(
            (CustomerToken.tenant == tenant_id) & (CustomerToken.customer == row["id"])
            & (CustomerToken.purpose == "reset") & CustomerToken.revoked_at.is_null())
        issued = await tokens.issue_reset_token(tenant_id, row["id"])
        await emit(tenant_id, RESET_TOPIC, {
            "customer_id": row["id"], "email": row["email"] or "", "phone": row["phone"] or "",
            "token": issued.token, "expires_at": issued.expires_at.isoformat(),
            "origin": origin})


async def reset_password(tenant_id: int, passwords: Passwords, token: Any,
                         new_password: Any) -> CustomerView:
    """Spend the reset token and set `new_password`. Raises ResetTokenInvalid for an
    unknown, expired or spent token, ValidationFailed for a weak password (the token is
    then not spent: both happen in one transaction)."""
    async with db.shop_scope(tenant_id):
        customer_id = await tokens.spend_reset_token(
            tenant_id, token if isinstance(token, str) else "")
        if customer_id is None:
            raise ResetTokenInvalid(
                "This reset link is invalid, expired or used; ask for a new one",
                errors=[FieldError("token", "invalid, expired or used")])
        await change_password(tenant_id, passwords, customer_id, new_password)
        return await get_customer(tenant_id, customer_id)


async def close_account(tenant_id: int, passwords: Passwords, customer_id: int,
                        password: Any) -> None:
    """Delete the account after checking its password (ValidationFailed on `password`)."""
    async with db.shop_scope(tenant_id):
        row = await Customer.select(Customer.password_hash).where(
            (Customer.tenant == tenant_id) & (Customer.id == customer_id)).first()
    typed = password if isinstance(password, str) else ""
    if not await passwords.verify(row["password_hash"] if row else None, typed[:256]):
        raise ValidationFailed("The password is not right", errors=[
            FieldError("password", "not your password")])
    await delete_account(tenant_id, customer_id)


async def delete_account(tenant_id: int, customer_id: int) -> None:
    """Delete the account, keeping the shop's order records anonymised (see the module)."""
    now = dt.datetime.now(dt.UTC)
    async with db.shop_scope(tenant_id):
        await Customer.update({
            Customer.email: None, Customer.phone: None, Customer.name: "",
            Customer.password_hash: "", Customer.status: DELETED, Customer.updated_at: now,
        }).where((Customer.tenant == tenant_id) & (Customer.id == customer_id))
        for table in (CustomerAddress, CustomerToken):
            await table.delete().where(
                (table.tenant == tenant_id) & (table.customer == customer_id))
        carts = [row["id"] for row in await Cart.select(Cart.id).where(
            (Cart.tenant == tenant_id) & (Cart.customer == customer_id))]
        if carts:
            await CartLine.delete().where(
                (CartLine.tenant == tenant_id) & CartLine.cart.is_in(carts))
            await Cart.delete().where((Cart.tenant == tenant_id) & Cart.id.is_in(carts))
        await _anonymise_orders(tenant_id, customer_id)


async def _anonymise_orders(tenant_id: int, customer_id: int) -> None:
    orders = await Order.select(Order.id, Order.address, Order.invoice).where(
        (Order.tenant == tenant_id) & (Order.customer == customer_id))
    for order in orders:
        values: dict[Any, Any] = {Order.contact: {"name": "—", "phone": "", "email": ""},
                                  Order.address: _anonymised(order["address"]),
                                  Order.invoice: _invoice_without_email(order["invoice"])}
        for searchable in ("contact_phone", "address_phone"):  # the console's search keys
            if isinstance(column := getattr(Order, searchable, None), Varchar):
                values[column] = ""
        await Order.update(values).where(
            (Order.tenant == tenant_id) & (Order.id == order["id"]))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _anonymised(address: Any) -> dict[str, str]:
    data = _json(address) or {}
    kept = {name: str(data.get(name) or "") for name in ("country", "province", "city")}
    return {"name": "—", "phone": "", "district": "", "line1": "", "line2": "",
            "postal_code": "", **kept}


def _invoice_without_email(invoice: Any) -> dict[str, str] | None:
    """An invoice request stays (the shop's tax records need it) without its email."""
    data = _json(invoice)
    if not isinstance(data, dict):
        return None
    return {name: value for name, value in data.items() if name != "email"}


__all__ = ["RESET_TOPIC", "ResetTokenInvalid", "close_account", "delete_account",
           "request_password_reset", "reset_password"]
