"""The shopper's customer-service pages: the shop's help page (`/help`: FAQ and service
points), and, for an order the visitor may see, contacting the shop about it
(`/orders/{number}/tickets/...`: a thread with replies and a rating once resolved) and
booking a repair or installation (`/orders/{number}/service/new`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.catalog.images import store_photo
from galleria.kernel.errors import DomainError, ValidationFailed
from galleria.kernel.service import faq, tickets
from galleria.kernel.service import requests as service
from galleria.kernel.tenancy.shops import Shop
from galleria.web.i18n import N_
from galleria.web.pages.render import page
from galleria.web.pages.return_views import shop_time
from galleria.web.pages.service_titles import TICKET_KINDS, TICKET_STATUS
from galleria.web.pages.storefront.order_pages import visible_order
from galleria.web.pages.storefront.storefront import logo_url
from galleria.web.shoppers import actor_of, current_customer


def service_context(shop: Shop) -> dict[str, Any]:
    return {"ticket_status": TICKET_STATUS, "ticket_kinds": TICKET_KINDS,
            "shop_time": lambda value: shop_time(shop, value), "logo_url": logo_url(shop),
            "q": ""}


@get("/help", name="storefront:help")
async def help_page(request: Request, shop: Shop, city: str = "") -> Response:
    async with db.shop_scope(shop.id):
        entries = await faq.entries(shop.id)
    points = service.service_points(shop)
    cities = sorted({p["city"] for p in points if p["city"]})
    return page(request, "storefront/help.html", entries=entries, cities=cities,
                city=city if city in cities else "",
                points=service.service_points(shop, city) if city in cities else points,
                **service_context(shop))


async def _ticket(request: Request, shop: Shop, number: str, ticket_id: int):
    row, _ = await visible_order(request, shop, number[:20])
    ticket = await tickets.get_ticket(shop.id, ticket_id, order_number=row["number"])
    return row, ticket


@get("/orders/{number:str}/tickets/new", name="storefront:ticket-new")
async def new_ticket(request: Request, shop: Shop, number: str, error: str = "") -> Response:
    async with db.shop_scope(shop.id):
        row, _ = await visible_order(request, shop, number[:20])
    message = (N_("Each photo must be a JPEG, PNG or WebP picture of at most 8 MB.")
               if error == "photo" else N_("Write what happened.") if error else "")
    return page(request, "storefront/ticket_new.html", order=row, error=message,
                **service_context(shop))


async def _photos(shop: Shop, form: Any) -> list[str] | None:
    """The links of the photos a ticket form carries (checked and stored like product
    pictures), or None when one is not a picture or there are too many."""
    uploads = [item for item in form.getall("photos", []) if isinstance(item, UploadFile)
               and item.filename]
    if len(uploads) > tickets.MAX_ATTACHMENTS:
        return None
    try:
        return [(await store_photo(shop.id, "tickets", await item.read()))["url"]
                for item in uploads]
    except ValidationFailed:
        return None


@post("/orders/{number:str}/tickets", name="storefront:ticket-create")
async def create_ticket(request: Request, shop: Shop, number: str) -> Response:
    form = await request.form()
    body = str(form.get("body") or "").strip()[:5000]
    kind = "complaint" if form.get("kind") == "complaint" else "question"
    async with db.shop_scope(shop.id):
        row, _ = await visible_order(request, shop, number[:20])
        if not body:
            return Redirect(f"/orders/{row['number']}/tickets/new?error=1", status_code=303)
        photos = await _photos(shop, form)
        if photos is None:
            return Redirect(f"/orders/{row['number']}/tickets/new?error=photo",
                            status_code=303)
        customer = await current_customer(request)
        ticket = await tickets.open_ticket(
            shop.id, subject=body[:60], body=body, kind=kind, actor=actor_of(customer),
            customer_id=row["customer"], order_number=row["number"],
            contact=tickets._json(row["contact"]) or {}, attachments=photos)
    return Redirect(f"/orders/{row['number']}/tickets/{ticket['id']}", status_code=303)


@get("/orders/{number:str}/tickets/{ticket_id:int}", name="storefront:ticket")
async def ticket_page(request: Request, shop: Shop, number: str, ticket_id: int,
                      error: str = "") -> Response:
    async with db.shop_scope(shop.id):
        row, ticket = await _ticket(request, shop, number, ticket_id)
        shown = tickets.view(ticket, await tickets.messages_of(shop.id, ticket_id))
    return page(request, "storefront/ticket.html", order=row, ticket=shown,
                photo_error=error == "photo", **service_context(shop))


@post("/orders/{number:str}/tickets/{ticket_id:int}/messages", name="storefront:ticket-reply")
async def reply(request: Request, shop: Shop, number: str, ticket_id: int) -> Response:
    form = await request.form()
    async with db.shop_scope(shop.id):
        row, _ = await _ticket(request, shop, number, ticket_id)
        customer = await current_customer(request)
        photos = await _photos(shop, form)
        if photos is None:
            return Redirect(f"/orders/{row['number']}/tickets/{ticket_id}?error=photo",
                            status_code=303)
        # Empty, or resolved meanwhile (checked before anything is written): the page
        # shows the thread as it is.
        with contextlib.suppress(DomainError):
            await tickets.add_message(shop.id, ticket_id, author=tickets.CUSTOMER,
                                      actor=actor_of(customer),
                                      body=str(form.get("body") or "")[:5000],
                                      attachments=photos)
    return Redirect(f"/orders/{row['number']}/tickets/{ticket_id}", status_code=303)


@post("/orders/{number:str}/tickets/{ticket_id:int}/rating", name="storefront:ticket-rate")
async def rate(request: Request, shop: Shop, number: str, ticket_id: int) -> Response:
    form = await request.form()
    raw = str(form.get("rating") or "")
    async with db.shop_scope(shop.id):
        row, _ = await _ticket(request, shop, number, ticket_id)
        # Rated already, or not a rating: the page shows the ticket as it is.
        with contextlib.suppress(DomainError):
            await tickets.rate(shop.id, ticket_id, int(raw) if raw.isdigit() else 0,
                               str(form.get("comment") or ""), order_number=row["number"])
    return Redirect(f"/orders/{row['number']}/tickets/{ticket_id}", status_code=303)


async def _service_form(request: Request, shop: Shop, number: str, *, error: str = "",
                        values: dict[str, str] | None = None,
                        status_code: int = 200) -> Response:
    async with db.shop_scope(shop.id):
        row, _ = await visible_order(request, shop, number[:20])
    today = dt.datetime.now(service.shop_zone(shop)).date()
    days = [(today + dt.timedelta(days=n)).isoformat() for n in range(1, 15)]
    return page(request, "storefront/service_new.html", status_code=status_code, order=row,
                days=days, slots=service.time_slots(shop), error=error,
                values=values or {"kind": "installation", "date": days[0], "slot": ""},
                **service_context(shop))


@get("/orders/{number:str}/service/new", name="storefront:service-new")
async def service_form(request: Request, shop: Shop, number: str) -> Response:
    return await _service_form(request, shop, number)


@post("/orders/{number:str}/service", name="storefront:service-create")
async def create_service(request: Request, shop: Shop, number: str) -> Response:
    form = await request.form()
    values = {"kind": str(form.get("kind") or ""), "date": str(form.get("date") or ""),
              "slot": str(form.get("slot") or ""),
              "body": str(form.get("body") or "").strip()[:5000]}
    try:
        async with db.shop_scope(shop.id):
            row, _ = await visible_order(request, shop, number[:20])
            customer = await current_customer(request)
            ticket = await service.request_service(
                shop, row, kind=values["kind"], date=values["date"],
                time_slot=values["slot"], body=values["body"], actor=actor_of(customer))
    except DomainError as exc:
        if exc.kind == "not_found":
            raise
        fields = {e.field for e in exc.errors}
        message = (N_("Only a delivered order can book a service.") if "order" in fields
                   else N_("Choose a day and a time slot."))
        return await _service_form(request, shop, number, error=message, values=values,
                                   status_code=422)
    return Redirect(f"/orders/{row['number']}/tickets/{ticket['id']}", status_code=303)


SERVICE_ROUTES = [help_page, new_ticket, create_ticket, ticket_page, reply, rate,
                  service_form, create_service]
__all__ = ["SERVICE_ROUTES", "service_context"]
