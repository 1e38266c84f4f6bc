"""What the job runners register for customer service: the live-chat check that opens a
ticket when a shopper's message went unanswered. galleria.jobs.tasks reads JOBS."""

from __future__ import annotations

from galleria.kernel import db
from galleria.kernel.plugins import JobSpec
from galleria.kernel.service import chat
from galleria.kernel.tenancy.shops import get_shop_by_id


async def escalate_chat(tenant_id: int, conversation_id: int) -> None:
    """Due `chat_answer_minutes` after a shopper's message: a ticket if nobody answered
    (idempotent: a conversation gets one ticket)."""
    shop = await get_shop_by_id(tenant_id)
    async with db.shop_scope(shop.id):
        await chat.escalate(shop, conversation_id)


JOBS = [JobSpec(chat.ESCALATE_JOB, escalate_chat)]

__all__ = ["JOBS", "escalate_chat"]
