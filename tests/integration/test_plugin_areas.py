"""Plugins declare the permission area of their console pages and routes; the platform
names no plugin. A staff member granted `orders` reaches the review queue (a plugin page
that declares `orders`) and its routes, but not the coupons (`marketing`) nor a page that
declares no area (owners and admins only)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import httpx

from galleria.auth.permissions import AREAS
from galleria.kernel import ConsolePage, hookimpl
from galleria.kernel.tenancy.shops import get_shop
from galleria.testing import enable_plugin, register_plugin

PASSWORD = "Correct-Horse-9"
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
LINK_RE = re.compile(r'id="invitation-url" value="([^"]+)"')


class Browser:
    def __init__(self, app, host: str) -> None:
        address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(address, 40000)),
            base_url=f"http://{host}",
            headers={"accept": "text/html", "accept-language": "en-US,en;q=0.9"})

    async def submit(self, form_path: str, action: str, data: dict) -> httpx.Response:
        page = await self.http.get(form_path)
        token = CSRF_RE.search(page.text)
        assert token, f"no form on {form_path}: {page.status_code}"
        return await self.http.post(action, data={"_csrf_token": token.group(1), **data})


class Unsorted:
    """A third-party page that declares no area."""

    @hookimpl
    def galleria_console_pages(self):
        async def render(shop):
            return "<p>secret</p>"

        return [ConsolePage("unsorted", "Unsorted", render=render)]


async def test_staff_reach_the_plugin_pages_of_their_areas_only(app, open_shop, plugin_host):
    shop = await open_shop()
    tenant = await get_shop(shop.slug)
    for name in ("order_review", "marketing"):
        await enable_plugin(tenant.id, plugin_host, name)
    owner = Browser(app, shop.host)
    signed = await owner.submit("/console/login", "/console/login",
                                {"email": shop.email, "password": PASSWORD, "next": "/console/"})
    assert signed.status_code == 303
    invited = await owner.submit("/console/staff", "/console/staff/invite", {
        "email": f"reviewer@{shop.slug}.example", "role": "staff", "area-orders": "write"})
    link = LINK_RE.search(invited.text).group(1)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    staff = Browser(app, shop.host)
    joined = await staff.submit(path, "/console/invitation", {
        "token": path.split("token=")[1], "name": "Reviewer", "password": PASSWORD})
    assert joined.status_code == 303, joined.text

    with register_plugin(plugin_host, Unsorted(), "unsorted_pages"):
        await enable_plugin(tenant.id, plugin_host, "unsorted_pages")
        home = await staff.http.get("/console/")
        nav = home.text.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
        assert 'href="/console/p/order_review"' in nav
        assert 'href="/console/p/marketing"' not in nav
        assert 'href="/console/p/unsorted"' not in nav
        assert (await staff.http.get("/console/p/order_review")).status_code == 200
        assert (await staff.http.get("/plugins/order_review/orders/NOPE1")).status_code == 404
        assert (await staff.http.get("/console/p/marketing")).status_code == 403
        assert (await staff.http.get("/plugins/marketing/coupons/new")).status_code == 403
        assert (await staff.http.get("/console/p/unsorted")).status_code == 403
        owners = await owner.http.get("/console/p/unsorted")
        assert owners.status_code == 200 and "secret" in owners.text
    await owner.http.aclose()
    await staff.http.aclose()


def test_the_platform_names_no_plugin():
    """auth/permissions.py and the web layer get plugin areas from the plugins'
    declarations, not from a table of first-party names."""
    root = Path(__file__).resolve().parents[2]
    names = [p.name for p in (root / "plugins").iterdir()
             if (p / "__init__.py").exists() and p.name not in AREAS]  # "marketing" is both
    for path in [root / "platform" / "auth" / "permissions.py",
                 root / "platform" / "web" / "permission_guard.py",
                 root / "platform" / "web" / "pages" / "console" / "shell.py"]:
        text = path.read_text(encoding="utf-8")
        for name in names:
            assert f'"{name}"' not in text, (path.name, name)
