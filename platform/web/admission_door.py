"""The admission door: a flash-sale burst's buyers admitted together, before routing.

When a sale opens, thousands of `POST /api/v1/orders` arrive at once and all but the quota
are refused (409 `sold_out`). Admission (kernel checkout/admission.py) refuses them before
the order's transaction, but each refusal still went through the whole framework — routing,
middleware, guards, dependencies, the response — and its own cart read and Redis round
trip: about 2 ms of CPU, so 2,000 buyers on two cores waited seconds for their answer.

The door sits in front of the framework (it wraps the app's ASGI handler, so Litestar's
`before_send` still adds the content security policy). For `POST /api/v1/orders` of a shop
whose enabled plugins gate buyers, it reads the body's `cart_id` and joins the request to
the shop's batch: the buyers that arrive in the same turn of the event loop are admitted
together — the host looked up once, their carts read in one statement, each gating
adjuster asked once (`PriceAdjuster.admit_many`). A refused buyer is answered here, with
the same problem+json, headers and access-log line as the app gives; an admitted one goes
on into the app with its tickets, which the order's `admission(..., admitted=...)` uses
and the door closes when the request ends, however it ends.

Only the refusal moves here: whatever the door is unsure of (another path, an unreadable
body, a host that is no shop, an adjuster that fails) goes on to the app untouched, where
`admission` and the order's transaction decide exactly as before. A shop whose admission
(here or in the app) took and refused nothing lately is passed straight through (kernel
`admission.quiet`: for a second when it has a gating plugin enabled, a minute when it has
none), so that shops without a running sale pay the door nothing: not a statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import string
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from galleria.kernel.checkout.admission import admit_together, close_tickets, quiet
from galleria.kernel.checkout.contracts import AdmissionTicket
from galleria.kernel.errors import DomainError
from galleria.kernel.tenancy import shop_cache
from galleria.kernel.tenancy.shops import Shop, bare_host, resolve_host, resolved_lately
from galleria.web import i18n
from galleria.web.bad_input import has_nul
from galleria.web.context import log_access, request_id_of, response_headers
from galleria.web.problems import PROBLEM_JSON, domain_problem

log = logging.getLogger("galleria.checkout")
PATH = "/api/v1/orders"
STATE_KEY = "galleria.admitted"  # scope["state"]: the tickets the door took for the request
NOT_A_SHOP_SECONDS = 1.0  # a host that named no shop: left to the app that long
SHOP_SECONDS = 1.0  # a batch uses the shop its host named this recently (no statement)
HOLD_SECONDS = 0.5  # the admitted wait at most this long for the refusals in front
HOSTS = 10_000  # hosts that named no shop remembered; forgotten all at once beyond
MAX_BODY = 64 * 1024  # an order's body is well under this; a larger one goes on untouched
CART_ID_LENGTH = 32


@dataclass
class _Buyer:
    cart_token: str
    locale_asked: tuple[str | None, str | None, str | None]  # ?lang=, cookie, Accept-Language
    answer: asyncio.Future[Sequence[AdmissionTicket] | _Refusal | None]


@dataclass(frozen=True)
class _Refusal:
    """A refusal as it is sent: rendered once for all the buyers of a batch it refuses."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]  # its own: content type and length, Retry-After
    content: bytes
    shop: Shop | None

    @classmethod
    def of(cls, error: DomainError, shop: Shop | None) -> _Refusal:
        status, body, extra = domain_problem(error)
        content = msgspec.json.encode(body)
        return cls(status, ((b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(content)).encode()),
                            *((name.lower().encode(), value.encode())
                              for name, value in (extra or {}).items())), content, shop)


@dataclass
class _Batch:
    host: str
    buyers: list[_Buyer] = field(default_factory=list)


@dataclass
class _Gathering:
    """The door's batches on one event loop (a process has one; tests start several)."""

    loop: asyncio.AbstractEventLoop
    batches: dict[str, _Batch] = field(default_factory=dict)  # gathering, by host
    admitting: set[str] = field(default_factory=set)  # hosts whose batch is being admitted
    tasks: set[asyncio.Future[None]] = field(default_factory=set)  # held until done
    in_flight: int = 0  # batches gathering or being admitted
    waiting: list[asyncio.Future[None]] = field(default_factory=list)  # the admitted, held


