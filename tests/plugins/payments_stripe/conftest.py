"""Stripe plugin tests: the simulator served on a real local port (stripe-python's HTTPX
client talks to it over TCP), its webhooks sent into the session's app through an ASGI
transport (the same HTTP request, reaching /callbacks/payments_stripe/stripe on the shop's
host, without a second server whose database the tests could not see)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import enable_plugin
from galleria_plugins.payments_stripe.testing import StripeSimulator

from .stripe_helpers import account

PLUGIN = "payments_stripe"


@pytest.fixture(scope="session")
async def stripe_sim(app, client) -> AsyncIterator[StripeSimulator]:
    sender = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    sim = StripeSimulator({}, sender=sender, retry_delays=(0.05, 0.1))
    server = uvicorn.Server(uvicorn.Config(sim, host="127.0.0.1", port=0,
                                           log_level="warning", lifespan="off"))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    sim.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    try:
        yield sim
    finally:
        await sim.settle()
        server.should_exit = True
        await task
        await sender.aclose()


@dataclass
class StripeShop:
    handle: Any  # tests/conftest.py ShopHandle
    tenant_id: int
    settings: dict[str, str]

    @property
    def webhook_secret(self) -> str:
        return self.settings["webhook_secret"]


@pytest.fixture
def stripe_shop(open_shop, runtime, stripe_sim):
    async def _open() -> StripeShop:
        handle = await open_shop()
        tenant_id = (await Tenant.select(Tenant.id).where(
            Tenant.slug == handle.slug).first())["id"]
        settings = account(stripe_sim)
        await enable_plugin(tenant_id, runtime.host, PLUGIN, settings=settings)
        return StripeShop(handle, tenant_id, settings)

    return _open
