"""Signing in with a code texted to a phone (验证码登录), with or without an account yet.

`request_code` records a request for the number (at most one a minute and five an hour per
number and shop: RateLimited otherwise) and emits `customer.sms_sign_in_requested`; the
notifications listener then makes the code (`issue_code`) and sends it through the shop's SMS
channel, so the code exists in clear only in that message. The answer is the same whether or
not an account uses the number. `sign_in` checks the code (five tries, five minutes, once)
and returns the number's account, first opening one when the shop lets shoppers sign up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any

from galleria.kernel import crypto, db
from galleria.kernel.customers.accounts import ACTIVE, CustomerView, SignInFailed
from galleria.kernel.customers.tables import Customer, SignInCode
from galleria.kernel.customers.verification import CodeInvalid
from galleria.kernel.errors import FieldError, RateLimited, ValidationFailed
from galleria.kernel.events import emit

CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_AFTER = dt.timedelta(seconds=60)
PER_HOUR = 5
REQUESTED = "customer.sms_sign_in_requested"
MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def mainland_phone(value: Any) -> str:
    """`+86 138-0013-8000` → `13800138000`; ValidationFailed for anything that is not a
    mainland China mobile number (the only kind an SMS sign-in code is sent to)."""
    digits = re.sub(r"[\s\-()]", "", value) if isinstance(value, str) else ""
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    if not MAINLAND_MOBILE.match(digits):
        raise ValidationFailed("Enter a mainland China mobile number", errors=[
            FieldError("phone", "a mainland China mobile number: 11 digits starting with 1")])
    return digits


def signup_open(shop_settings: dict[str, Any]) -> bool:
    """Whether a new phone number may open an account by signing in with a code: the
    shop's `shopper_signup` setting, on unless the shop turned it off."""
    return shop_settings.get("shopper_signup", True) is not False


def _stored_forms(phone: str) -> list[str]:
    """How an account may hold the number (accounts keep it as typed, without spaces)."""
    return [phone, f"+86{phone}", f"86{phone}"]


