"""The shop's FAQ (常见问题): questions and answers the merchant edits in the console and
shoppers read on the storefront's help page. Call inside the shop's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from galleria.kernel.errors import FieldError, NotFound, ValidationFailed
from galleria.kernel.service.tables import FaqEntry

MAX_ENTRIES = 200


def view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "question": row["question"], "answer": row["answer"],
            "position": row["position"], "published": row["published"]}


async def entries(tenant_id: int, *, published_only: bool = True) -> list[dict[str, Any]]:
    query = FaqEntry.select().where(FaqEntry.tenant == tenant_id)
    if published_only:
        query = query.where(FaqEntry.published == True)  # noqa: E712 - SQL, not Python
    return [view(r) for r in await query.order_by(FaqEntry.position).order_by(FaqEntry.id)]


def _checked(question: str, answer: str) -> tuple[str, str]:
    question, answer = (question or "").strip(), (answer or "").strip()
    problems = []
    if not question:
        problems.append(FieldError("question", "required"))
    if not answer:
        problems.append(FieldError("answer", "required"))
    if problems:
        raise ValidationFailed("A question needs its answer", errors=problems)
    return question[:200], answer[:5000]


async def save(tenant_id: int, *, question: str, answer: str, position: int = 0,
               published: bool = True, entry_id: int | None = None) -> dict[str, Any]:
    """Add an entry, or change entry `entry_id` (404 for another shop's)."""
    question, answer = _checked(question, answer)
    values = {FaqEntry.question: question, FaqEntry.answer: answer,
              FaqEntry.position: int(position), FaqEntry.published: bool(published),
              FaqEntry.updated_at: dt.datetime.now(dt.UTC)}
    if entry_id is None:
        if await FaqEntry.count().where(FaqEntry.tenant == tenant_id) >= MAX_ENTRIES:
            raise ValidationFailed(f"At most {MAX_ENTRIES} questions")
        row = await FaqEntry.insert(FaqEntry(
            tenant=tenant_id, question=question, answer=answer, position=int(position),
            published=bool(published))).returning(*FaqEntry.all_columns())
        return view(row[0])
    changed = await FaqEntry.update(values).where(
        (FaqEntry.tenant == tenant_id) & (FaqEntry.id == entry_id)).returning(
        *FaqEntry.all_columns())
    if not changed:
        raise NotFound(f"No question {entry_id} in this shop")
    return view(changed[0])


async def delete(tenant_id: int, entry_id: int) -> None:
    gone = await FaqEntry.delete().where(
        (FaqEntry.tenant == tenant_id) & (FaqEntry.id == entry_id)).returning(FaqEntry.id)
    if not gone:
        raise NotFound(f"No question {entry_id} in this shop")


__all__ = ["delete", "entries", "save", "view"]
