"""Staff sessions for the pages, and one-time sign-in tickets between hosts.

Session cookies belong to one host, so signing up or signing in on the platform host cannot
sign anyone in on `{slug}.{domain}`. The platform instead redirects to
`/console/welcome?ticket=…` on the shop host: the ticket is an HMAC-signed
(user, shop, time, nonce) that expires after five minutes and is accepted once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from litestar import Request

from galleria.web.staff_sessions import stamp

TICKET_TTL = 300
SESSION_STORE = "sessions"
SESSION_COOKIE = "session"  # ServerSideSessionConfig's default key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), b"galleria.ticket|" + payload, hashlib.sha256).digest()


def issue_ticket(secret: str, user_id: int, slug: str, *, now: float | None = None) -> str:
    """A ticket that signs `user_id` into the console of shop `slug`."""
    issued = int(time.time() if now is None else now)
    payload = f"{int(user_id)}|{slug}|{issued}|{secrets.token_urlsafe(12)}".encode()
    return f"{_b64(payload)}.{_b64(_sign(secret, payload))}"


@dataclass(frozen=True)
class Ticket:
    user_id: int
    slug: str
    issued: int
    nonce: str


def read_ticket(secret: str, ticket: str, slug: str, *, now: float | None = None
                ) -> Ticket | None:
    """The ticket if it is genuine, for shop `slug` and not expired; None otherwise."""
    try:
        payload_text, signature_text = ticket.split(".", 1)
        payload, signature = _unb64(payload_text), _unb64(signature_text)
        if not hmac.compare_digest(signature, _sign(secret, payload)):
            return None
        user_id, ticket_slug, issued, nonce = payload.decode().split("|")
        parsed = Ticket(int(user_id), ticket_slug, int(issued), nonce)
    except (ValueError, UnicodeDecodeError):
        return None
    age = (time.time() if now is None else now) - parsed.issued
    if parsed.slug != slug or not -30 <= age <= TICKET_TTL:
        return None
    return parsed


async def spend_ticket(request: Request, ticket: Ticket) -> bool:
    """Mark the ticket used; False if it was used before (kept in the session store, so
    every app server sees it when the store is Redis)."""
    store = request.app.stores.get(SESSION_STORE)
    key = f"ticket-used:{ticket.nonce}"
    if await store.exists(key):
        return False
    await store.set(key, b"1", expires_in=TICKET_TTL + 60)
    return True


async def start_session(request: Request, data: dict[str, Any]) -> None:
    """Sign in: drop the old session and its id, then store `data` under a fresh id, so a
    session id planted before sign-in is worthless afterwards."""
    old_id = request.cookies.get(SESSION_COOKIE)
    if old_id:
        await request.app.stores.get(SESSION_STORE).delete(old_id)
    # The session backend takes the id from the (cached) request cookies: forget it there
    # so that it generates a new one for this response.
    request.cookies.pop(SESSION_COOKIE, None)
    request.clear_session()
    # A staff session carries its user's generation ("sign out everywhere" bumps it).
    request.set_session(await stamp(request.app.stores.get(SESSION_STORE), dict(data)))


def end_session(request: Request) -> None:
    request.clear_session()


def session_user(request: Request) -> dict[str, Any] | None:
    session = request.scope.get("session")
    if isinstance(session, dict) and session.get("user_id"):
        return session
    return None


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def safe_next(target: str | None, prefix: str = "/", default: str = "/") -> str:
    """A local path to go back to after a redirect; anything else becomes `default`."""
    if (target and target.startswith(prefix) and not target.startswith("//")
            and "\\" not in target and "\n" not in target and "\r" not in target):
        return target
    return default
