"""Liveness and readiness probes (every host)."""

from __future__ import annotations

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
    """The database (and Redis, when configured) answer."""
    checks: dict[str, str] = {}
    try:
        await Tenant.raw("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if runtime.redis is not None:
        try:
            await runtime.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return Response({"status": "ok" if ready else "unavailable", "checks": checks},
                    status_code=200 if ready else 503)


@get(WELL_KNOWN_PATH, operation_id="domainVerification", tags=["ops"], media_type="text/plain")
async def domain_verification(request: Request) -> Response[str]:
    """A custom domain's verification token, served at that domain while it is unverified."""
    host = request.headers.get("host", "").split(":", 1)[0].strip().lower()
    token = await token_for_host(host)
    if token is None:
        return Response("", status_code=404, media_type="text/plain")
    return Response(token, media_type="text/plain", headers={"cache-control": "no-store"})
