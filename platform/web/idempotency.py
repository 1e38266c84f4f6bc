"""`Idempotency-Key` on creating POSTs: a repeat with the same key and body gets the first
answer; the same key with another body gets 409.

Call it inside the transaction that does the work: the placeholder row written before the
work makes a concurrent repeat wait on the unique key (and then replay), and a failure rolls
the placeholder back with everything else, so the key may be retried. Work that must not
hold a transaction (a call to a payment gateway) runs outside one: a concurrent repeat then
gets 409 "in progress", and a failure deletes the placeholder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response

from galleria.kernel import crypto
from galleria.kernel.errors import Conflict, ValidationFailed
from galleria.kernel.events_tables import IdempotencyRecord

IN_PROGRESS = -1


async def idempotent(request: Request, tenant_id: int | None,
                     work: Callable[[], Awaitable[Response]]) -> Response:
    key = request.headers.get("idempotency-key")
    if key is None:
        return await work()
    if not 1 <= len(key) <= 255:
        raise ValidationFailed("Idempotency-Key must be 1–255 characters")
    body = await request.body()
    digest = hashlib.sha256(body).hexdigest()
    scope = f"{request.method} {request.url.path}"
    where = ((IdempotencyRecord.tenant == (tenant_id or 0)) & (IdempotencyRecord.scope == scope)
             & (IdempotencyRecord.key == key))
    existing = await IdempotencyRecord.select().where(where).first()
    if existing is None:
        inserted = await IdempotencyRecord.insert(IdempotencyRecord(
            tenant=tenant_id or 0, key=key, scope=scope, request_hash=digest,
            status_code=IN_PROGRESS, body="",
        )).on_conflict(action="DO NOTHING").returning(IdempotencyRecord.id)
        if not inserted:  # a concurrent request with this key got there first
            existing = await IdempotencyRecord.select().where(where).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        response = await work()
    except BaseException:
        # Outside a transaction (work that calls a payment gateway must not hold one open)
        # the placeholder is already committed: drop it so that the key may be retried.
        if not IdempotencyRecord._meta.db.transaction_exists():
            await IdempotencyRecord.delete().where(
                where & (IdempotencyRecord.status_code == IN_PROGRESS))
        raise
    await IdempotencyRecord.update({
        IdempotencyRecord.status_code: response.status_code,
        # Sealed: a first answer may carry a secret (signup's admin token).
        IdempotencyRecord.body: crypto.seal({"body": response.content}, purpose="idempotency"),
    }).where(where)
    return response


def _replay(record: dict[str, Any], digest: str) -> Response:
    if record["request_hash"] != digest:
        raise Conflict("This Idempotency-Key was used with another request body")
    if record["status_code"] == IN_PROGRESS:
        raise Conflict("A request with this Idempotency-Key is still in progress")
    body = crypto.unseal(record["body"], purpose="idempotency")["body"]
    return Response(body, status_code=record["status_code"],
                    headers={"Idempotent-Replayed": "true"})
