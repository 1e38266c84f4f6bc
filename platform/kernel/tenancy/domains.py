"""Custom domains: a shop serves at its own host once it proves it controls it.

Proof: the merchant points the host at Galleria; the platform then fetches
`http://{host}/.well-known/galleria-domain` and expects the domain's verification token,
which the app serves for that host (see galleria.web.context). A DNS TXT check can be added
beside it; both show that the host reaches this platform on the merchant's behalf.

The fetch goes to a host the merchant chose, so it must never reach inside our network
(server-side request forgery: `metadata.internal`, `127.0.0.1:6379`…). `public_address`
resolves the host and refuses it when any of its addresses is private, loopback,
link-local or otherwise not global (IPv4 and IPv6, IPv4-mapped IPv6 included); the fetch
then goes to that very address (with the host in the `Host` header), so a second lookup
cannot answer differently (DNS rebinding). The resolver is the caller's: the system's by
default (`system_resolver`); a test gives its own, one that maps its made-up host names.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import secrets
import socket
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


Resolver = Callable[[str], Awaitable[list[str]]]


async def system_resolver(host: str) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6); OSError when it does not."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, 80, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_internal(address: str) -> bool:
    """Whether `address` is anything but a public internet address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # fe80::1%eth0: the zone is no part
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return not ip.is_global or ip.is_multicast


async def public_address(host: str, resolve: Resolver = system_resolver) -> str:
    """The address to fetch `host` at; ValidationFailed when the host does not resolve or
    any of its addresses is internal (one internal answer is enough to refuse: which one a
    client would pick is not ours to know)."""
    try:
        addresses = await resolve(host)
    except OSError as exc:
        raise ValidationFailed(f"{host} does not resolve") from exc
    if not addresses:
        raise ValidationFailed(f"{host} does not resolve")
    for address in addresses:
        try:
            internal = is_internal(address)
        except ValueError:
            internal = True  # not an address at all: never fetched
        if internal:
            raise ValidationFailed(f"{host} points inside a private network")
    return addresses[0]


def well_known_url(address: str) -> str:
    """The verification URL at `address` itself (IPv6 in brackets)."""
    literal = f"[{address}]" if ":" in address else address
    return f"http://{literal}{WELL_KNOWN_PATH}"


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
