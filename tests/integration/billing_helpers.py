"""Shared by the billing tests: the Stripe Billing simulator served on a local port
(stripe-python talks to it over TCP), its webhooks sent into the session's app through an
ASGI transport to the platform host's /callbacks/billing/stripe."""

from __future__ import annotations

import asyncio
import csv
import io
from urllib.parse import urlsplit

import httpx
import uvicorn

from galleria.kernel.billing.plans import plans
from galleria.testing.stripe_billing import StripeBillingSimulator
from galleria.web.billing import StripeBilling

SECRET_KEY, WEBHOOK_SECRET = "sk_test_platform_billing", "whsec_platform_billing"
WEBHOOK_URL = "http://localhost/callbacks/billing/stripe"


async def serve_simulator(app, runtime):
    sender = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    sim = StripeBillingSimulator.for_plans(
        plans(), secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET,
        webhook_url=WEBHOOK_URL, sender=sender, retry_delays=(0.05, 0.1))
    server = uvicorn.Server(uvicorn.Config(sim, host="127.0.0.1", port=0,
                                           log_level="warning", lifespan="off"))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    sim.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    runtime.extra["billing"] = StripeBilling(SECRET_KEY, WEBHOOK_SECRET, sim.url)
    return sim, server, task, sender


def session_id(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def catalog_csv(count: int, prefix: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["product", "sku", "price", "stock"])
    for n in range(count):
        writer.writerow([f"{prefix} {n}", f"{prefix}-{n}", 100, 1])
    return out.getvalue().encode()


async def import_products(shop, count: int, prefix: str):
    return await shop.post("/api/admin/v1/catalog/import", files={
        "file": ("catalog.csv", catalog_csv(count, prefix), "text/csv")})


async def new_product(shop, sku: str):
    return await shop.post("/api/admin/v1/products", json={
        "name": f"Tea {sku}", "variants": [{"sku": sku, "price": 1990, "stock": 3}]})
