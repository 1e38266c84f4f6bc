"""Notes and the contact log of an order in review: what the merchant wrote down, and each
time they reached (or tried to reach) the shopper."""

from __future__ import annotations

from typing import Any

from galleria.kernel import FieldError, ValidationFailed, shop_scope
from galleria_plugins.order_review.tables import ReviewNote

CHANNELS = ("phone", "sms", "wechat", "email", "other")
BODY_MAX = 2000


async def add_note(shop_id: int, number: str, *, author: str, body: str, kind: str = "note",
                   channel: str = "") -> None:
    body = (body or "").strip()
    errors = []
    if not body or len(body) > BODY_MAX:
        errors.append(FieldError("body", f"required, at most {BODY_MAX} characters"))
    if kind not in ("note", "contact"):
        errors.append(FieldError("kind", "note or contact"))
    if kind == "contact" and channel not in CHANNELS:
        errors.append(FieldError("channel", "one of: " + ", ".join(CHANNELS)))
    if errors:
        raise ValidationFailed("The note is incomplete", errors=errors)
    async with shop_scope(shop_id):
        await ReviewNote.insert(ReviewNote(
            tenant=shop_id, order_number=number[:20], kind=kind,
            channel=channel if kind == "contact" else "", body=body, author=author[:120]))


async def notes_of(shop_id: int, number: str) -> list[dict[str, Any]]:
    """Oldest first."""
    async with shop_scope(shop_id):
        return await ReviewNote.select().where(
            (ReviewNote.tenant == shop_id) & (ReviewNote.order_number == number[:20])
        ).order_by(ReviewNote.id)


__all__ = ["CHANNELS", "add_note", "notes_of"]
