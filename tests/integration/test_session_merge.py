"""Two requests of one visitor that change the session at the same time both keep their
change: a slow request's write goes over the session as stored by then, not over the copy it
read (the guest's order token was lost so, and the order page answered 404)."""

from __future__ import annotations

import asyncio

import httpx
from litestar import Litestar, Request, get
from litestar.stores.memory import MemoryStore

from galleria.web.sessions import LazySessionConfig

released = asyncio.Event()
started = asyncio.Event()


@get("/start")
async def start(request: Request) -> None:
    request.set_session({"cart_id": "c1", "cart_count": 1})


@get("/slow")
async def slow(request: Request) -> None:
    session = dict(request.session)  # read before the other request stores its change
    started.set()
    await released.wait()
    session.pop("cart_id", None)  # e.g. the cart page finding the cart placed: forgotten,
    session.pop("cart_count", None)  # which leaves this request's copy empty
    request.set_session(session)


@get("/place")
async def place(request: Request) -> None:
    request.set_session({**request.session, "guest_orders": [["N1", "token"]]})


@get("/read")
async def read(request: Request) -> dict:
    return dict(request.session)


async def test_concurrent_changes_to_one_session_are_both_kept():
    app = Litestar([start, slow, place, read], stores={"sessions": MemoryStore()},
                   middleware=[LazySessionConfig(store="sessions").middleware])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://shop.localhost") as client:
        await client.get("/start")
        cookie = dict(client.cookies)
        slow_call = asyncio.create_task(client.get("/slow", cookies=cookie))
        await started.wait()
        await client.get("/place", cookies=cookie)
        released.set()
        await slow_call
        session = (await client.get("/read", cookies=cookie)).json()
    assert session.get("guest_orders") == [["N1", "token"]]  # the placed order's key stays
    assert "cart_id" not in session and "cart_count" not in session  # the slow change too
