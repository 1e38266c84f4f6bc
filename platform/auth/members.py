"""A shop's staff: who belongs, with which role and permissions; changing that; handing the
shop over. Every change is written to the shop's audit log in the same transaction.

Rules kept here (the pages only call these):
- a shop has exactly one owner; only the owner hands it over, to another member, after
  confirming their own password, and becomes an admin;
- nobody changes or removes the owner, and nobody changes or removes themselves (a
  manager cannot lock themselves out by mistake);
- only a `staff` member keeps permissions; owners and admins may do everything.

Call every function inside the shop's scope (`db.shop_scope(tenant_id)`).
"""

from __future__ import annotations

from typing import Any

from galleria.auth.passwords import verify_password
from galleria.auth.permissions import as_list, clean_permissions
from galleria.kernel.errors import Forbidden, NotFound, ValidationFailed
from galleria.kernel.tenancy import audit
from galleria.kernel.tenancy.tables import Membership, PlatformUser

ASSIGNABLE_ROLES = ("admin", "staff")  # the owner is made only by handing the shop over


async def membership_of(user_id: int, tenant_id: int) -> dict[str, Any] | None:
    """{"id", "role", "permissions"} of the user in the shop, or None."""
    row = await Membership.select(Membership.id, Membership.role, Membership.permissions).where(
        (Membership.user == user_id) & (Membership.tenant == tenant_id)).first()
    if row is None:
        return None
    return {**row, "permissions": as_list(row["permissions"])}


async def list_members(tenant_id: int) -> list[dict[str, Any]]:
    """The shop's members, owner first: id, user_id, email, name, role, permissions."""
    rows = await Membership.select(
        Membership.id, Membership.user.as_alias("user_id"), Membership.role,
        Membership.permissions, Membership.created_at,
        Membership.user.email.as_alias("email"), Membership.user.name.as_alias("name"),
    ).where(Membership.tenant == tenant_id).order_by(Membership.id)
    order = {"owner": 0, "admin": 1, "staff": 2}
    members = [{**r, "permissions": as_list(r["permissions"])} for r in rows]
    return sorted(members, key=lambda m: (order.get(m["role"], 3), m["id"]))


async def _member(tenant_id: int, membership_id: int) -> dict[str, Any]:
    row = await Membership.select(Membership.id, Membership.user, Membership.role).where(
        (Membership.tenant == tenant_id) & (Membership.id == membership_id)).first()
    if row is None:
        raise NotFound("No such member of this shop")
    return row


def _check_role(role: str) -> None:
    if role not in ASSIGNABLE_ROLES:
        raise ValidationFailed("Choose the role admin or staff")


async def join(tenant_id: int, user_id: int, role: str, permissions: list[str], *,
               actor: str) -> int:
    """Make the user a member (or update a membership they already have); its id."""
    _check_role(role)
    kept = clean_permissions(permissions) if role == "staff" else []
    existing = await membership_of(user_id, tenant_id)
    if existing is not None:
        if existing["role"] == "owner":
            return existing["id"]  # the owner keeps ownership: nothing to join
        await Membership.update({Membership.role: role, Membership.permissions: kept}).where(
            Membership.id == existing["id"])
        membership_id = existing["id"]
    else:
        rows = await Membership.insert(Membership(
            user=user_id, tenant=tenant_id, role=role, permissions=kept)).returning(Membership.id)
        membership_id = rows[0]["id"]
    await audit.record(tenant_id, actor, "staff.joined", f"user:{user_id}",
                       {"role": role, "permissions": kept})
    return membership_id


async def change_access(tenant_id: int, membership_id: int, role: str,
                        permissions: list[str], *, actor_user: int) -> None:
    """Give a member another role or other permissions."""
    _check_role(role)
    member = await _member(tenant_id, membership_id)
    if member["role"] == "owner":
        raise Forbidden("The owner's role changes only by handing the shop over")
    if member["user"] == actor_user:
        raise Forbidden("You cannot change your own role")
    kept = clean_permissions(permissions) if role == "staff" else []
    await Membership.update({Membership.role: role, Membership.permissions: kept}).where(
        Membership.id == membership_id)
    await audit.record(tenant_id, f"user:{actor_user}", "staff.changed",
                       f"user:{member['user']}", {"role": role, "permissions": kept,
                                                  "was": member["role"]})


async def remove_member(tenant_id: int, membership_id: int, *, actor_user: int) -> None:
    member = await _member(tenant_id, membership_id)
    if member["role"] == "owner":
        raise Forbidden("The owner cannot be removed; hand the shop over first")
    if member["user"] == actor_user:
        raise Forbidden("You cannot remove yourself")
    await Membership.delete().where(Membership.id == membership_id)
    await audit.record(tenant_id, f"user:{actor_user}", "staff.removed",
                       f"user:{member['user']}", {"role": member["role"]})


async def transfer_ownership(tenant_id: int, owner_user: int, password: str,
                             new_owner_membership: int) -> None:
    """Hand the shop to another member: they become the owner, the owner an admin.

    Needs the current owner's password; refused for anyone else.
    """
    current = await membership_of(owner_user, tenant_id)
    if current is None or current["role"] != "owner":
        raise Forbidden("Only the shop's owner can hand the shop over")
    user = await PlatformUser.select(PlatformUser.password_hash).where(
        PlatformUser.id == owner_user).first()
    if user is None or not await verify_password(user["password_hash"], password):
        raise Forbidden("The password is not right")
    target = await _member(tenant_id, new_owner_membership)
    if target["user"] == owner_user:
        raise ValidationFailed("Choose another member to hand the shop over to")
    # Step down first, conditionally: of two hand-overs at once only one finds an owner.
    stepped_down = await Membership.update(
        {Membership.role: "admin", Membership.permissions: []}).where(
        (Membership.id == current["id"]) & (Membership.role == "owner")
    ).returning(Membership.id)
    if not stepped_down:
        raise Forbidden("Only the shop's owner can hand the shop over")
    await Membership.update({Membership.role: "owner", Membership.permissions: []}).where(
        Membership.id == target["id"])
    await audit.record(tenant_id, f"user:{owner_user}", "shop.owner_transferred",
                       f"user:{target['user']}", {"previous_owner": owner_user})


__all__ = ["ASSIGNABLE_ROLES", "change_access", "join", "list_members", "membership_of",
           "remove_member", "transfer_ownership"]
