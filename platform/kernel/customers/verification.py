"""Proving an email address or phone number is the customer's: a six-digit code sent there.

`request_code` emits `customer.verification_requested`; a notifications listener then makes
the code (`issue_code`) and sends it through the shop's email or SMS channel, so the code
exists in clear only in that message. `confirm_code` checks it: at most MAX_ATTEMPTS tries
(one conditional update each, so parallel guesses cannot exceed them), within CODE_TTL, once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from galleria.kernel import crypto, db
from galleria.kernel.customers.tables import Customer, VerificationCode
from galleria.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from galleria.kernel.events import emit

CHANNELS = ("email", "phone")
CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
REQUESTED = "customer.verification_requested"


class CodeInvalid(ValidationFailed):
    code, title = "code_invalid", "Wrong or expired code"


def _digest(customer_id: int, channel: str, code: str) -> str:
    key = crypto.derive_key("customer-verification-code")
    return hmac.new(key, f"{customer_id}:{channel}:{code}".encode(), hashlib.sha256).hexdigest()


def _check_channel(channel: Any) -> str:
    if channel not in CHANNELS:
        raise ValidationFailed("Choose what to verify", errors=[
            FieldError("channel", "email or phone")])
    return channel


async def _customer(tenant_id: int, customer_id: int) -> dict[str, Any]:
    row = await Customer.select().where(
        (Customer.tenant == tenant_id) & (Customer.id == customer_id)).first()
    if row is None:
        raise NotFound("No such customer in this shop")
    return row


async def request_code(tenant_id: int, customer_id: int, channel: Any) -> None:
    """Ask for a code to `channel` (`email` or `phone`) of the customer; 409 when the
    account has no such address or it is verified already."""
    channel = _check_channel(channel)
    async with db.shop_scope(tenant_id):
        row = await _customer(tenant_id, customer_id)
        if not row[channel]:
            raise Conflict(f"This account has no {channel} to verify")
        if row[f"{channel}_verified_at"] is not None:
            raise Conflict(f"This {channel} is verified already")
        await emit(tenant_id, REQUESTED, {"customer_id": customer_id, "channel": channel})


async def issue_code(tenant_id: int, customer_id: int, channel: str) -> tuple[str, str]:
    """Make a new code (the earlier ones stop working); returns (code, where to send it)."""
    code = f"{secrets.randbelow(10**6):06d}"
    now = dt.datetime.now(dt.UTC)
    async with db.shop_scope(tenant_id):
        row = await _customer(tenant_id, customer_id)
        await VerificationCode.update({VerificationCode.used_at: now}).where(
            (VerificationCode.tenant == tenant_id) & (VerificationCode.customer == customer_id)
            & (VerificationCode.channel == channel) & VerificationCode.used_at.is_null())
        await VerificationCode.insert(VerificationCode(
            tenant=tenant_id, customer=customer_id, channel=channel, target=row[channel] or "",
            code_digest=_digest(customer_id, channel, code), created_at=now,
            expires_at=now + CODE_TTL))
    return code, row[channel] or ""


async def confirm_code(tenant_id: int, customer_id: int, channel: Any, code: Any) -> None:
    """Mark the channel verified if `code` is the latest one sent there, unexpired, unused,
    within its attempts; CodeInvalid (422) otherwise, saying how many tries are left."""
    channel = _check_channel(channel)
    code = str(code or "").strip()
    now = dt.datetime.now(dt.UTC)
    # The attempt is counted in a transaction of its own: a wrong code raises, and a raise
    # would otherwise roll the count back with it.
    async with db.shop_scope(tenant_id):
        customer = await _customer(tenant_id, customer_id)
        latest = await VerificationCode.select().where(
            (VerificationCode.tenant == tenant_id) & (VerificationCode.customer == customer_id)
            & (VerificationCode.channel == channel) & VerificationCode.used_at.is_null()
            & (VerificationCode.expires_at > now)
        ).order_by(VerificationCode.id, ascending=False).first()
        counted = [] if latest is None else await VerificationCode.update({
            VerificationCode.attempts: VerificationCode.attempts + 1,
        }).where((VerificationCode.id == latest["id"])
                 & (VerificationCode.attempts < MAX_ATTEMPTS)).returning(
            VerificationCode.attempts)
    if latest is None or latest["target"] != (customer[channel] or ""):
        raise CodeInvalid("No code is waiting: ask for a new one",
                          errors=[FieldError("code", "ask for a new code")])
    if not counted:
        raise CodeInvalid("Too many wrong codes: ask for a new one",
                          errors=[FieldError("code", "ask for a new code")])
    if not hmac.compare_digest(latest["code_digest"], _digest(customer_id, channel, code)):
        left = MAX_ATTEMPTS - counted[0]["attempts"]
        raise CodeInvalid(f"Wrong code; {left} tries left",
                          errors=[FieldError("code", f"wrong code; {left} tries left")])
    async with db.shop_scope(tenant_id):
        used = await VerificationCode.update({VerificationCode.used_at: now}).where(
            (VerificationCode.id == latest["id"]) & VerificationCode.used_at.is_null()
        ).returning(VerificationCode.id)
        if not used:  # the same code confirmed twice at once
            raise CodeInvalid("This code was used already", errors=[
                FieldError("code", "ask for a new code")])
        column = Customer.email_verified_at if channel == "email" else Customer.phone_verified_at
        await Customer.update({column: now, Customer.updated_at: now}).where(
            (Customer.tenant == tenant_id) & (Customer.id == customer_id))


__all__ = ["CHANNELS", "CODE_TTL", "MAX_ATTEMPTS", "REQUESTED", "CodeInvalid", "confirm_code",
           "issue_code", "request_code"]
