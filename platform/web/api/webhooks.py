"""Merchant admin API for webhooks: endpoints (the secret is in the creation answer only),
their delivery log, and redelivery. Every route needs the `settings:write` scope."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter

from galleria.kernel import db
from galleria.kernel.errors import ValidationFailed
from galleria.kernel.notifications import webhooks
from galleria.kernel.tenancy.audit import record
from galleria.kernel.tenancy.shops import Shop
from galleria.web.api.answers_fulfilment import Redelivery, WebhookDeliveryPage
from galleria.web.api.answers_orders import (
    NewWebhookEndpoint,
    WebhookEndpoint,
    WebhookEndpointList,
)
from galleria.web.deps import provide_admin, require_scope
from galleria.web.idempotency import idempotent
from galleria.web.pagination import decode_cursor, page

SCOPE = "settings:write"
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Topics = Annotated[list[str], msgspec.Meta(min_length=1, max_length=20)]
Description = Annotated[str, msgspec.Meta(max_length=200)]


class EndpointBody(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    topics: Topics
    description: Description = ""
    enabled: bool = True


class EndpointPatch(msgspec.Struct, forbid_unknown_fields=True):
    url: Url | None = None
    topics: Topics | None = None
    description: Description | None = None
    enabled: bool | None = None


class WebhooksApi(Controller):
    path = "/api/admin/v1/webhooks"
    dependencies = {"actor": Provide(provide_admin)}
    tags = ["admin"]

    @get("/", operation_id="listWebhooks")
    async def list_endpoints(self, request: Request, shop: Shop,
                             actor: str) -> WebhookEndpointList:
        """The shop's endpoints (never their secrets) and the topics one may choose."""
        require_scope(request, SCOPE)
        async with db.shop_scope(shop.id):
            return {"items": await webhooks.list_endpoints(shop.id),
                    "topics": list(webhooks.TOPICS)}

    @post("/", operation_id="createWebhook", status_code=201)
    async def create_endpoint(self, request: Request, shop: Shop, actor: str,
                              data: EndpointBody) -> Response[NewWebhookEndpoint]:
        """Register an endpoint. The answer's `secret` (`whsec_…`) signs every delivery and
        is shown this once: keep it."""
        require_scope(request, SCOPE)

        async def work() -> Response:
            created = await webhooks.create_endpoint(
                shop.id, url=data.url, topics=data.topics, description=data.description,
                enabled=data.enabled)
            await record(shop.id, actor, "webhook.created", str(created["id"]),
                         {"url": created["url"]})
            return Response(created, status_code=201)

        async with db.shop_scope(shop.id):
            return await idempotent(request, shop.id, work)

    @get("/{endpoint_id:int}", operation_id="getWebhook")
    async def get_endpoint(self, request: Request, shop: Shop, actor: str,
                           endpoint_id: int) -> WebhookEndpoint:
        require_scope(request, SCOPE)
        async with db.shop_scope(shop.id):
            return webhooks.endpoint_view(await webhooks.get_endpoint(shop.id, endpoint_id))

    @patch("/{endpoint_id:int}", operation_id="updateWebhook")
    async def update_endpoint(self, request: Request, shop: Shop, actor: str,
                              endpoint_id: int, data: EndpointPatch) -> WebhookEndpoint:
        """Change the URL, topics, description or whether it is enabled; the secret stays."""
        require_scope(request, SCOPE)
        async with db.shop_scope(shop.id):
            updated = await webhooks.update_endpoint(
                shop.id, endpoint_id, url=data.url, topics=data.topics,
                description=data.description, enabled=data.enabled)
            await record(shop.id, actor, "webhook.updated", str(endpoint_id))
        return updated

    @delete("/{endpoint_id:int}", operation_id="deleteWebhook", status_code=204)
    async def delete_endpoint(self, request: Request, shop: Shop, actor: str,
                              endpoint_id: int) -> None:
        """Remove the endpoint and its delivery log."""
        require_scope(request, SCOPE)
        async with db.shop_scope(shop.id):
            await webhooks.delete_endpoint(shop.id, endpoint_id)
            await record(shop.id, actor, "webhook.deleted", str(endpoint_id))

    @get("/{endpoint_id:int}/deliveries", operation_id="listWebhookDeliveries")
    async def deliveries(
        self, request: Request, shop: Shop, actor: str, endpoint_id: int,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50, cursor: str | None = None,
    ) -> WebhookDeliveryPage:
        """Newest first, each with every attempt: status code, duration, error and the
        start of the answer."""
        require_scope(request, SCOPE)
        before_id = decode_cursor(cursor).get("id")
        if before_id is not None and type(before_id) is not int:
            raise ValidationFailed("The cursor is not one this API gave out")
        async with db.shop_scope(shop.id):
            items = await webhooks.list_deliveries(shop.id, endpoint_id, limit=limit + 1,
                                                   before_id=before_id)
        return page(items, limit)

    @post("/{endpoint_id:int}/deliveries/{delivery_id:int}/redeliver",
          operation_id="redeliverWebhook", status_code=202)
    async def redeliver(self, request: Request, shop: Shop, actor: str, endpoint_id: int,
                        delivery_id: int) -> Redelivery:
        """Send a delivery again (same event id and body) as a new delivery."""
        require_scope(request, SCOPE)
        async with db.shop_scope(shop.id):
            again = await webhooks.redeliver(shop.id, endpoint_id, delivery_id)
            await record(shop.id, actor, "webhook.redelivered", str(delivery_id))
        return again
