"""Tickets (投诉 / 工单): threaded conversations between a shopper and the shop, about an
order or in general, and repair or installation requests (售后服务) with an appointment.

    open ──(staff replies)──► waiting ──(shopper replies)──► open
      └──────────────(staff resolves)──────────► resolved ──► rated (1–5, once)

Every function takes the shop explicitly; call inside its scope. Who may see a ticket is
the caller's business (the web layer): `for_customer` / `for_order` narrow the reads.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from galleria.kernel.events import emit
from galleria.kernel.service.tables import Ticket, TicketMessage

KINDS = ("question", "complaint", "return", "repair", "installation")
OPEN, WAITING, RESOLVED = "open", "waiting", "resolved"
STATUSES = (OPEN, WAITING, RESOLVED)
CUSTOMER, STAFF, SYSTEM = "customer", "staff", "system"
MAX_ATTACHMENTS = 6


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _at(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def check_attachments(attachments: Any) -> list[str]:
    """Photo links a message carries: https URLs (or the shop's own /media/ paths)."""
    if attachments in (None, []):
        return []
    if not isinstance(attachments, list) or len(attachments) > MAX_ATTACHMENTS or not all(
            isinstance(a, str) and len(a) <= 500 and a.startswith(("https://", "/media/"))
            for a in attachments):
        raise ValidationFailed("Attachments are up to 6 https links", errors=[
            FieldError("attachments", "up to 6 https:// or /media/ links")])
    return list(attachments)


def view(row: dict[str, Any], messages: list[dict[str, Any]], *,
         staff: bool = False) -> dict[str, Any]:
    shown = {"id": row["id"], "kind": row["kind"], "status": row["status"],
             "subject": row["subject"], "order_number": row["order_number"] or None,
             "return_id": row["return_id"], "appointment_date": row["appointment_date"] or None,
             "time_slot": row["time_slot"] or None, "address": _json(row["address"]) or None,
             "rating": row["rating"], "rating_comment": row["rating_comment"],
             "created_at": _at(row["created_at"]), "updated_at": _at(row["updated_at"]),
             "resolved_at": _at(row["resolved_at"]),
             "messages": [{"id": m["id"], "author": m["author"], "body": m["body"],
                           "attachments": _json(m["attachments"]),
                           "created_at": _at(m["created_at"]),
                           **({"actor": m["actor"]} if staff else {})} for m in messages]}
    if staff:
        shown.update(customer_id=row["customer"], contact=_json(row["contact"]) or {},
                     first_reply_at=_at(row["first_reply_at"]))
    return shown


async def messages_of(tenant_id: int, ticket_id: int) -> list[dict[str, Any]]:
    return await (TicketMessage.select().where(
        (TicketMessage.tenant == tenant_id) & (TicketMessage.ticket == ticket_id))
        .order_by(TicketMessage.id))


async def open_ticket(tenant_id: int, *, subject: str, body: str, actor: str,
                      kind: str = "question", customer_id: int | None = None,
                      order_number: str = "", return_id: int | None = None,
                      contact: dict[str, Any] | None = None, attachments: Any = None,
                      appointment: dict[str, Any] | None = None,
                      author: str = CUSTOMER) -> dict[str, Any]:
    """A new ticket with its first message; emits `ticket.opened`. Returns the row."""
    subject, body = (subject or "").strip(), (body or "").strip()
    problems = []
    if kind not in KINDS:
        problems.append(FieldError("kind", " / ".join(KINDS)))
    if not subject:
        problems.append(FieldError("subject", "required"))
    if not body:
        problems.append(FieldError("body", "required"))
    if problems:
        raise ValidationFailed("This ticket is incomplete", errors=problems)
    files = check_attachments(attachments)
    now = dt.datetime.now(dt.UTC)
    appointment = appointment or {}
    inserted = await Ticket.insert(Ticket(
        tenant=tenant_id, kind=kind, status=OPEN, subject=subject[:200],
        customer=customer_id, order_number=(order_number or "")[:20], return_id=return_id,
        contact=contact or {}, appointment_date=appointment.get("date", ""),
        time_slot=appointment.get("time_slot", ""), address=appointment.get("address") or {},
        created_at=now, updated_at=now)).returning(Ticket.id)
    ticket_id = inserted[0]["id"]
    await TicketMessage.insert(TicketMessage(
        tenant=tenant_id, ticket=ticket_id, author=author, actor=actor[:120],
        body=body[:5000], attachments=files, created_at=now))
    await emit(tenant_id, "ticket.opened", {"ticket_id": ticket_id, "kind": kind,
                                            "order_number": order_number or None})
    return await get_ticket(tenant_id, ticket_id)


async def get_ticket(tenant_id: int, ticket_id: int, *, customer_id: int | None = None,
                     order_number: str | None = None) -> dict[str, Any]:
    """The ticket row; NotFound unless it is the shop's (and, when given, the customer's
    or the order's)."""
    query = Ticket.select().where((Ticket.tenant == tenant_id) & (Ticket.id == ticket_id))
    if customer_id is not None:
        query = query.where(Ticket.customer == customer_id)
    if order_number is not None:
        query = query.where(Ticket.order_number == order_number)
    row = await query.first()
    if row is None:
        raise NotFound(f"No ticket {ticket_id} in this shop")
    return row


async def list_tickets(tenant_id: int, *, status: str | None = None,
                       customer_id: int | None = None, order_number: str | None = None,
                       kinds: tuple[str, ...] | None = None,
                       limit: int = 100) -> list[dict[str, Any]]:
    query = Ticket.select().where(Ticket.tenant == tenant_id)
    if status:
        query = query.where(Ticket.status == status)
    if customer_id is not None:
        query = query.where(Ticket.customer == customer_id)
    if order_number is not None:
        query = query.where(Ticket.order_number == order_number)
    if kinds:
        query = query.where(Ticket.kind.is_in(list(kinds)))
    return await query.order_by(Ticket.updated_at, ascending=False).limit(limit)


async def add_message(tenant_id: int, ticket_id: int, *, author: str, actor: str, body: str,
                      attachments: Any = None, origin: str = "") -> dict[str, Any]:
    """Add to the thread. Staff's message makes the ticket `waiting` (for the shopper) and
    sets its first-reply time once, and emits `ticket.answered` (the shopper is told, with
    a link to the thread on the storefront at `origin` when given); the shopper's makes it
    `open` again. A resolved ticket takes no more messages (409): the shopper opens a new
    one."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("Write a message", errors=[FieldError("body", "required")])
    files = check_attachments(attachments)
    row = await get_ticket(tenant_id, ticket_id)
    if row["status"] == RESOLVED:
        raise Conflict(f"Ticket {ticket_id} is resolved; open a new one")
    now = dt.datetime.now(dt.UTC)
    await TicketMessage.insert(TicketMessage(
        tenant=tenant_id, ticket=ticket_id, author=author, actor=actor[:120],
        body=body[:5000], attachments=files, created_at=now))
    values: dict[Any, Any] = {Ticket.updated_at: now,
                              Ticket.status: WAITING if author == STAFF else OPEN}
    if author == STAFF and row["first_reply_at"] is None:
        values[Ticket.first_reply_at] = now
    await Ticket.update(values).where((Ticket.tenant == tenant_id) & (Ticket.id == ticket_id)
                                      & (Ticket.status != RESOLVED))
    if author == STAFF:
        await emit(tenant_id, "ticket.answered", {"ticket_id": ticket_id,
                                                  "order_number": row["order_number"] or None,
                                                  "origin": (origin or "")[:200]})
    return await get_ticket(tenant_id, ticket_id)


async def resolve(tenant_id: int, ticket_id: int, *, actor: str, note: str = "") -> dict:
    """open or waiting → resolved (once: a second click is a 409)."""
    now = dt.datetime.now(dt.UTC)
    won = await Ticket.update({Ticket.status: RESOLVED, Ticket.resolved_at: now,
                               Ticket.updated_at: now}).where(
        (Ticket.tenant == tenant_id) & (Ticket.id == ticket_id)
        & (Ticket.status != RESOLVED)).returning(Ticket.id)
    if not won:
        await get_ticket(tenant_id, ticket_id)  # NotFound for another shop's
        raise Conflict(f"Ticket {ticket_id} is resolved already")
    await TicketMessage.insert(TicketMessage(
        tenant=tenant_id, ticket=ticket_id, author=SYSTEM, actor=actor[:120],
        body=(note or "").strip()[:5000] or "resolved", created_at=now))
    return await get_ticket(tenant_id, ticket_id)


async def rate(tenant_id: int, ticket_id: int, rating: Any, comment: str = "", *,
               customer_id: int | None = None, order_number: str | None = None) -> dict:
    """The shopper's satisfaction (1–5) with a resolved ticket, once."""
    if type(rating) is not int or not 1 <= rating <= 5:
        raise ValidationFailed("Rate from 1 to 5", errors=[FieldError("rating", "1 to 5")])
    row = await get_ticket(tenant_id, ticket_id, customer_id=customer_id,
                           order_number=order_number)
    won = await Ticket.update({Ticket.rating: rating,
                               Ticket.rating_comment: (comment or "").strip()[:500]}).where(
        (Ticket.tenant == tenant_id) & (Ticket.id == row["id"])
        & (Ticket.status == RESOLVED) & Ticket.rating.is_null()).returning(Ticket.id)
    if not won:
        raise Conflict("Only a resolved ticket is rated, and only once")
    return await get_ticket(tenant_id, ticket_id)


async def figures(tenant_id: int, since: dt.datetime | None = None) -> dict[str, Any]:
    """Reply-time figures over the tickets opened since `since` (default 30 days): counts
    by status, the average and slowest first reply and the average time to resolve (in
    minutes), and the average rating."""
    since = since or dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    rows = await Ticket.select(Ticket.status, Ticket.created_at, Ticket.first_reply_at,
                               Ticket.resolved_at, Ticket.rating).where(
        (Ticket.tenant == tenant_id) & (Ticket.created_at >= since))

    def minutes(start: dt.datetime, end: dt.datetime | None) -> float | None:
        return (end - start).total_seconds() / 60 if end else None

    replies = [m for r in rows if (m := minutes(r["created_at"], r["first_reply_at"])) is not None]
    resolved = [m for r in rows if (m := minutes(r["created_at"], r["resolved_at"])) is not None]
    ratings = [r["rating"] for r in rows if r["rating"]]
    return {"total": len(rows),
            **{status: sum(r["status"] == status for r in rows) for status in STATUSES},
            "unanswered": sum(r["first_reply_at"] is None and r["status"] != RESOLVED
                              for r in rows),
            "first_reply_minutes_avg": round(sum(replies) / len(replies), 1) if replies else None,
            "first_reply_minutes_max": round(max(replies), 1) if replies else None,
            "resolve_minutes_avg": round(sum(resolved) / len(resolved), 1) if resolved else None,
            "rating_avg": round(sum(ratings) / len(ratings), 2) if ratings else None}


__all__ = ["KINDS", "STATUSES", "add_message", "check_attachments", "figures", "get_ticket",
           "list_tickets", "messages_of", "open_ticket", "rate", "resolve", "view"]