class AdmissionDoor:
    """ASGI: wraps the app's handler (`app.asgi_handler = AdmissionDoor(...)`)."""

    def __init__(self, inner: ASGIApp, runtime: Any, domain: str) -> None:
        self.inner, self.runtime, self.domain = inner, runtime, domain
        self._gathering: _Gathering | None = None
        self._not_shops: dict[str, float] = {}  # host → until when it is left to the app

    def _here(self) -> _Gathering:
        loop = asyncio.get_running_loop()
        if self._gathering is None or self._gathering.loop is not loop:
            self._gathering = _Gathering(loop)
        return self._gathering

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "POST"
                or scope.get("path") != PATH):
            await self.inner(scope, receive, send)
            return
        host = bare_host(_header(scope, b"host"))
        if not host or self._passes(host) or has_nul(scope):
            await self.inner(scope, receive, send)
            return
        started = time.perf_counter()
        messages, body = await _read_body(receive)
        replay = _replaying(messages, receive)
        cart_token = _cart_id(body) if body is not None else None
        if cart_token is None:
            await self.inner(scope, replay, send)
            return
        here = self._here()
        buyer = _Buyer(cart_token, _locale_asked(scope), here.loop.create_future())
        self._join(here, host, buyer)
        answer = await buyer.answer
        if isinstance(answer, _Refusal):
            await _refuse(scope, send, answer, started)
            return
        tickets = list(answer or ())
        if answer is not None:
            scope.setdefault("state", {})[STATE_KEY] = tickets
            await _after_the_refused(here)
        try:
            await self.inner(scope, replay, send)
        finally:
            await close_tickets(tickets)

    def _passes(self, host: str) -> bool:
        """Whether the host's orders go straight to the app: its shop's admission was quiet
        lately, or it named no shop a moment ago."""
        known = resolved_lately(host)
        if known is not None:
            return quiet(known[0].id)
        return self._not_shops.get(host, 0.0) > time.monotonic()

    def _join(self, here: _Gathering, host: str, buyer: _Buyer) -> None:
        batch = here.batches.get(host)
        if batch is None:
            batch = here.batches[host] = _Batch(host)
            here.in_flight += 1
            if host not in here.admitting:
                # On the loop's next turn: the requests read in this one join it first.
                here.loop.call_soon(self._start, here, host)
        batch.buyers.append(buyer)

    def _start(self, here: _Gathering, host: str) -> None:
        """Admit the host's gathered batch. One batch per host at a time: who arrives
        meanwhile gathers for the next, which starts when this one is done."""
        batch = here.batches.pop(host, None)
        if batch is not None:
            here.admitting.add(host)
            task = here.loop.create_task(self._admit(here, batch))
            here.tasks.add(task)  # held until done: the loop keeps only a weak reference
            task.add_done_callback(here.tasks.discard)

    async def _admit(self, here: _Gathering, batch: _Batch) -> None:
        try:
            await self._admit_batch(batch)
        except Exception:
            log.exception("admission door %s: batch of %s failed; the app decides",
                          batch.host, len(batch.buyers))
        finally:
            for buyer in batch.buyers:  # whoever the batch did not answer goes to the app
                _settle(buyer, None)
            here.in_flight -= 1
            if not here.in_flight:  # the admitted held go on, after the refused
                for waiter in here.waiting:
                    if not waiter.done():
                        waiter.set_result(None)
                here.waiting.clear()
            here.admitting.discard(batch.host)
            if batch.host in here.batches:
                self._start(here, batch.host)

    async def _admit_batch(self, batch: _Batch) -> None:
        buyers = batch.buyers
        try:
            with shop_cache.request_tokens():  # the token read here serves the whole batch
                shop = await self._shop(batch.host)
                if shop is None:
                    outcomes: list[Any] = [None] * len(buyers)
                    self._not_shops[batch.host] = time.monotonic() + NOT_A_SHOP_SECONDS
                else:
                    chosen: dict[tuple[str | None, str | None, str | None], str] = {}
                    locales = [chosen.get(asked) or chosen.setdefault(asked, _locale(asked, shop))
                               for asked in (buyer.locale_asked for buyer in buyers)]
                    outcomes = await admit_together(
                        shop, self.runtime.host, [buyer.cart_token for buyer in buyers],
                        locales)
        except Exception as exc:  # the app answers them (an unknown host, a plugin's bug…)
            if not isinstance(exc, DomainError):
                log.warning("admission door %s: batch of %s failed; the app decides",
                            batch.host, len(buyers), exc_info=True)
            outcomes = [None] * len(buyers)
            shop = None
            if len(self._not_shops) >= HOSTS:
                self._not_shops.clear()
            self._not_shops[batch.host] = time.monotonic() + NOT_A_SHOP_SECONDS
        refusals: dict[int, _Refusal] = {}  # by the error's id: a plugin's shared errors
        try:
            for outcome in outcomes:
                if isinstance(outcome, DomainError) and id(outcome) not in refusals:
                    refusals[id(outcome)] = _Refusal.of(outcome, shop)
        except Exception:  # all go to the app: nothing taken for them may stay taken
            await close_tickets([t for o in outcomes if isinstance(o, list) for t in o])
            raise
        # The refused first: their answers go out before the admitted start placing.
        for buyer, outcome in zip(buyers, outcomes, strict=True):
            if isinstance(outcome, DomainError):
                _settle(buyer, refusals[id(outcome)])
        for buyer, outcome in zip(buyers, outcomes, strict=True):
            if not isinstance(outcome, DomainError) and not _settle(buyer, outcome):
                await close_tickets(outcome or ())  # the request is gone

    async def _shop(self, host: str) -> Shop | None:
        """The host's shop: as this process resolved it less than SHOP_SECONDS ago (its
        cache token held again, so its plugins come from the cache), else looked up (one
        statement). Only refusals rely on it; the admitted go through the app's lookup."""
        known = resolved_lately(host, SHOP_SECONDS)
        if known is not None:
            shop, token = known
            shop_cache.hold(shop.id, token)
            return shop
        return await resolve_host(host, self.domain)


