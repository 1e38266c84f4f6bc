"""Sign out everywhere: a per-user session generation kept in the session store.

Every staff session carries the generation of its user at sign-in (`staff_gen`, stamped by
`start_session`). "Sign out everywhere" increments the user's generation in the store, so
every session signed in before — on any device, on any app server when the store is Redis —
no longer matches; `StaffSessionCheck` then forgets the staff keys of such a session on its
next request (its shopper keys stay: they are another account's). One store read per
request that carries a staff session.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.stores.base import Store
from litestar.types import ASGIApp, Receive, Scope, Send

SESSION_STORE = "sessions"
GENERATION = "staff_gen"
STAFF_KEYS = ("user_id", "email", GENERATION)


def _key(user_id: int) -> str:
    return f"staff-generation:{int(user_id)}"


async def current_generation(store: Store, user_id: int) -> int:
    raw = await store.get(_key(user_id))
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0


async def sign_out_everywhere(store: Store, user_id: int) -> int:
    """End every session of the user, wherever it is; returns the new generation. (Not
    atomic, and need not be: two at once both end every older session.)"""
    generation = await current_generation(store, user_id) + 1
    await store.set(_key(user_id), str(generation).encode())  # kept until changed
    return generation


async def stamp(store: Store, data: dict[str, Any]) -> dict[str, Any]:
    """`data` for a new session, with the staff user's current generation."""
    if type(data.get("user_id")) is int:
        return {**data, GENERATION: await current_generation(store, data["user_id"])}
    return data


class StaffSessionCheck(ASGIMiddleware):
    """Drops the staff keys of a session signed in before its user's last "sign out
    everywhere". Runs inside the session middleware (it needs `scope["session"]`)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        session = scope.get("session")
        if isinstance(session, dict) and type(session.get("user_id")) is int:
            store = scope["app"].stores.get(SESSION_STORE)
            if session.get(GENERATION, 0) != await current_generation(store,
                                                                       session["user_id"]):
                scope["session"] = {k: v for k, v in session.items() if k not in STAFF_KEYS}
        await next_app(scope, receive, send)


__all__ = ["StaffSessionCheck", "current_generation", "sign_out_everywhere", "stamp"]
