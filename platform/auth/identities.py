"""Linking an outside identity (OpenID Connect, WeChat) to a Galleria account.

An identity already linked signs in its account. A new one is linked to the account with
the same email only when the provider says the email is verified: otherwise anyone who can
set an email at some provider could take over the account holding it. Without an account
for that (verified) email, one is created: a platform user for staff, a customer of the
shop for shoppers (through the customers kernel, with a random password the shopper can
replace by resetting it).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from galleria.auth.oidc import Identity, SignInRefused
from galleria.kernel import db
from galleria.kernel.access.tables import CustomerIdentity, StaffIdentity
from galleria.kernel.customers import accounts
from galleria.kernel.customers.accounts import CustomerView, Passwords
from galleria.kernel.tenancy.tables import PlatformUser

UNVERIFIED = ("The provider has not verified this email address, so it cannot be used to "
              "sign in here. Sign in with your password instead.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _verified_email(identity: Identity) -> str:
    if not identity.email:
        raise SignInRefused("The provider did not share an email address")
    if not identity.email_verified:
        raise SignInRefused(UNVERIFIED)
    return identity.email


# -- staff -----------------------------------------------------------------------------------------
async def link_staff(identity: Identity) -> dict[str, Any]:
    """The platform user `identity` signs in (linked, matched by verified email, or new)."""
    where = (StaffIdentity.issuer == identity.issuer) & (
        StaffIdentity.subject == identity.subject)
    linked = await StaffIdentity.select(StaffIdentity.id, StaffIdentity.user).where(where).first()
    if linked is not None:
        await StaffIdentity.update({StaffIdentity.last_sign_in_at: _now()}).where(
            StaffIdentity.id == linked["id"])
        user = await PlatformUser.select().where(PlatformUser.id == linked["user"]).first()
        if user is None:
            raise SignInRefused("The account linked to this identity no longer exists")
        return user
    email = _verified_email(identity)
    # password_hash "" never verifies: such a user signs in through the provider only.
    await PlatformUser.insert(PlatformUser(email=email, name=identity.name, password_hash="")
                              ).on_conflict(action="DO NOTHING")
    user = await PlatformUser.select().where(PlatformUser.email == email).first()
    assert user is not None
    await StaffIdentity.insert(StaffIdentity(
        issuer=identity.issuer, subject=identity.subject, user=user["id"], email=email,
        last_sign_in_at=_now())).on_conflict(action="DO NOTHING")
    return user


# -- shoppers --------------------------------------------------------------------------------------
async def _linked_customer(tenant_id: int, issuer: str, subject: str) -> int | None:
    async with db.shop_scope(tenant_id):
        where = ((CustomerIdentity.tenant == tenant_id) & (CustomerIdentity.issuer == issuer)
                 & (CustomerIdentity.subject == subject))
        row = await CustomerIdentity.select(CustomerIdentity.id,
                                            CustomerIdentity.customer).where(where).first()
        if row is not None:
            await CustomerIdentity.update({CustomerIdentity.last_sign_in_at: _now()}).where(
                (CustomerIdentity.tenant == tenant_id) & (CustomerIdentity.id == row["id"]))
    return row["customer"] if row else None


async def _link_customer_row(tenant_id: int, issuer: str, subject: str, customer_id: int,
                             email: str = "") -> int:
    """Link the identity to `customer_id`; the customer it is linked to afterwards (another
    one if a concurrent first sign-in of the same identity linked first)."""
    async with db.shop_scope(tenant_id):
        await CustomerIdentity.insert(CustomerIdentity(
            tenant=tenant_id, issuer=issuer, subject=subject, customer=customer_id,
            email=email, last_sign_in_at=_now())).on_conflict(action="DO NOTHING")
        row = await CustomerIdentity.select(CustomerIdentity.customer).where(
            (CustomerIdentity.tenant == tenant_id) & (CustomerIdentity.issuer == issuer)
            & (CustomerIdentity.subject == subject)).first()
    return row["customer"] if row else customer_id


async def _active(tenant_id: int, customer_id: int) -> CustomerView:
    customer = await accounts.active_customer(tenant_id, customer_id)
    if customer is None:
        raise SignInRefused("The account linked to this identity is closed or disabled")
    return customer


def random_password() -> str:
    """A password nobody knows, for accounts created through a provider."""
    return "Gx9-" + secrets.token_urlsafe(32)


async def link_customer(tenant_id: int, passwords: Passwords, identity: Identity
                        ) -> CustomerView:
    """The shop's customer `identity` signs in (linked, matched by verified email, or new)."""
    linked = await _linked_customer(tenant_id, identity.issuer, identity.subject)
    if linked is not None:
        return await _active(tenant_id, linked)
    email = _verified_email(identity)
    row = await accounts.find_by_login(tenant_id, email)
    if row is None:
        try:
            customer = await accounts.register(tenant_id, passwords, email=email,
                                               password=random_password(), name=identity.name)
        except accounts.CustomerExists:  # registered meanwhile: link to that one
            row = await accounts.find_by_login(tenant_id, email)
            if row is None:
                raise
            customer = await _active(tenant_id, row["id"])
    else:
        customer = await _active(tenant_id, row["id"])
    linked = await _link_customer_row(tenant_id, identity.issuer, identity.subject,
                                      customer.id, email)
    return customer if linked == customer.id else await _active(tenant_id, linked)


async def link_customer_subject(tenant_id: int, passwords: Passwords, issuer: str,
                                subject: str, *, name: str = "", phone: str = ""
                                ) -> CustomerView:
    """For providers without email (WeChat): the customer linked to (issuer, subject), or a
    new one. A customer needs an email or a phone, so a new one gets `phone` if the provider
    gave one, else a placeholder address under `.invalid` that can never receive mail."""
    linked = await _linked_customer(tenant_id, issuer, subject)
    if linked is not None:
        return await _active(tenant_id, linked)
    placeholder = f"{secrets.token_hex(8)}@{issuer}.invalid"
    customer = await accounts.register(
        tenant_id, passwords, email=None if phone else placeholder, phone=phone or None,
        password=random_password(), name=name[:60])
    return await _active(tenant_id, await _link_customer_row(tenant_id, issuer, subject,
                                                             customer.id))


async def bind_customer_subject(tenant_id: int, customer_id: int, issuer: str,
                                subject: str) -> None:
    """Remember that `customer_id` is also (issuer, subject) — e.g. their openid in one
    WeChat app when they signed in by unionid. An identity already linked to another
    customer keeps that customer."""
    await _link_customer_row(tenant_id, issuer, subject, customer_id)


async def customer_subject(tenant_id: int, customer_id: int, issuer: str) -> str:
    """The subject of `customer_id`'s identity at `issuer` (the latest linked), or ""."""
    async with db.shop_scope(tenant_id):
        row = await CustomerIdentity.select(CustomerIdentity.subject).where(
            (CustomerIdentity.tenant == tenant_id) & (CustomerIdentity.customer == customer_id)
            & (CustomerIdentity.issuer == issuer)).order_by(
                CustomerIdentity.id, ascending=False).first()
    return row["subject"] if row else ""


__all__ = ["bind_customer_subject", "customer_subject", "link_customer",
           "link_customer_subject", "link_staff", "random_password"]