async def _after_the_refused(here: _Gathering) -> None:
    """An admitted buyer places its order once the batches in flight are answered (at most
    HOLD_SECONDS later): a burst's many refusals go out first, and the few orders' work —
    ten times a refusal's, in this process and in the database — follows."""
    if here.in_flight:
        waiter = here.loop.create_future()
        here.waiting.append(waiter)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, HOLD_SECONDS)


def _settle(buyer: _Buyer, answer: Any) -> bool:
    if buyer.answer.done():
        return False
    buyer.answer.set_result(answer)
    return True


async def _refuse(scope: Scope, send: Send, refusal: _Refusal, started: float) -> None:
    """The refusal, as the app's exception handler and request context would answer it."""
    request_id = request_id_of(scope)
    try:
        await send({"type": "http.response.start", "status": refusal.status,
                    "headers": [*refusal.headers, *response_headers(request_id)]})
        await send({"type": "http.response.body", "body": refusal.content})
    finally:
        log_access(scope, request_id, refusal.status, refusal.shop, started)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The request's messages as read (to replay them), and the body when it is whole and
    at most MAX_BODY bytes."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        size += len(message.get("body", b""))
        if size > MAX_BODY:
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages)


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class _OrderBody(msgspec.Struct):
    """The one field of an order's body the door reads; the rest is skipped, not built."""

    cart_id: object = None


_decode_order = msgspec.json.Decoder(_OrderBody).decode
_TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")  # token_urlsafe's


def _cart_id(body: bytes) -> str | None:
    """The body's cart id when it can be one (a cart's token); else None: the app answers."""
    try:
        cart = _decode_order(body).cart_id
    except (msgspec.DecodeError, RecursionError):  # the app answers it (400: bad_input.py)
        return None
    if (isinstance(cart, str) and 0 < len(cart) <= CART_ID_LENGTH
            and _TOKEN_CHARACTERS.issuperset(cart)):
        return cart
    return None


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return ""


def _locale_asked(scope: Scope) -> tuple[str | None, str | None, str | None]:
    query = scope.get("query_string") or b""
    lang = parse_qs(query.decode("latin-1")).get("lang", [None])[0] if query else None
    cookie = None
    raw = _header(scope, b"cookie")
    if raw:
        try:
            morsel = SimpleCookie(raw).get(i18n.COOKIE)
        except CookieError:
            morsel = None
        cookie = morsel.value if morsel is not None else None
    return lang, cookie, _header(scope, b"accept-language") or None


def _locale(asked: tuple[str | None, str | None, str | None], shop: Shop) -> str:
    """As `request_locale` chooses for the app's answer."""
    lang, cookie, accept = asked
    return i18n.locale_of(lang, cookie, accept, shop.locale)


__all__ = ["STATE_KEY", "AdmissionDoor"]
