"""`Idempotency-Key` on creating POSTs: a repeat with the same key and body gets the first
answer; the same key with another body gets 409.

Call it inside the transaction that does the work: the placeholder row written before the
work makes a concurrent repeat wait on the unique key (and then replay), and a failure rolls
the placeholder back with everything else, so the key may be retried. Work that must not
hold a transaction (a call to a payment gateway) runs outside one: a concurrent repeat then
gets 409 "in progress", and a failure deletes the placeholder.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.serialization import get_serializer
from litestar.utils.helpers import get_enum_string_value

from galleria.kernel import crypto, db
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
    in_transaction = IdempotencyRecord._meta.db.transaction_exists()
    async with _records(tenant_id):
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
        if not in_transaction:
            async with _records(tenant_id):
                await IdempotencyRecord.delete().where(
                    where & (IdempotencyRecord.status_code == IN_PROGRESS))
        raise
    status_code, sealed = _seal(request, response)
    async with _records(tenant_id):
        await IdempotencyRecord.update({
            IdempotencyRecord.status_code: status_code, IdempotencyRecord.body: sealed,
        }).where(where)
    return response


@asynccontextmanager
async def _records(tenant_id: int | None) -> AsyncIterator[None]:
    """Where the records may be read and written: they sit behind the shop policy, so a
    shop's are touched in its scope (joining the caller's transaction, or a short one of
    their own around work that must not hold one); the platform's (tenant 0) outside any
    shop's, even when the work just opened a shop (signup)."""
    if tenant_id is not None:
        async with db.shop_scope(tenant_id):
            yield
        return
    database = db.database()
    if database.is_postgres and database.engine.transaction_exists():
        await db.clear_rls_tenant(database.engine)
    yield


def _seal(request: Request, response: Response) -> tuple[int, str]:
    """The answer as it goes on the wire: its body rendered to bytes the way Litestar
    renders it (datetimes, structs, whatever the handler returned), with its media type and
    headers. Sealed: a first answer may carry a secret (signup's admin token)."""
    media_type = get_enum_string_value(response.media_type or MediaType.JSON)
    encoders = {**request.route_handler.resolve_type_encoders(),
                **(response.response_type_encoders or {})}
    body = response.render(response.content, media_type, get_serializer(encoders))
    status_code = response.status_code or request.route_handler.status_code or 200
    return status_code, crypto.seal({
        "body": base64.b64encode(body).decode("ascii"), "media_type": media_type,
        "headers": {name: str(value) for name, value in response.headers.items()},
    }, purpose="idempotency")


def _replay(record: dict[str, Any], digest: str) -> Response:
    if record["request_hash"] != digest:
        raise Conflict("This Idempotency-Key was used with another request body")
    if record["status_code"] == IN_PROGRESS:
        raise Conflict("A request with this Idempotency-Key is still in progress")
    first = crypto.unseal(record["body"], purpose="idempotency")
    if "media_type" not in first:  # sealed before answers were kept as rendered bytes
        return Response(first["body"], status_code=record["status_code"],
                        headers={"Idempotent-Replayed": "true"})
    return Response(base64.b64decode(first["body"]), status_code=record["status_code"],
                    media_type=first["media_type"],
                    headers={**first["headers"], "Idempotent-Replayed": "true"})


async def provide_idempotency(request: Request) -> Callable[..., Awaitable[Response]]:
    """The `idempotent` dependency of plugins' API routes (`galleria_api_routes`):
    `await idempotent(work)` runs `work()` in the shop's scope, honouring `Idempotency-Key`
    (a plugin cannot import the web layer)."""
    from galleria.web.context import shop_of

    async def run(work: Callable[[], Awaitable[Response]]) -> Response:
        shop = shop_of(request)
        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    return run
