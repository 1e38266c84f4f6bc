"""Invitations to join a shop's staff, by an emailed link.

The link carries a random secret; the database keeps only its HMAC under the platform's
secret key, so neither a leaked table nor a guess yields a working link. A link works once
(accepting is a conditional update: pending, not revoked, not expired → accepted) and for
`INVITATION_TTL`. The invitee joins under the invited email: with their password when a
platform account with that email exists, else by choosing one (a new account).

Call every function inside the shop's scope.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from typing import Any

from galleria.auth.members import ASSIGNABLE_ROLES, join, membership_of
from galleria.auth.permissions import as_list, clean_permissions
from galleria.auth.signup import EMAIL_RE
from galleria.auth.staff import user_by_email
from galleria.kernel.billing.limits import ensure_room
from galleria.kernel.errors import Conflict, NotFound, ValidationFailed
from galleria.kernel.notifications import NotificationMessage
from galleria.kernel.notifications.service import shop_channels
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy import audit
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import Invitation, Membership

log = logging.getLogger("galleria.auth")
INVITATION_TTL = dt.timedelta(hours=72)
LINK_PATH = "/console/invitation"


def _digest(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), b"galleria.invitation|" + token.encode(),
                    hashlib.sha256).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def staff_seats_taken(tenant_id: int) -> int:
    """Members of the shop plus invitations still open: the plan's `staff` limit counts
    both, so a shop cannot invite past its seats and have them all accept."""
    members = await Membership.count().where(Membership.tenant == tenant_id)
    pending = await Invitation.count().where(
        (Invitation.tenant == tenant_id) & Invitation.accepted_at.is_null()
        & Invitation.revoked_at.is_null() & (Invitation.expires_at > _now()))
    return members + pending


async def invite(tenant_id: int, secret_key: str, *, email: str, role: str,
                 permissions: list[str], invited_by: int) -> tuple[dict[str, Any], str]:
    """Record an invitation; returns it and the link's secret (shown or sent once)."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationFailed("Enter a valid email address")
    if role not in ASSIGNABLE_ROLES:
        raise ValidationFailed("Choose the role admin or staff")
    kept = clean_permissions(permissions) if role == "staff" else []
    if role == "staff" and not kept:
        raise ValidationFailed("Give the staff member at least one area")
    user = await user_by_email(email)
    if user is not None and await membership_of(user["id"], tenant_id) is not None:
        raise Conflict("This person is already a member of the shop")
    await ensure_room(tenant_id, "staff", await staff_seats_taken(tenant_id))
    token = secrets.token_urlsafe(32)
    rows = await Invitation.insert(Invitation(
        tenant=tenant_id, email=email, role=role, permissions=kept,
        token_hash=_digest(secret_key, token), invited_by=invited_by,
        expires_at=_now() + INVITATION_TTL,
    )).returning(Invitation.id, Invitation.email, Invitation.role, Invitation.expires_at)
    await audit.record(tenant_id, f"user:{invited_by}", "staff.invited", email,
                       {"role": role, "permissions": kept})
    return rows[0], token


def link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{LINK_PATH}?token={token}"


async def open_invitation(tenant_id: int, secret_key: str, token: str) -> dict[str, Any] | None:
    """The pending invitation behind `token` in this shop, or None (used, revoked, expired,
    another shop's or made up)."""
    if not token or len(token) > 100:
        return None
    row = await Invitation.select().where(
        (Invitation.tenant == tenant_id) & (Invitation.token_hash == _digest(secret_key, token))
        & Invitation.accepted_at.is_null() & Invitation.revoked_at.is_null()
        & (Invitation.expires_at > _now())).first()
    return {**row, "permissions": as_list(row["permissions"])} if row else None


async def accept(tenant_id: int, secret_key: str, token: str, user_id: int) -> int:
    """Spend the invitation for the signed-in (or just created) user; their membership id.

    Raises NotFound when the link was used, revoked or has expired meanwhile.
    """
    now = _now()
    spent = await Invitation.update({Invitation.accepted_at: now,
                                     Invitation.accepted_by: user_id}).where(
        (Invitation.tenant == tenant_id) & (Invitation.token_hash == _digest(secret_key, token))
        & Invitation.accepted_at.is_null() & Invitation.revoked_at.is_null()
        & (Invitation.expires_at > now)
    ).returning(Invitation.id, Invitation.role, Invitation.permissions)
    if not spent:
        raise NotFound("This invitation was used already, withdrawn or has expired")
    row = spent[0]
    return await join(tenant_id, user_id, row["role"], as_list(row["permissions"]),
                      actor=f"user:{user_id}")


async def pending(tenant_id: int) -> list[dict[str, Any]]:
    """Invitations not yet accepted, withdrawn or expired, newest first."""
    return await Invitation.select(
        Invitation.id, Invitation.email, Invitation.role, Invitation.permissions,
        Invitation.created_at, Invitation.expires_at,
    ).where((Invitation.tenant == tenant_id) & Invitation.accepted_at.is_null()
            & Invitation.revoked_at.is_null() & (Invitation.expires_at > _now())
            ).order_by(Invitation.id, ascending=False)


async def revoke(tenant_id: int, invitation_id: int, *, actor_user: int) -> None:
    done = await Invitation.update({Invitation.revoked_at: _now()}).where(
        (Invitation.tenant == tenant_id) & (Invitation.id == invitation_id)
        & Invitation.accepted_at.is_null() & Invitation.revoked_at.is_null()
    ).returning(Invitation.email)
    if not done:
        raise NotFound("No pending invitation with this id")
    await audit.record(tenant_id, f"user:{actor_user}", "staff.invitation_revoked",
                       done[0]["email"])


async def email_channel(host: PluginHost, shop: Shop) -> Any | None:
    """The shop's email channel (the `notify_email` plugin, when enabled), or None."""
    channels = shop_channels(host, shop, await enabled_plugins(shop.id))
    return next((c for c in channels.values() if c.kind == "email"), None)


async def send_invitation(channel: Any, shop: Shop, *, email: str, subject: str,
                          text: str, locale: str) -> bool:
    """Email the invitation through `channel`; False when it fails, so that the console
    shows the link to pass on instead. Call outside the shop's scope (no transaction held
    open during SMTP).

    The mail goes now rather than through the outbox: the notification log would keep the
    link in clear, and the inviter is there to pass it on by hand if this fails.
    """
    message = NotificationMessage(recipient=email, subject=subject, text=text, locale=locale,
                                  topic="staff.invited", audience="staff",
                                  shop_name=shop.name)
    try:
        await channel.send(message)
    except Exception:  # any failure means "not sent": the console shows the link
        log.warning("the invitation mail to %s could not be sent", email, exc_info=True)
        return False
    return True


__all__ = ["INVITATION_TTL", "LINK_PATH", "accept", "email_channel", "invite", "link",
           "open_invitation", "pending", "revoke", "send_invitation"]
