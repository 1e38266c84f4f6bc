"""Platform operators: platform users with `is_operator`, a password and a TOTP second
factor (RFC 6238, pyotp). The secret is sealed at rest; a code is accepted once (its time
step is remembered), within one step of clock drift."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pyotp

from galleria.auth.passwords import hash_password, password_problem
from galleria.auth.staff import authenticate, user_by_email
from galleria.kernel import crypto
from galleria.kernel.billing.subscriptions import audit
from galleria.kernel.billing.tables import OperatorFactor
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.tenancy.tables import PlatformUser

PURPOSE = "operator-totp"
ISSUER = "Galleria"


async def create_operator(email: str, password: str) -> tuple[int, str]:
    """Make `email` an operator (a new platform user, or an existing one promoted) with a
    fresh TOTP secret; returns the user id and the provisioning URI for an authenticator
    app (shown once)."""
    email = email.strip().lower()
    problem = password_problem(password, email=email)
    if problem:
        raise ValidationFailed(problem)
    user = await user_by_email(email)
    password_hash = await hash_password(password)
    if user is None:
        rows = await PlatformUser.insert(PlatformUser(
            email=email, password_hash=password_hash, is_operator=True)).returning(
            PlatformUser.id)
        user_id = rows[0]["id"]
    else:
        user_id = user["id"]
        await PlatformUser.update({PlatformUser.is_operator: True,
                                   PlatformUser.password_hash: password_hash}).where(
            PlatformUser.id == user_id)
    secret = pyotp.random_base32()
    sealed = crypto.seal({"secret": secret}, PURPOSE)
    await OperatorFactor.delete().where(OperatorFactor.user_id == user_id)
    await OperatorFactor.insert(OperatorFactor(user_id=user_id, totp_secret=sealed))
    await audit(None, "cli", "operator.created", email)
    return user_id, pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


async def totp_secret(user_id: int) -> str | None:
    row = await OperatorFactor.select().where(OperatorFactor.user_id == user_id).first()
    return crypto.unseal(row["totp_secret"], PURPOSE)["secret"] if row else None


async def sign_in(email: str, password: str, code: str,
                  now: float | None = None) -> dict[str, Any] | None:
    """The operator if password and code are right (and the code not used before)."""
    user = await authenticate(email, password) if email and password else None
    if user is None or not user["is_operator"]:
        return None
    row = await OperatorFactor.select().where(OperatorFactor.user_id == user["id"]).first()
    if row is None:
        return None
    totp = pyotp.TOTP(crypto.unseal(row["totp_secret"], PURPOSE)["secret"])
    now = time.time() if now is None else now
    code = code.strip().replace(" ", "")
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        step = totp.timecode(dt.datetime.fromtimestamp(at, dt.UTC))
        if step > row["last_step"] and totp.verify(code, for_time=at):
            # Conditional: two sign-ins racing with one code, only one moves the step.
            moved = await OperatorFactor.update({OperatorFactor.last_step: step}).where(
                (OperatorFactor.user_id == user["id"])
                & (OperatorFactor.last_step < step)).returning(OperatorFactor.id)
            return user if moved else None
    return None


async def is_operator(user_id: int) -> bool:
    row = await PlatformUser.select(PlatformUser.is_operator).where(
        PlatformUser.id == user_id).first()
    return bool(row and row["is_operator"])


__all__ = ["create_operator", "is_operator", "sign_in", "totp_secret"]
