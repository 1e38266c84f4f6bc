"""Live chat pages (在线客服): the shopper's `/chat` (optionally about an order they may see)
and the console's `/console/chat` (conversations, unread first, and one conversation with
the order at hand), each talking over a WebSocket.

The page signs a short-lived token naming the shop, the side and the conversation; the
WebSocket (`/chat/ws?t=`) checks it, so the socket needs neither cookies nor a session.
Messages reach the other side by the socket polling for new ones every POLL seconds
(kernel.service.chat), which works across app processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from litestar import Controller, Request, Response, Router, WebSocket, get, websocket
from litestar.exceptions import WebSocketDisconnect

from galleria.kernel import db
from galleria.kernel.errors import DomainError, NotFound
from galleria.kernel.orders.service import get_order
from galleria.kernel.service import chat
from galleria.kernel.tenancy.shops import Shop, resolve_host
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import page
from galleria.web.pages.return_views import shop_time
from galleria.web.pages.storefront.order_pages import visible_order
from galleria.web.pages.storefront.storefront import logo_url
from galleria.web.shoppers import actor_of, current_customer

POLL = 1.5  # seconds between checks for the other side's messages
TOKEN_TTL = 6 * 3600
VISITOR_KEY = "chat_visitor"


def _sign(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), b"galleria.chat|" + text.encode(),
                    hashlib.sha256).hexdigest()


def chat_token(secret: str, slug: str, side: str, conversation_id: int, actor: str) -> str:
    text = f"{slug}|{side}|{conversation_id}|{actor}|{int(time.time())}"
    return f"{text}|{_sign(secret, text)}"


def read_token(secret: str, token: str, slug: str) -> tuple[str, int, str] | None:
    """(side, conversation id, actor) of a genuine, fresh token for shop `slug`."""
    try:
        text, signature = token.rsplit("|", 1)
        token_slug, side, conversation, actor, issued = text.split("|")
        fresh = 0 <= time.time() - int(issued) <= TOKEN_TTL
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _sign(secret, text)) or token_slug != slug \
            or not fresh or side not in (chat.CUSTOMER, chat.STAFF):
        return None
    return side, int(conversation), actor


@get("/chat", name="storefront:chat")
async def chat_page(request: Request, shop: Shop, runtime: Runtime, order: str = "") -> Response:
    visitor = request.session.get(VISITOR_KEY) or secrets.token_urlsafe(18)
    request.session[VISITOR_KEY] = visitor
    async with db.shop_scope(shop.id):
        customer = await current_customer(request)
        number = ""
        if order:
            with contextlib.suppress(NotFound):  # not theirs: chat without it
                number = (await visible_order(request, shop, order[:20]))[0]["number"]
        conversation = await chat.conversation_of(
            shop.id, visitor, customer_id=customer.id if customer else None,
            order_number=number)
        await chat.mark_read(shop.id, conversation["id"], chat.CUSTOMER)
        history = await chat.messages_after(shop.id, conversation["id"])
    token = chat_token(runtime.settings.secret_key, shop.slug, chat.CUSTOMER,
                       conversation["id"], actor_of(customer))
    return page(request, "storefront/chat.html", history=history, token=token,
                order_number=number, staffed=chat.staffed_now(shop),
                shop_time=lambda value: shop_time(shop, value), logo_url=logo_url(shop), q="")


@websocket("/chat/ws", name="chat:ws")
async def chat_socket(socket: WebSocket, runtime: Runtime, t: str = "") -> None:
    """Both sides' socket: `{"body"}` in, `{"messages": [...]}` out (new ones, both
    authors, in order). The request-context middleware serves HTTP only, so the shop is
    resolved from the host here; the token must name that same shop."""
    shop = await resolve_host(socket.headers.get("host", ""), runtime.settings.domain)
    claims = read_token(runtime.settings.secret_key, t, shop.slug) if shop else None
    if shop is None or claims is None:
        await socket.close(code=4403)
        return
    side, conversation_id, actor = claims
    await socket.accept()
    last = 0

    async def push() -> None:
        nonlocal last
        async with db.shop_scope(shop.id):
            fresh = await chat.messages_after(shop.id, conversation_id, last)
            if fresh:
                await chat.mark_read(shop.id, conversation_id, side)
        if fresh:
            last = fresh[-1]["id"]
            await socket.send_json({"messages": fresh})

    async def receive() -> None:
        while True:
            data = json.loads(await socket.receive_text())
            try:
                async with db.shop_scope(shop.id):
                    await chat.post(shop, conversation_id, author=side, actor=actor,
                                    body=str(data.get("body") or "") if isinstance(
                                        data, dict) else "")
            except DomainError as exc:
                await socket.send_json({"error": exc.detail})
            await push()

    reader = asyncio.create_task(receive())
    try:
        while not reader.done():
            await push()
            await asyncio.wait({reader}, timeout=POLL)
        reader.result()
    except (WebSocketDisconnect, ValueError, RuntimeError):
        pass  # the page went away, or sent something that is not JSON
    finally:
        reader.cancel()


class ChatConsole(Controller):
    path = "/chat"
    guards = [require_staff]

    @get("/", name="console:chat")
    async def list_page(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        async with db.shop_scope(shop.id):
            items = await chat.conversations(shop.id)
        return await console_page(request, runtime, "console/chat.html", "chat",
                                  items=items, shop_time=lambda v: shop_time(shop, v))

    @get("/{conversation_id:int}", name="console:chat-conversation")
    async def show(self, request: Request, shop: Shop, runtime: Runtime,
                   conversation_id: int) -> Response:
        async with db.shop_scope(shop.id):
            row = await chat.get_conversation(shop.id, conversation_id)
            await chat.mark_read(shop.id, conversation_id, chat.STAFF)
            history = await chat.messages_after(shop.id, conversation_id)
            order: dict[str, Any] | None = None
            if row["order_number"]:
                with contextlib.suppress(NotFound):
                    order = await get_order(shop.id, row["order_number"])
        token = chat_token(runtime.settings.secret_key, shop.slug, chat.STAFF,
                           conversation_id, f"user:{staff_of(request)['user_id']}")
        return await console_page(request, runtime, "console/chat_conversation.html", "chat",
                                  conversation=chat.conversation_view(row), history=history,
                                  order=order, token=token,
                                  shop_time=lambda v: shop_time(shop, v))


chat_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[ChatConsole],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False)
CHAT_ROUTES = [chat_page]
chat_socket_router = Router(path="/", route_handlers=[chat_socket], include_in_schema=False)

__all__ = ["CHAT_ROUTES", "chat_console_router", "chat_socket_router", "chat_token",
           "read_token"]
