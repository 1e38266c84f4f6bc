"""Platform API (bare domain): shop templates and self-service signup."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post

from galleria.auth.signup import signup
from galleria.kernel import db
from galleria.runtime import Runtime
from galleria.web.api.answers import SignedUp, TemplateList
from galleria.web.context import platform_host_only
from galleria.web.idempotency import idempotent


class SignupBody(msgspec.Struct, forbid_unknown_fields=True):
    shop_name: Annotated[str, msgspec.Meta(max_length=120)]
    slug: Annotated[str, msgspec.Meta(max_length=40)]
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=256)]
    template: str | None = None


def shop_urls(settings, slug: str, request: Request) -> dict[str, str]:
    port = request.url.port
    suffix = f":{port}" if port and port not in (80, 443) else ""
    base = f"{request.url.scheme}://{slug}.{settings.domain}{suffix}"
    return {"storefront_url": base + "/", "console_url": base + "/console/"}


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def signup_shop(runtime: Runtime, request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Shared by the API and the signup page: rate limit, then open the shop."""
    await runtime.limiter.hit(f"signup:{client_ip(request)}", runtime.settings.signup_rate_limit,
                              3600)
    result = await signup(
        shop_name=data["shop_name"], slug=data["slug"], email=data["email"],
        password=data["password"], template=data.get("template"),
        templates=runtime.templates, host=runtime.host, tenants_dir=runtime.tenants_dir,
    )
    return {
        "shop": {"slug": result.shop.slug, "name": result.shop.name,
                 **shop_urls(runtime.settings, result.shop.slug, request)},
        "admin_token": result.admin_token,
        "owner_id": result.owner_id,
    }


class PlatformApi(Controller):
    path = "/api/platform/v1"
    guards = [platform_host_only]
    tags = ["platform"]

    @get("/templates", operation_id="listTemplates")
    async def templates(self, runtime: Runtime) -> TemplateList:
        return {"items": [
            {"name": t.name, "title": t.title, "title_en": t.title_en,
             "description": t.description, "description_en": t.description_en,
             "products": len(t.products)}
            for t in sorted(runtime.templates.values(), key=lambda t: t.name)
        ]}

    @post("/signup", operation_id="signup", status_code=201)
    async def signup(self, runtime: Runtime, request: Request,
                     data: SignupBody) -> Response[SignedUp]:
        async def work() -> Response:
            answer = await signup_shop(runtime, request, msgspec.structs.asdict(data))
            answer.pop("owner_id")
            return Response(answer, status_code=201)

        async with db.database().transaction():
            return await idempotent(request, None, work)
