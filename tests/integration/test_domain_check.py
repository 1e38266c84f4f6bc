"""Custom-domain verification never fetches from inside our network: a host whose name
resolves to a private, loopback, link-local (or any non-global) address, IPv4 or IPv6, is
refused — with the default resolver and whatever transport a test routes fetches through.
No check is switched off under test: the tests bring a resolver for their made-up names."""

import httpx
import pytest

from galleria.kernel.errors import ValidationFailed
from galleria.kernel.tenancy.domains import (
    is_internal,
    public_address,
    system_resolver,
    well_known_url,
)
from galleria.runtime import Runtime

INTERNAL = ["10.1.2.3", "172.16.0.1", "192.168.1.10", "127.0.0.1", "127.8.8.8", "0.0.0.0",
            "169.254.169.254", "100.64.0.1", "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1",
            "fd12:3456::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "ff02::1"]
PUBLIC = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]


def test_internal_addresses_are_told_from_public_ones():
    assert [a for a in INTERNAL if not is_internal(a)] == []
    assert [a for a in PUBLIC if is_internal(a)] == []
    assert well_known_url("2606:2800::1") == "http://[2606:2800::1]/.well-known/galleria-domain"


async def test_the_default_resolver_is_the_systems_and_refuses_loopback():
    assert Runtime.resolver is system_resolver  # what production uses
    assert set(await system_resolver("localhost")) <= {"127.0.0.1", "::1"}
    with pytest.raises(ValidationFailed, match="private network"):
        await public_address("localhost")
    with pytest.raises(ValidationFailed, match="does not resolve"):
        await public_address("no-such-host.invalid")


@pytest.mark.parametrize("answers", [[a] for a in INTERNAL] + [[PUBLIC[0], "10.0.0.5"],
                                                               [PUBLIC[1], "::1"]])
async def test_verifying_a_domain_that_points_inside_is_refused(
        app, runtime, open_shop, answers):
    shop = await open_shop()
    host = f"{shop.slug}.internal-example.com"
    assert (await shop.post("/api/admin/v1/domains", json={"host": host})).status_code == 201

    async def resolve(name: str) -> list[str]:
        return answers if name == host else []

    # Fetches would reach this app (which serves the token): only the check can refuse.
    runtime.extra["http_transport"] = httpx.ASGITransport(app=app)
    runtime.resolver = resolve
    try:
        refused = await shop.post(f"/api/admin/v1/domains/{host}/verify")
    finally:
        runtime.extra.pop("http_transport")
        del runtime.resolver
    assert refused.status_code == 422, refused.text
    assert "private network" in refused.json()["detail"]
    listed = (await shop.get("/api/admin/v1/domains")).json()["items"]
    assert listed == [{"host": host, "verified": False}]
