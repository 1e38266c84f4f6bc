"""Shopper accounts: register, authenticate, read, change the password, delete.

Every function takes the shop's `tenant_id` and runs inside `shop_scope(tenant_id)` (the
ones that write open it themselves; a scope already open for the shop is joined).

Passwords are hashed by whoever calls (the kernel imports no auth code): they pass an object
of the `Passwords` shape, which `galleria.web.shoppers.PASSWORDS` provides with argon2id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Protocol

from galleria.kernel import db
from galleria.kernel.checkout.details import EMAIL_RE, normal_phone
from galleria.kernel.customers.tables import Customer, CustomerToken
from galleria.kernel.errors import Conflict, FieldError, NotFound, Problems, Unauthorized
from galleria.kernel.events import emit

ACTIVE, DISABLED, DELETED = "active", "disabled", "deleted"
PHONE_RE = re.compile(r"^\+?[0-9]{6,20}$")
EMAIL_MAX, NAME_MAX = 254, 60
SIGN_IN_FAILED = "Wrong email, phone or password"


class Passwords(Protocol):
    """Password hashing and policy, provided by the caller (argon2id in galleria.auth)."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when it matches; with no hash, spends the same time and says False."""

    def problem(self, password: str, *, email: str = "") -> str | None:
        """Why the password is too weak, or None."""


class CustomerExists(Conflict):
    code, title = "customer_exists", "Account already exists"


class SignInFailed(Unauthorized):
    """The one answer to a failed sign-in: unknown account, wrong password or a disabled
    account all look alike, so nobody learns which accounts exist by signing in."""

    code, title = "sign_in_failed", "Sign-in failed"


@dataclass(frozen=True)
class CustomerView:
    id: int
    tenant_id: int
    email: str | None
    phone: str | None
    name: str
    status: str
    created_at: dt.datetime
    last_sign_in_at: dt.datetime | None
    email_verified: bool = False
    phone_verified: bool = False

    @classmethod
    def of(cls, row: dict[str, Any]) -> CustomerView:
        return cls(id=row["id"], tenant_id=row["tenant"], email=row["email"],
                   phone=row["phone"], name=row["name"], status=row["status"],
                   created_at=row["created_at"], last_sign_in_at=row["last_sign_in_at"],
                   email_verified=row.get("email_verified_at") is not None,
                   phone_verified=row.get("phone_verified_at") is not None)

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.phone or f"#{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "phone": self.phone, "name": self.name,
                "email_verified": self.email_verified, "phone_verified": self.phone_verified,
                "created_at": _time(self.created_at),
                "last_sign_in_at": _time(self.last_sign_in_at)}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def normal_email(value: str) -> str:
    return value.strip().lower()


def identify(login: str) -> tuple[str, str]:
    """(`email`|`phone`, normalised value) for what a shopper typed to sign in."""
    login = (login or "").strip()
    if "@" in login:
        return "email", normal_email(login)
    return "phone", normal_phone(login)


def _check_identity(email: Any, phone: Any, problems: Problems) -> tuple[str | None, str | None]:
    email = normal_email(email) if isinstance(email, str) else None
    phone = normal_phone(phone.strip()) if isinstance(phone, str) else None
    if email and (len(email) > EMAIL_MAX or not EMAIL_RE.match(email)):
        problems.add("email", "not a valid email address")
    if phone and not PHONE_RE.match(phone):
        problems.add("phone", "a phone number: 6–20 digits, optionally starting with +")
    if not email and not phone:
        problems.add("email", "give an email or a phone number")
    return email or None, phone or None


async def register(tenant_id: int, passwords: Passwords, *, email: Any = None,
                   phone: Any = None, password: Any = "", name: Any = "") -> CustomerView:
    """Create an active account with an email and/or a phone, and emit
    `customer.registered`. Raises ValidationFailed (422 with field errors) or
    CustomerExists (409, naming the field taken)."""
    problems = Problems()
    email, phone = _check_identity(email, phone, problems)
    name = "" if name is None else name
    if not isinstance(name, str) or len(name.strip()) > NAME_MAX:
        problems.add("name", f"at most {NAME_MAX} characters")
        name = ""
    if not isinstance(password, str) or not password:
        problems.add("password", "required")
    elif weak := passwords.problem(password, email=email or ""):
        problems.add("password", weak)
    problems.raise_if_any("Some account details are invalid")
    password_hash = await passwords.hash(password)
    now = _now()
    async with db.shop_scope(tenant_id):
        inserted = await Customer.insert(Customer(
            tenant=tenant_id, email=email, phone=phone, password_hash=password_hash,
            name=name.strip(), status=ACTIVE, created_at=now, updated_at=now,
        )).on_conflict(action="DO NOTHING").returning(Customer.id)
        if not inserted:
            raise await _taken(tenant_id, email, phone)
        customer = await get_customer(tenant_id, inserted[0]["id"])
        await emit(tenant_id, "customer.registered", {
            "customer_id": customer.id, "email": email or "", "phone": phone or "",
            "name": customer.name})
    return customer


