"""Shops for tests: opened through the public signup API, found again by slug."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx

from galleria.kernel.tenancy.shops import Shop, get_shop

DOMAIN = "localhost"
PASSWORD = "Correct-Horse-9"  # the owner's password of every shop `open_shop` opens
_counter = itertools.count(1)


def unique_slug(prefix: str = "shop") -> str:
    """A shop slug no other test of this run (or an earlier run on the same database) has."""
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


async def find_shop(slug: str) -> Shop:
    """The shop with this slug (its `id` is the tenant id the kernel's calls take).

    Needs the database connected, as the `client` fixture (or `Runtime.open()`) does.
    """
    shop = await get_shop(slug)
    if shop is None:
        raise LookupError(f"no shop with the slug {slug!r}")
    return shop


class ShopHandle:
    """A shop opened for a test: its slug, its owner, its admin API token, and calls to it.

    `get`/`post`/`put`/`patch`/`delete` send the shop's `Host` and, unless `admin=False`
    (a guest shopper's call), the owner's `Authorization: Bearer` token.
    """

    def __init__(self, client: httpx.AsyncClient, slug: str, token: str, email: str,
                 shop: Shop | None = None, domain: str = DOMAIN) -> None:
        self.client, self.slug, self.token, self.email = client, slug, token, email
        self.password = PASSWORD
        self.host = f"{slug}.{domain}"
        self.id: int | None = shop.id if shop else None  # the shop's tenant id

    async def shop(self) -> Shop:
        """The kernel's `Shop` (name, currency, time zone, ...), read afresh."""
        shop = await find_shop(self.slug)
        self.id = shop.id
        return shop

    def headers(self, admin: bool = True, **extra: str) -> dict[str, str]:
        headers = {"host": self.host, **extra}
        if admin:
            headers["authorization"] = f"Bearer {self.token}"
        return headers

    async def request(self, method: str, path: str, admin: bool = True,
                      headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, path, headers={**self.headers(admin),
                                                                **(headers or {})}, **kwargs)

    async def get(self, path: str, admin: bool = True, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, admin, **kwargs)

    async def post(self, path: str, json: Any = None, admin: bool = True,
                   headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, admin, headers, json=json, **kwargs)

    async def put(self, path: str, json: Any = None, admin: bool = True,
                  **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, admin, json=json, **kwargs)

    async def patch(self, path: str, json: Any = None, admin: bool = True,
                    **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, admin, json=json, **kwargs)

    async def delete(self, path: str, admin: bool = True, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, admin, **kwargs)

    async def enable(self, plugin: str, settings: dict[str, Any] | None = None) -> None:
        """Enable `plugin` for this shop through the admin API, as a merchant's client does."""
        body: dict[str, Any] = {"enabled": True}
        if settings is not None:
            body["settings"] = settings
        answer = await self.put(f"/api/admin/v1/plugins/{plugin}", json=body)
        if answer.status_code != 200:
            raise AssertionError(f"enabling {plugin}: {answer.status_code} {answer.text}")


async def put_on_plan(slug: str, plan: str) -> None:
    """Put shop `slug` on `plan` (basic, pro, ultimate …) without a payment, as an
    operator's override does: for tests of what a higher plan allows."""
    from galleria.kernel import db
    from galleria.kernel.billing.subscriptions import override_plan

    shop = await find_shop(slug)
    async with db.shop_scope(shop.id):
        await override_plan(shop.id, plan, actor="test:setup", reason="test set-up")


async def open_shop(client: httpx.AsyncClient, template: str | None = "blank",
                    slug: str | None = None, domain: str = DOMAIN) -> ShopHandle:
    """Open a shop through the platform's signup API (`template` is a shop template's name,
    e.g. "grocery" with products, or None) and return its handle."""
    slug = slug or unique_slug()
    email = f"owner@{slug}.example"
    response = await client.post("/api/platform/v1/signup", headers={"host": domain}, json={
        "shop_name": f"Shop {slug}", "slug": slug, "email": email,
        "password": PASSWORD, "template": template,
    })
    if response.status_code != 201:
        raise AssertionError(f"signup of {slug}: {response.status_code} {response.text}")
    return ShopHandle(client, slug, response.json()["admin_token"], email,
                      shop=await get_shop(slug), domain=domain)
