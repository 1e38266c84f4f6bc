"""Liveness and readiness probes (every host)."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get

from galleria.kernel.tenancy.domains import WELL_KNOWN_PATH, token_for_host
from galleria.kernel.tenancy.tables import Tenant
from galleria.runtime import Runtime


@get("/healthz", operation_id="healthz", tags=["ops"], include_in_schema=True)
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@get("/readyz", operation_id="readyz", tags=["ops"])
async def readyz(runtime: Runtime) -> Response[dict[str, Any]]:
    """200 `ok` when the database and Redis (if configured) answer; 200 `degraded` when
    only Redis does not (the app still serves: sessions and rate limits fall back to
    memory, jobs wait in the outbox); 503 `unavailable` when the database does not."""
    checks: dict[str, str] = {}
    try:
        await Tenant.raw("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if runtime.redis is not None:
        try:
            await asyncio.wait_for(runtime.redis.ping(), 2)
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    if checks["database"] != "ok":
        return Response({"status": "unavailable", "checks": checks}, status_code=503)
    status = "ok" if all(v == "ok" for v in checks.values()) else "degraded"
    return Response({"status": status, "checks": checks}, status_code=200)


@get(WELL_KNOWN_PATH, operation_id="domainVerification", tags=["ops"], media_type="text/plain")
async def domain_verification(request: Request) -> Response[str]:
    """A custom domain's verification token, served at that domain while it is unverified."""
    host = request.headers.get("host", "").split(":", 1)[0].strip().lower()
    token = await token_for_host(host)
    if token is None:
        return Response("", status_code=404, media_type="text/plain")
    return Response(token, media_type="text/plain", headers={"cache-control": "no-store"})
