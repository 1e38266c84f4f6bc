"""Live chat (在线客服): a storefront visitor and the shop's staff write to each other; each
side has an unread count; a shopper's message nobody answers within the shop's
`chat_answer_minutes` (default 10), or one written outside the shop's `chat_hours`
(default 09:00–21:00, the shop's clock), becomes a ticket with the conversation so far —
so a question is never lost because nobody was at the console.

Delivery to open pages is by polling `messages_after` (the web layer's WebSocket does it
every second or two), which works the same with one app process or many.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from galleria.kernel.errors import FieldError, NotFound, ValidationFailed
from galleria.kernel.events import enqueue
from galleria.kernel.service import tickets
from galleria.kernel.service.tables import ChatConversation, ChatMessage
from galleria.kernel.tenancy.shops import Shop

CUSTOMER, STAFF = "customer", "staff"
ESCALATE_JOB = "escalate_chat"
DEFAULT_ANSWER_MINUTES, DEFAULT_HOURS = 10, "09:00-21:00"


def _at(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def answer_minutes(shop: Shop) -> int:
    value = shop.settings.get("chat_answer_minutes", DEFAULT_ANSWER_MINUTES)
    return value if type(value) is int and 1 <= value <= 1440 else DEFAULT_ANSWER_MINUTES


def staffed_now(shop: Shop, now: dt.datetime | None = None) -> bool:
    """Whether `now` falls within the shop's `chat_hours` ("09:00-21:00"), its own clock."""
    hours = str(shop.settings.get("chat_hours") or DEFAULT_HOURS)
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in hours.split("-", 1))
        zone = ZoneInfo(shop.timezone or "Asia/Shanghai")
    except (ValueError, KeyError):
        start, end, zone = dt.time(9), dt.time(21), ZoneInfo("Asia/Shanghai")
    local = (now or dt.datetime.now(dt.UTC)).astimezone(zone).time()
    return start <= local < end if start < end else (local >= start or local < end)


def conversation_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "order_number": row["order_number"] or None,
            "customer_id": row["customer"], "unread_staff": row["unread_staff"],
            "unread_shopper": row["unread_shopper"], "ticket_id": row["ticket"],
            "updated_at": _at(row["updated_at"])}


def message_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "author": row["author"], "body": row["body"],
            "created_at": _at(row["created_at"])}


async def conversation_of(tenant_id: int, visitor: str, *, customer_id: int | None = None,
                          order_number: str = "") -> dict[str, Any]:
    """The visitor's conversation, opened on first use; `order_number` (an order the
    caller may see) puts that order at hand for staff."""
    now = dt.datetime.now(dt.UTC)
    await ChatConversation.insert(ChatConversation(
        tenant=tenant_id, visitor=visitor[:40], customer=customer_id,
        order_number=order_number[:20], created_at=now, updated_at=now,
    )).on_conflict(action="DO NOTHING")
    row = await ChatConversation.select().where(
        (ChatConversation.tenant == tenant_id) & (ChatConversation.visitor == visitor[:40])
    ).first()
    if order_number and row["order_number"] != order_number:
        await ChatConversation.update({ChatConversation.order_number: order_number[:20]}).where(
            ChatConversation.id == row["id"])
        row["order_number"] = order_number[:20]
    return row


async def get_conversation(tenant_id: int, conversation_id: int) -> dict[str, Any]:
    row = await ChatConversation.select().where(
        (ChatConversation.tenant == tenant_id) & (ChatConversation.id == conversation_id)
    ).first()
    if row is None:
        raise NotFound(f"No conversation {conversation_id} in this shop")
    return row


