"""Custom domains: a shop serves at its own host once it proves it controls it.

Proof: the merchant points the host at Galleria; the platform then fetches
`http://{host}/.well-known/galleria-domain` and expects the domain's verification token,
which the app serves for that host (see galleria.web.context). A DNS TXT check can be added
beside it; both show that the host reaches this platform on the merchant's behalf.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from galleria.kernel.errors import Conflict, NotFound, Problems, ValidationFailed
from galleria.kernel.tenancy.tables import CustomDomain

WELL_KNOWN_PATH = "/.well-known/galleria-domain"
_HOST_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def check_host(host: str, platform_domain: str) -> str:
    host = host.strip().lower().rstrip(".")
    problems = Problems()
    if not _HOST_RE.match(host):
        problems.add("host", "a host name such as shop.example.com")
    elif host == platform_domain or host.endswith("." + platform_domain):
        problems.add("host", f"hosts under {platform_domain} belong to the platform")
    problems.raise_if_any("The domain is not valid")
    return host


async def add_domain(tenant_id: int, host: str, platform_domain: str) -> dict[str, Any]:
    host = check_host(host, platform_domain)
    if await CustomDomain.exists().where(CustomDomain.host == host):
        raise Conflict(f"{host} is already connected to a shop")
    token = secrets.token_urlsafe(24)
    await CustomDomain.insert(CustomDomain(tenant=tenant_id, host=host, verified=False,
                                           verification_token=token))
    return {"host": host, "verified": False, "verification_token": token,
            "verification_url": f"http://{host}{WELL_KNOWN_PATH}"}


async def list_domains(tenant_id: int) -> list[dict[str, Any]]:
    return await CustomDomain.select(CustomDomain.host, CustomDomain.verified).where(
        CustomDomain.tenant == tenant_id).order_by(CustomDomain.id)


async def token_for_host(host: str) -> str | None:
    """The verification token the app serves at `host` (unverified domains only)."""
    row = await CustomDomain.select(CustomDomain.verification_token).where(
        (CustomDomain.host == host) & CustomDomain.verified.eq(False)).first()
    return row["verification_token"] if row else None


async def verify_domain(tenant_id: int, host: str,
                        fetch: Callable[[str], Awaitable[str]]) -> dict[str, Any]:
    """Fetch the well-known URL through `fetch(url) -> body` and mark the domain verified
    when it answers with the token."""
    row = await CustomDomain.select().where(
        (CustomDomain.tenant == tenant_id) & (CustomDomain.host == host)).first()
    if row is None:
        raise NotFound(f"{host} is not connected to this shop")
    if row["verified"]:
        return {"host": host, "verified": True}
    try:
        body = await fetch(f"http://{host}{WELL_KNOWN_PATH}")
    except ValidationFailed:
        raise
    except Exception as exc:
        raise ValidationFailed(f"Could not reach http://{host}{WELL_KNOWN_PATH}") from exc
    if not secrets.compare_digest(body.strip(), row["verification_token"]):
        raise ValidationFailed(f"http://{host}{WELL_KNOWN_PATH} does not answer with this "
                               "shop's token; point the host at Galleria and try again")
    await CustomDomain.update({CustomDomain.verified: True}).where(CustomDomain.id == row["id"])
    return {"host": host, "verified": True}