async def _taken(tenant_id: int, email: str | None, phone: str | None) -> CustomerExists:
    errors = []
    if email and await Customer.exists().where(
            (Customer.tenant == tenant_id) & (Customer.email == email)):
        errors.append(FieldError("email", "already registered in this shop"))
    if phone and await Customer.exists().where(
            (Customer.tenant == tenant_id) & (Customer.phone == phone)):
        errors.append(FieldError("phone", "already registered in this shop"))
    return CustomerExists("An account with this email or phone exists; sign in instead",
                          errors=errors)


async def find_by_login(tenant_id: int, login: Any) -> dict[str, Any] | None:
    """The account row (any status) whose email or phone is `login`, or None."""
    kind, value = identify(login if isinstance(login, str) else "")
    if not value or len(value) > EMAIL_MAX:
        return None
    column = Customer.email if kind == "email" else Customer.phone
    async with db.shop_scope(tenant_id):
        return await Customer.select().where(
            (Customer.tenant == tenant_id) & (column == value)).first()


async def authenticate(tenant_id: int, passwords: Passwords, login: Any,
                       password: Any) -> CustomerView:
    """The active account whose email or phone is `login`, if `password` is its password.

    Raises SignInFailed otherwise, after hashing either way, so that the answer and its
    time are the same whether or not the account exists.
    """
    password = password if isinstance(password, str) else ""
    row = await find_by_login(tenant_id, login)
    ok = await passwords.verify(row["password_hash"] if row else None, password[:256])
    if not ok or row is None or row["status"] != ACTIVE:
        raise SignInFailed(SIGN_IN_FAILED)
    now = _now()
    async with db.shop_scope(tenant_id):
        await Customer.update({Customer.last_sign_in_at: now}).where(
            (Customer.tenant == tenant_id) & (Customer.id == row["id"]))
    return CustomerView.of({**row, "last_sign_in_at": now})


async def get_customer(tenant_id: int, customer_id: int) -> CustomerView:
    """The account, whatever its status; raises NotFound."""
    async with db.shop_scope(tenant_id):
        row = await Customer.select().where(
            (Customer.tenant == tenant_id) & (Customer.id == customer_id)).first()
    if row is None:
        raise NotFound(f"No customer {customer_id} in this shop")
    return CustomerView.of(row)


async def customer_name(tenant_id: int, customer_id: int) -> str:
    """The shopper's name as given on their account ("" when none, or no such shopper): for
    a plugin that names the shopper to others, masked (a review's 李**)."""
    async with db.shop_scope(tenant_id):
        row = await Customer.select(Customer.name).where(
            (Customer.tenant == tenant_id) & (Customer.id == customer_id)).first()
    return ((row or {}).get("name") or "").strip()


async def active_customer(tenant_id: int, customer_id: Any) -> CustomerView | None:
    """The account if it exists in this shop and is active; None otherwise."""
    if type(customer_id) is not int:
        return None
    async with db.shop_scope(tenant_id):
        row = await Customer.select().where(
            (Customer.tenant == tenant_id) & (Customer.id == customer_id)
            & (Customer.status == ACTIVE)).first()
    return CustomerView.of(row) if row else None


async def change_password(tenant_id: int, passwords: Passwords, customer_id: int,
                          new_password: Any) -> None:
    """Set a new password and revoke every API token of the account (signed-in apps must
    sign in again). Raises ValidationFailed when the password is too weak."""
    customer = await get_customer(tenant_id, customer_id)
    problems = Problems()
    if not isinstance(new_password, str) or not new_password:
        problems.add("password", "required")
    elif weak := passwords.problem(new_password, email=customer.email or ""):
        problems.add("password", weak)
    problems.raise_if_any("The new password is not accepted")
    password_hash = await passwords.hash(new_password)
    now = _now()
    async with db.shop_scope(tenant_id):
        await Customer.update({Customer.password_hash: password_hash,
                               Customer.updated_at: now}).where(
            (Customer.tenant == tenant_id) & (Customer.id == customer_id))
        await CustomerToken.update({CustomerToken.revoked_at: now}).where(
            (CustomerToken.tenant == tenant_id) & (CustomerToken.customer == customer_id)
            & CustomerToken.revoked_at.is_null())


__all__ = ["ACTIVE", "DELETED", "DISABLED", "SIGN_IN_FAILED", "CustomerExists", "CustomerView",
           "Passwords", "SignInFailed", "active_customer", "authenticate", "change_password",
           "find_by_login", "get_customer", "identify", "normal_email", "register"]
