"""Platform users (merchant staff): sign-in and the shops they belong to."""

from __future__ import annotations

from typing import Any

from galleria.auth.passwords import verify_password
from galleria.kernel.tenancy.tables import Membership, PlatformUser

ROLES = ("owner", "admin", "staff")


async def user_by_email(email: str) -> dict[str, Any] | None:
    return await PlatformUser.select().where(
        PlatformUser.email == email.strip().lower()).first()


async def authenticate(email: str, password: str) -> dict[str, Any] | None:
    """The user if the password is right; None otherwise, in the same time either way."""
    user = await user_by_email(email)
    ok = await verify_password(user["password_hash"] if user else None, password)
    return user if ok and user else None


async def role_in(user_id: int, tenant_id: int) -> str | None:
    row = await Membership.select(Membership.role).where(
        (Membership.user == user_id) & (Membership.tenant == tenant_id)).first()
    return row["role"] if row else None


async def shops_of(user_id: int) -> list[dict[str, Any]]:
    rows = await Membership.select(
        Membership.role, Membership.tenant.slug.as_alias("slug"),
        Membership.tenant.name.as_alias("name"),
    ).where(Membership.user == user_id).order_by(Membership.id)
    return rows


async def first_shop_slug(user_id: int) -> str | None:
    shops = await shops_of(user_id)
    return shops[0]["slug"] if shops else None


__all__ = ["ROLES", "authenticate", "first_shop_slug", "role_in", "shops_of",
           "user_by_email"]
