"""Live chat in the kernel: unread counts per side, the order at hand, and a ticket opened
from the conversation when nobody answers in time or the shop is away — once."""

from __future__ import annotations

import dataclasses
import datetime as dt

from aftersales_helpers import tenant_of

from galleria.kernel import db
from galleria.kernel.service import chat, jobs
from galleria.kernel.service import tickets as ticket_service
from galleria.kernel.tenancy.shops import get_shop_by_id


async def _shop(open_shop, **settings):
    handle = await open_shop()
    shop = await get_shop_by_id(await tenant_of(handle))
    return dataclasses.replace(shop, settings={**shop.settings, **settings})


async def test_unread_counts_follow_who_wrote_and_who_read(open_shop):
    shop = await _shop(open_shop, chat_hours="00:00-23:59")
    async with db.shop_scope(shop.id):
        c = await chat.conversation_of(shop.id, "visitor-1", order_number="N1")
        again = await chat.conversation_of(shop.id, "visitor-1")
        assert again["id"] == c["id"]
        await chat.post(shop, c["id"], author=chat.CUSTOMER, body="在吗？", actor="guest")
        await chat.post(shop, c["id"], author=chat.CUSTOMER, body="想问发货", actor="guest")
        [listed] = await chat.conversations(shop.id)
        assert (listed["unread_staff"], listed["order_number"]) == (2, "N1")
        await chat.post(shop, c["id"], author=chat.STAFF, body="您好，今天发", actor="user:1")
        [listed] = await chat.conversations(shop.id)
        assert (listed["unread_staff"], listed["unread_shopper"]) == (0, 1)
        await chat.mark_read(shop.id, c["id"], chat.CUSTOMER)
        assert [m["author"] for m in await chat.messages_after(shop.id, c["id"])] == [
            "customer", "customer", "staff"]
        # Answered: the delayed check opens no ticket.
        assert await chat.escalate(shop, c["id"]) is None


async def test_an_unanswered_message_becomes_one_ticket(open_shop):
    shop = await _shop(open_shop, chat_hours="00:00-23:59")
    async with db.shop_scope(shop.id):
        c = await chat.conversation_of(shop.id, "visitor-2", order_number="N2")
        await chat.post(shop, c["id"], author=chat.CUSTOMER, body="冰箱不制冷", actor="guest")
    await jobs.escalate_chat(shop.id, c["id"])  # as the delayed job runs it
    await jobs.escalate_chat(shop.id, c["id"])  # and again: still one ticket
    async with db.shop_scope(shop.id):
        made = await ticket_service.list_tickets(shop.id)
        messages = await ticket_service.messages_of(shop.id, made[0]["id"])
    assert len(made) == 1 and made[0]["order_number"] == "N2"
    assert "冰箱不制冷" in messages[0]["body"]


async def test_outside_the_shops_hours_the_message_is_a_ticket_at_once(open_shop):
    now = dt.datetime.now(dt.UTC)
    # A one-minute window an hour away from now in the shop's clock: closed now.
    closed = (now + dt.timedelta(hours=9)).strftime("%H:%M")
    later = (now + dt.timedelta(hours=9, minutes=1)).strftime("%H:%M")
    shop = await _shop(open_shop, chat_hours=f"{closed}-{later}")
    assert not chat.staffed_now(shop)
    async with db.shop_scope(shop.id):
        c = await chat.conversation_of(shop.id, "visitor-3")
        await chat.post(shop, c["id"], author=chat.CUSTOMER, body="晚上好", actor="guest")
        [listed] = await chat.conversations(shop.id)
    assert listed["ticket_id"] is not None
