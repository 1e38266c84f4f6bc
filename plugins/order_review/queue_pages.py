"""The review queue in the console.

- `/console/p/order_review` (a ConsolePage, templates/order_review/queue.html): the
  figures and the held orders with their reasons;
- `/plugins/order_review/orders/{number}` (console routes, signed-in staff only): one order
  with its reasons, the shopper's history, address, payment, notes and contact log, and the
  actions — approve, reject (with a reason), edit the address, add a note or a contact,
  switch a failed online payment to cash on delivery with the shopper's consent.

The decisions themselves are the kernel's (`galleria.kernel.review_queue`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import (
    DomainError,
    NotFound,
    Shop,
    review_queue,
    shop_scope,
)
from galleria_plugins.order_review import notes

BASE = "/plugins/order_review"
CONSOLE = {"console": True, "area": "orders"}  # signed-in staff with the orders area
ADDRESS_FIELDS = ("name", "phone", "country", "province", "city", "district", "line1",
                  "line2", "postal_code")
STATUS_BY_KIND = {"invalid": 422, "conflict": 409, "forbidden": 403}


async def queue_context(shop: Shop) -> dict[str, Any]:
    """What the ConsolePage shows: figures over 30 days, then the held orders, oldest
    first (templates/order_review/queue.html)."""
    return {"figures": await review_queue.figures(shop.id),
            "held": await review_queue.held_orders(shop.id), "base": BASE}


@get("/find", opt=CONSOLE, name="order_review:find")
async def find(number: str = "") -> Redirect:
    number = "".join(ch for ch in number if ch.isalnum())[:20]
    if not number:
        return Redirect("/console/p/order_review", status_code=303)
    return Redirect(f"{BASE}/orders/{number}", status_code=303)


async def _show(shop: Shop, console: Any, number: str, *, status_code: int = 200,
                done: str = "", error: str = "", errors: dict[str, str] | None = None,
                form: str = "", values: dict[str, Any] | None = None) -> Response:
    order = await review_queue.review_of(shop.id, number)
    order_notes = await notes.notes_of(shop.id, number)
    return await console.page(
        "order_review/order.html", nav="order_review",
        title=console.gettext("Review order %(number)s") % {"number": number},
        status_code=status_code, order=order, notes=order_notes, channels=notes.CHANNELS,
        address_fields=ADDRESS_FIELDS, done=done, error=error, errors=errors or {},
        failed_form=form, values=values or {}, base=BASE)


@get("/orders/{number:str}", opt=CONSOLE, name="order_review:order")
async def order_page(shop: Shop, console: Any, number: str, done: str = "") -> Response:
    return await _show(shop, console, number, done=done)


async def _act(request: Request, shop: Shop, console: Any, number: str, form_name: str,
               action: Any) -> Response:
    """Run `action(form)`; back to the order page, or the page again with the error."""
    form = dict((await request.form()).items())
    try:
        async with shop_scope(shop.id):  # 404 for an order of another shop, before acting
            await review_queue.review_of(shop.id, number)
        done = await action(form)
    except NotFound:
        raise
    except DomainError as exc:
        return await _show(shop, console, number, status_code=STATUS_BY_KIND.get(
            exc.kind, 422), error=exc.detail, errors={e.field: e.message for e in exc.errors},
            form=form_name, values=form)
    return Redirect(f"{BASE}/orders/{quote(number)}?done={done}", status_code=303)


@post("/orders/{number:str}/approve", opt=CONSOLE, name="order_review:approve")
async def approve(request: Request, shop: Shop, console: Any, number: str) -> Response:
    async def run(form: dict[str, Any]) -> str:
        await review_queue.approve(shop, console.host, number, actor=console.actor,
                                   note=str(form.get("note") or ""))
        return "approved"
    return await _act(request, shop, console, number, "approve", run)


@post("/orders/{number:str}/reject", opt=CONSOLE, name="order_review:reject")
async def reject(request: Request, shop: Shop, console: Any, number: str) -> Response:
    async def run(form: dict[str, Any]) -> str:
        await review_queue.reject(shop, console.host, number, actor=console.actor,
                                  reason=str(form.get("reason") or ""))
        return "rejected"
    return await _act(request, shop, console, number, "reject", run)


@post("/orders/{number:str}/address", opt=CONSOLE, name="order_review:address")
async def edit_address(request: Request, shop: Shop, console: Any, number: str) -> Response:
    async def run(form: dict[str, Any]) -> str:
        address = {k: str(form.get(k) or "").strip() for k in ADDRESS_FIELDS}
        await review_queue.edit_address(shop, number, address, actor=console.actor,
                                        note=str(form.get("note") or "").strip())
        return "address"
    return await _act(request, shop, console, number, "address", run)


@post("/orders/{number:str}/notes", opt=CONSOLE, name="order_review:note")
async def add_note(request: Request, shop: Shop, console: Any, number: str) -> Response:
    async def run(form: dict[str, Any]) -> str:
        kind = "contact" if form.get("kind") == "contact" else "note"
        await notes.add_note(shop.id, number, author=console.actor,
                             body=str(form.get("body") or ""), kind=kind,
                             channel=str(form.get("channel") or ""))
        return kind
    return await _act(request, shop, console, number, "note", run)


@post("/orders/{number:str}/cash-on-delivery", opt=CONSOLE, name="order_review:cod")
async def switch_to_cod(request: Request, shop: Shop, console: Any, number: str) -> Response:
    async def run(form: dict[str, Any]) -> str:
        await review_queue.switch_to_cash_on_delivery(
            shop, console.host, number, actor=console.actor,
            consent=str(form.get("consent") or ""))
        return "cod"
    return await _act(request, shop, console, number, "cod", run)


ROUTES = [find, order_page, approve, reject, edit_address, add_note, switch_to_cod]

__all__ = ["ROUTES", "queue_context"]