def _digest(tenant_id: int, code_id: int, code: str) -> str:
    key = crypto.derive_key("customer-sign-in-code")
    return hmac.new(key, f"{tenant_id}:{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


async def request_code(tenant_id: int, phone: Any) -> str:
    """Ask for a sign-in code to `phone`; returns the number as it is texted."""
    phone = mainland_phone(phone)
    now = dt.datetime.now(dt.UTC)
    async with db.shop_scope(tenant_id):
        recent = await SignInCode.select(SignInCode.created_at).where(
            (SignInCode.tenant == tenant_id) & (SignInCode.phone == phone)
            & (SignInCode.created_at > now - dt.timedelta(hours=1)))
        latest = max((row["created_at"] for row in recent), default=None)
        if latest is not None and now - latest < RESEND_AFTER:
            wait = int((RESEND_AFTER - (now - latest)).total_seconds()) + 1
            raise RateLimited(f"A code was just sent to this number; ask again in {wait} "
                              "seconds", retry_after=wait)
        if len(recent) >= PER_HOUR:
            raise RateLimited("Too many codes for this number this hour; try again later",
                              retry_after=3600)
        inserted = await SignInCode.insert(SignInCode(
            tenant=tenant_id, phone=phone, code_digest="", created_at=now,
            expires_at=now + CODE_TTL)).returning(SignInCode.id)
        await emit(tenant_id, REQUESTED, {"code_id": inserted[0]["id"]})
    return phone


async def account_for(tenant_id: int, phone: str) -> dict[str, Any] | None:
    """The account row that uses the mainland number `phone`, or None."""
    async with db.shop_scope(tenant_id):
        return await Customer.select().where(
            (Customer.tenant == tenant_id) & Customer.phone.is_in(_stored_forms(phone))
        ).order_by(Customer.id).first()


async def issue_code(tenant_id: int, code_id: int) -> tuple[str, str] | None:
    """Make the code of request `code_id` (a new one if a send failed and is retried):
    (code, phone), or None when the request was used already."""
    code = f"{secrets.randbelow(10**6):06d}"
    now = dt.datetime.now(dt.UTC)
    async with db.shop_scope(tenant_id):
        made = await SignInCode.update({
            SignInCode.code_digest: _digest(tenant_id, code_id, code),
            SignInCode.expires_at: now + CODE_TTL, SignInCode.attempts: 0,
        }).where((SignInCode.tenant == tenant_id) & (SignInCode.id == code_id)
                 & SignInCode.used_at.is_null()).returning(SignInCode.phone)
    return (code, made[0]["phone"]) if made else None


async def _check_code(tenant_id: int, phone: str, code: str) -> None:
    now = dt.datetime.now(dt.UTC)
    # The attempt is counted in a transaction of its own: a wrong code raises, and a raise
    # would otherwise roll the count back with it.
    async with db.shop_scope(tenant_id):
        latest = await SignInCode.select().where(
            (SignInCode.tenant == tenant_id) & (SignInCode.phone == phone)
            & SignInCode.used_at.is_null() & (SignInCode.code_digest != "")
            & (SignInCode.expires_at > now)
        ).order_by(SignInCode.id, ascending=False).first()
        counted = [] if latest is None else await SignInCode.update({
            SignInCode.attempts: SignInCode.attempts + 1,
        }).where((SignInCode.id == latest["id"]) & (SignInCode.tenant == tenant_id)
                 & (SignInCode.attempts < MAX_ATTEMPTS)).returning(SignInCode.attempts)
    if latest is None:
        raise CodeInvalid("No code is waiting for this number, or it has expired: ask for "
                          "a new one", errors=[FieldError("code", "ask for a new code")])
    if not counted:
        raise CodeInvalid("Too many wrong codes: ask for a new one",
                          errors=[FieldError("code", "ask for a new code")])
    if not hmac.compare_digest(latest["code_digest"], _digest(tenant_id, latest["id"], code)):
        left = MAX_ATTEMPTS - counted[0]["attempts"]
        raise CodeInvalid(f"Wrong code; {left} tries left",
                          errors=[FieldError("code", f"wrong code; {left} tries left")])
    async with db.shop_scope(tenant_id):
        used = await SignInCode.update({SignInCode.used_at: now}).where(
            (SignInCode.tenant == tenant_id) & (SignInCode.id == latest["id"])
            & SignInCode.used_at.is_null()).returning(SignInCode.id)
    if not used:  # the same code used twice at once
        raise CodeInvalid("This code was used already",
                          errors=[FieldError("code", "ask for a new code")])


async def sign_in(tenant_id: int, phone: Any, code: Any, *,
                  allow_signup: bool) -> tuple[CustomerView, bool]:
    """(the account, whether it was just opened) for a right code. CodeInvalid (422) for a
    wrong, expired or used code; SignInFailed (401) when the number has no account and the
    shop does not let shoppers sign up, or its account is disabled."""
    phone = mainland_phone(phone)
    await _check_code(tenant_id, phone, str(code or "").strip()[:12])
    now = dt.datetime.now(dt.UTC)
    row = await account_for(tenant_id, phone)
    created = False
    async with db.shop_scope(tenant_id):
        if row is None:
            if not allow_signup:
                raise SignInFailed("No account uses this phone number in this shop")
            inserted = await Customer.insert(Customer(
                tenant=tenant_id, phone=phone, password_hash="", name="", status=ACTIVE,
                created_at=now, updated_at=now, phone_verified_at=now,
            )).on_conflict(action="DO NOTHING").returning(Customer.id)
            if inserted:
                created = True
                await emit(tenant_id, "customer.registered", {
                    "customer_id": inserted[0]["id"], "email": "", "phone": phone,
                    "name": ""})
            row = await Customer.select().where(
                (Customer.tenant == tenant_id) & Customer.phone.is_in(_stored_forms(phone))
            ).order_by(Customer.id).first()
        if row is None or row["status"] != ACTIVE:
            raise SignInFailed("This account cannot sign in; contact the shop")
        changes: dict[Any, Any] = {Customer.last_sign_in_at: now}
        if row["phone_verified_at"] is None:  # the code proves the number is theirs
            changes[Customer.phone_verified_at] = now
        await Customer.update(changes).where(
            (Customer.tenant == tenant_id) & (Customer.id == row["id"]))
    return CustomerView.of({**row, **{c._meta.name: v for c, v in changes.items()}}), created


__all__ = [
    "CODE_TTL",
    "MAX_ATTEMPTS",
    "PER_HOUR",
    "REQUESTED",
    "RESEND_AFTER",
    "CodeInvalid",
    "account_for",
    "issue_code",
    "mainland_phone",
    "request_code",
    "sign_in",
    "signup_open",
]