async def post(shop: Shop, conversation_id: int, *, author: str, body: str,
               actor: str) -> dict[str, Any]:
    """Add a message; the other side's unread count goes up. A shopper's message outside
    the shop's hours opens the ticket at once; within them, a job checks after
    `answer_minutes` whether anyone answered."""
    body = (body or "").strip()
    if not body or len(body) > 2000:
        raise ValidationFailed("A message is 1 to 2000 characters",
                               errors=[FieldError("body", "1 to 2000 characters")])
    row = await get_conversation(shop.id, conversation_id)
    now = dt.datetime.now(dt.UTC)
    inserted = await ChatMessage.insert(ChatMessage(
        tenant=shop.id, conversation=conversation_id, author=author, actor=actor[:120],
        body=body, created_at=now)).returning(*ChatMessage.all_columns())
    if author == STAFF:
        await ChatConversation.update({
            ChatConversation.unread_shopper: ChatConversation.unread_shopper + 1,
            ChatConversation.unread_staff: 0, ChatConversation.last_staff_at: now,
            ChatConversation.updated_at: now}).where(ChatConversation.id == conversation_id)
    else:
        await ChatConversation.update({
            ChatConversation.unread_staff: ChatConversation.unread_staff + 1,
            ChatConversation.last_shopper_at: now,
            ChatConversation.updated_at: now}).where(ChatConversation.id == conversation_id)
        if not staffed_now(shop, now):
            await escalate(shop, conversation_id, force=True)
        elif row["ticket"] is None:
            await enqueue(shop.id, ESCALATE_JOB, delay=dt.timedelta(
                minutes=answer_minutes(shop)), tenant_id=shop.id,
                conversation_id=conversation_id)
    return message_view(inserted[0])


async def mark_read(tenant_id: int, conversation_id: int, side: str) -> None:
    column = (ChatConversation.unread_staff if side == STAFF
              else ChatConversation.unread_shopper)
    await ChatConversation.update({column: 0}).where(
        (ChatConversation.tenant == tenant_id) & (ChatConversation.id == conversation_id))


async def messages_after(tenant_id: int, conversation_id: int,
                         after_id: int = 0) -> list[dict[str, Any]]:
    rows = await (ChatMessage.select().where(
        (ChatMessage.tenant == tenant_id) & (ChatMessage.conversation == conversation_id)
        & (ChatMessage.id > after_id)).order_by(ChatMessage.id).limit(200))
    return [message_view(row) for row in rows]


async def conversations(tenant_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """Conversations with the latest activity first, unread ones first of all."""
    rows = await (ChatConversation.select().where(ChatConversation.tenant == tenant_id)
                  .order_by(ChatConversation.updated_at, ascending=False).limit(limit))
    rows.sort(key=lambda r: r["unread_staff"] == 0)
    return [conversation_view(row) for row in rows]


async def escalate(shop: Shop, conversation_id: int, *, force: bool = False) -> int | None:
    """Open a ticket with the conversation when the shopper's last message is unanswered
    (`force`: outside the shop's hours) and none was opened yet; returns its id."""
    row = await get_conversation(shop.id, conversation_id)
    answered = row["last_staff_at"] is not None and (
        row["last_shopper_at"] is None or row["last_staff_at"] >= row["last_shopper_at"])
    if row["ticket"] is not None or (answered and not force) or row["unread_staff"] == 0:
        return row["ticket"]
    transcript = "\n".join(f"{'店铺' if m['author'] == STAFF else '顾客'}: {m['body']}"
                           for m in await messages_after(shop.id, conversation_id))
    ticket = await tickets.open_ticket(
        shop.id, subject="在线客服留言", body=transcript or "-", actor="system:chat",
        customer_id=row["customer"], order_number=row["order_number"])
    claimed = await ChatConversation.update({ChatConversation.ticket: ticket["id"]}).where(
        (ChatConversation.id == conversation_id) & ChatConversation.ticket.is_null()
    ).returning(ChatConversation.id)
    if not claimed:  # another run opened one meanwhile: keep that one alone
        from galleria.kernel.service.tables import Ticket, TicketMessage

        await TicketMessage.delete().where(TicketMessage.ticket == ticket["id"])
        await Ticket.delete().where(Ticket.id == ticket["id"])
        return (await get_conversation(shop.id, conversation_id))["ticket"]
    return ticket["id"]


__all__ = ["conversation_of", "conversations", "escalate", "get_conversation", "mark_read",
           "messages_after", "post", "staffed_now"]
