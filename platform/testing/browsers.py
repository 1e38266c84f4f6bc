"""Page clients: a browser on one host (cookies, CSRF-protected forms), and a merchant
signed in to a shop's console."""

from __future__ import annotations

import re
from typing import Any

import httpx

from galleria.testing.shops import ShopHandle

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Browser:
    """A browser on one host, through the ASGI app: keeps cookies, fills forms' CSRF field.

    `language` is the Accept-Language it sends ("zh-CN" pages are the default of a shop).
    """

    def __init__(self, app: Any, host: str, language: str = "zh-CN,zh;q=0.9") -> None:
        self.host = host
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{host}",
            headers={"accept": "text/html,application/xhtml+xml", "accept-language": language})

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def csrf(self, path: str) -> str:
        """The CSRF token of the form on page `path`."""
        page = await self.get(path)
        if page.status_code != 200:
            raise AssertionError(f"{path}: {page.status_code}")
        match = CSRF_RE.search(page.text)
        if not match:
            raise AssertionError(f"{path} has no form with a CSRF field")
        return match.group(1)

    async def submit(self, form_path: str, action: str, data: dict[str, Any]) -> httpx.Response:
        """Post `data` to `action` as the form on page `form_path` does."""
        token = await self.csrf(form_path)
        return await self.http.post(action, data={"_csrf_token": token, **data})

    async def close(self) -> None:
        await self.http.aclose()


async def console_browser(app: Any, shop: ShopHandle, language: str = "zh-CN,zh;q=0.9"
                          ) -> Browser:
    """A browser on the shop's host with its owner signed in to the console."""
    browser = Browser(app, shop.host, language)
    answer = await browser.submit("/console/login", "/console/login", {
        "email": shop.email, "password": shop.password, "next": "/console/"})
    if answer.status_code != 303:
        await browser.close()
        raise AssertionError(f"console sign-in: {answer.status_code} {answer.text[:300]}")
    return browser
