"""Permissions: every staff route is in the table, API tokens act within their scopes, staff
members within their areas; invitations, owner transfer, the audit log and API tokens in
the console. Through the ASGI app, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import random
import re
import socket
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from galleria.auth.permissions import AREAS, PUBLIC, api_rule, console_rule, plugin_rule
from galleria.auth.staff import user_by_email
from galleria.auth.tokens import ALL_SCOPES, issue_token, revoke_token
from galleria.kernel import db
from galleria.kernel.tenancy.shops import get_shop
from galleria.kernel.tenancy.tables import ApiToken, Invitation, Membership
from galleria.testing import enable_plugin
from galleria.web.permission_guard import route_rule

PASSWORD = "Correct-Horse-9"
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
LINK_RE = re.compile(r'id="invitation-url" value="([^"]+)"')
TOKEN_RE = re.compile(r'id="new-token" value="([^"]+)"')
# Routes that are not staff routes: the storefront, shoppers' accounts, the platform,
# gateway callbacks, sandboxes, static files and the API schema.
NOT_STAFF = ("/api/v1", "/api/platform/", "/callbacks/", "/account", "/sandbox", "/static",
             "/media", "/schema", "/healthz", "/readyz", "/.well-known/", "/lang/", "/cart",
             "/checkout", "/orders/", "/products/", "/signup", "/login", "/logout", "/go/",
             "/search", "/category", "/c/", "/p/", "/pages/", "/oauth/",
             "/developers/", "/help", "/chat", "/categories", "/regions", "/robots.txt",
             "/sitemap.xml", "/operator",  # platform operators: their own sign-in
             "/plugins/shipping/kuaidi100/",  # a carrier's push callback, signed by the carrier
             "/plugins/shipping/quote",  # the checkout's shipping quote, for shoppers
             # Shoppers' pages of the points and referral plugins (their own sign-in checks)
             "/plugins/marketing_points/me", "/plugins/marketing_points/birthday",
             "/plugins/marketing_referral/r/",
             "/plugins/marketing_referral/join/", "/plugins/marketing_referral/invite",
             "/plugins/marketing_referral/poster.svg",
             "/plugins/marketing/centre",  # the coupon centre; claiming needs a shopper
             "/plugins/marketing/wallet",  # the shopper's own coupons (sign-in page for guests)
             # The reviews plugin: a product's reviews, the buyer's review form (own checks)
             "/plugins/reviews/products/", "/plugins/reviews/orders/")


class Visitor:
    """A browser on one host (its own cookies), asking for HTML."""

    def __init__(self, app, host: str) -> None:
        # An address of its own: sign-in limits count per address, and Redis keeps them.
        address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(address, 40000)),
            base_url=f"http://{host}",
            headers={"accept": "text/html", "accept-language": "en-US,en;q=0.9"})

    async def get(self, path: str, **kwargs) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def submit(self, form_path: str, action: str, data: dict[str, Any]) -> httpx.Response:
        page = await self.get(form_path)
        match = CSRF_RE.search(page.text)
        assert match, f"no form on {form_path}: {page.status_code}"
        return await self.http.post(action, data={"_csrf_token": match.group(1), **data})

    async def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.submit("/console/login", "/console/login",
                                 {"email": email, "password": password, "next": "/console/"})


@pytest.fixture
async def visitors(app, client):
    opened: list[Visitor] = []

    def make(host: str) -> Visitor:
        opened.append(Visitor(app, host))
        return opened[-1]

    yield make
    for visitor in opened:
        await visitor.http.aclose()


async def tenant_of(slug: str) -> int:
    shop = await get_shop(slug)
    assert shop is not None
    return shop.id


async def token_with(slug: str, scopes: list[str]) -> str:
    tenant = await tenant_of(slug)
    async with db.shop_scope(tenant):
        return await issue_token(tenant, "test", scopes)


def admin_endpoints(app) -> list[tuple[str, str]]:
    """(method, path template) of every admin API endpoint the app serves."""
    found = []
    for route in app.routes:
        if route.path_format.startswith("/api/admin/"):
            for handler in getattr(route, "route_handlers", None) or [route.route_handler]:
                found += [(m, route.path_format) for m in handler.http_methods if m != "OPTIONS"]
    return sorted(found)


def concrete(path: str) -> str:
    """A real address for a path template: ids that exist nowhere."""
    return re.sub(r"\{(\w+)\}", lambda m: "999999" if m.group(1).endswith("id")
                  else "NOPE-1", path)


# -- the table covers every route ---------------------------------------------------------------
def test_every_staff_route_is_in_the_table_or_explicitly_public(app):
    unmapped, unknown = [], []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", None) or [route.route_handler]:
            if getattr(handler, "http_methods", {"GET"}) <= {"OPTIONS", "HEAD"}:
                continue  # Litestar's automatic answers, not the routes' own
            kind, rule = route_rule(route.path_format, handler, {"slug": "x"})
            if kind in ("api", "console"):
                if rule is None:
                    unmapped.append(route.path_format)
            elif route.path_format != "/" and not route.path_format.startswith(NOT_STAFF):
                unknown.append(route.path_format)  # plugin routes included
    assert not unmapped, f"add these to galleria.auth.permissions: {sorted(set(unmapped))}"
    assert not unknown, f"routes neither staff nor known public: {sorted(set(unknown))}"


def test_the_table_decides_by_longest_prefix_and_refuses_what_it_lacks():
    assert console_rule("/console/orders/{number}").read == "orders"
    assert console_rule("/console").read == "member"
    assert console_rule("/console/coupons") is None  # not in the table: refused
    assert console_rule("/console/login").read == PUBLIC
    assert api_rule("/api/admin/v1/orders/{number}/shipments").write == "fulfilment"
    assert api_rule("/api/admin/v1/orders/{number}/refunds").write == "orders"
    assert api_rule("/api/admin/v1/nothing-here") is None


def test_existing_token_scope_names_are_areas():
    assert {s.split(":")[0] for s in ALL_SCOPES} == set(AREAS)
    assert {"catalog:read", "catalog:write", "orders:read", "orders:write",
            "fulfilment:write", "marketing:write", "settings:write"} <= set(ALL_SCOPES)


# -- API tokens ---------------------------------------------------------------------------------
async def test_permission_matrix_over_every_admin_endpoint(app, open_shop):
    shop = await open_shop()
    endpoints = admin_endpoints(app)
    assert len(endpoints) > 30
    tokens: dict[tuple[str, str], tuple[str, str]] = {}
    failures = []
    for method, path in endpoints:
        rule = api_rule(path)
        assert rule is not None, path
        area, access = rule.needs(method)
        if (area, access) not in tokens:
            lacking = [s for s in ALL_SCOPES if not s.startswith(f"{area}:")]
            if access == "write":
                lacking.append(f"{area}:read")
            tokens[(area, access)] = (await token_with(shop.slug, lacking),
                                      await token_with(shop.slug, [f"{area}:{access}"]))
        without, with_scope = tokens[(area, access)]
        url = concrete(path)
        for token, refused in ((without, True), (with_scope, False)):
            answer = await shop.client.request(
                method, url, headers={"host": shop.host, "authorization": f"Bearer {token}"},
                json={} if method in ("POST", "PUT", "PATCH") else None)
            if (answer.status_code == 403) != refused:
                failures.append(f"{method} {path} with{'out' if refused else ''} "
                                f"{area}:{access} → {answer.status_code}")
    assert not failures, "\n".join(failures)


async def test_a_write_scope_includes_reading(open_shop):
    shop = await open_shop()
    token = await token_with(shop.slug, ["orders:write"])
    answer = await shop.client.get("/api/admin/v1/orders",
                                   headers={"host": shop.host, "authorization": f"Bearer {token}"})
    assert answer.status_code == 200


async def test_another_shops_token_and_a_revoked_token_are_refused(open_shop):
    shop, other = await open_shop(), await open_shop()
    answer = await shop.client.get("/api/admin/v1/orders", headers={
        "host": shop.host, "authorization": f"Bearer {other.token}"})
    assert answer.status_code == 401
    token = await token_with(shop.slug, list(ALL_SCOPES))
    headers = {"host": shop.host, "authorization": f"Bearer {token}"}
    assert (await shop.client.get("/api/admin/v1/orders", headers=headers)).status_code == 200
    tenant = await tenant_of(shop.slug)
    async with db.shop_scope(tenant):
        row = await ApiToken.select(ApiToken.id, ApiToken.last_used_at).where(
            (ApiToken.tenant == tenant) & (ApiToken.prefix == token[:10])).first()
        assert row["last_used_at"] is not None  # the time of use is recorded
        assert await revoke_token(tenant, row["id"]) is not None
    assert (await shop.client.get("/api/admin/v1/orders", headers=headers)).status_code == 401
    assert (await shop.client.get("/api/admin/v1/orders", headers={"host": shop.host})
            ).status_code == 401


# -- plugin console routes ----------------------------------------------------------------------
def plugin_console_routes(app) -> list[tuple[str, str, str, str | None]]:
    """(method, path template, plugin, declared area) of every console route a plugin
    contributes."""
    found = []
    for route in app.routes:
        if route.path_format.startswith("/plugins/"):
            for handler in route.route_handlers:
                if handler.opt.get("console"):
                    found += [(m, route.path_format, route.path_format.split("/")[2],
                               handler.opt.get("area"))
                              for m in handler.http_methods if m not in ("OPTIONS", "HEAD")]
    return sorted(found)


async def test_plugin_console_routes_refuse_a_role_without_their_area(app, runtime, visitors,
                                                                       open_shop):
    shop = await open_shop()
    tenant = await tenant_of(shop.slug)
    routes = plugin_console_routes(app)
    assert {"marketing", "order_review"} <= {plugin for _, _, plugin, _ in routes}
    for plugin in {plugin for _, _, plugin, _ in routes}:
        await enable_plugin(tenant, runtime.host, plugin)
    owner = visitors(shop.host)
    assert (await owner.sign_in(shop.email)).status_code == 303
    lacking: dict[str, Visitor] = {}  # area → a staff member with every other area
    failures = []
    for method, path, plugin, declared in routes:
        area, access = plugin_rule(declared).needs(method)
        assert area in AREAS, f"{plugin} pages belong to no area"
        if area not in lacking:
            link = await invite(owner, f"no-{area}@{shop.slug}.example",
                                **{other: "write" for other in AREAS if other != area})
            lacking[area] = await join(visitors, shop, link)
        url = concrete(path)
        for who, refused in ((lacking[area], True), (owner, False)):
            csrf = who.http.cookies.get("csrftoken", "")
            answer = await who.http.request(method, url, headers={"x-csrftoken": csrf},
                                            data={} if method == "POST" else None)
            if (answer.status_code == 403 and area in answer.text) != refused:
                failures.append(f"{method} {path} {'without' if refused else 'as owner'} "
                                f"{area}:{access} → {answer.status_code}")
    assert not failures, "\n".join(failures)


# -- staff in the console -----------------------------------------------------------------------
async def invite(owner: Visitor, email: str, role: str = "staff",
                 **areas: str) -> str:
    answer = await owner.submit("/console/staff", "/console/staff/invite", {
        "email": email, "role": role, **{f"area-{k}": v for k, v in areas.items()}})
    assert answer.status_code == 201, answer.text
    match = LINK_RE.search(answer.text)
    assert match, "the invitation link is shown to the inviter"
    return match.group(1)


async def join(visitors, shop, link: str, name: str = "New Colleague") -> Visitor:
    invitee = visitors(shop.host)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert (await invitee.get("/" + path)).status_code == 200
    answer = await invitee.submit("/" + path, "/console/invitation", {
        "token": path.split("token=")[1], "name": name, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/"
    return invitee


async def test_invited_staff_reach_their_areas_only(visitors, open_shop):
    shop = await open_shop()
    owner = visitors(shop.host)
    assert (await owner.sign_in(shop.email)).status_code == 303
    email = f"packer@{shop.slug}.example"
    link = await invite(owner, email, orders="write", catalog="read")
    staff = await join(visitors, shop, link)

    home = await staff.get("/console/")
    assert home.status_code == 200
    nav = home.text.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/console/orders"' in nav and 'href="/console/products"' in nav
    assert 'href="/console/settings"' not in nav and 'href="/console/staff"' not in nav
    assert (await staff.get("/console/orders")).status_code == 200
    assert (await staff.get("/console/products")).status_code == 200  # catalog: read
    refused = await staff.submit("/console/products", "/console/products/new",
                                 {"name": "Tea"})
    assert refused.status_code == 403 and "catalog" in refused.text
    for path in ("/console/settings", "/console/staff", "/console/tokens", "/console/audit",
                 "/console/webhooks", "/console/fulfilment/X1"):
        page = await staff.get(path)
        assert page.status_code == 403, path
        assert "text/html" in page.headers["content-type"]

    # The link worked once.
    again = await visitors(shop.host).get(link.split(shop.host, 1)[1])
    assert again.status_code == 404 and "cannot be used" in again.text


async def test_expired_or_withdrawn_invitations_do_not_work(visitors, open_shop):
    shop = await open_shop()
    owner = visitors(shop.host)
    await owner.sign_in(shop.email)
    link = await invite(owner, f"late@{shop.slug}.example", orders="read")
    tenant = await tenant_of(shop.slug)
    async with db.shop_scope(tenant):
        await Invitation.update({Invitation.expires_at: dt.datetime.now(dt.UTC)
                                 - dt.timedelta(minutes=1)}).where(Invitation.tenant == tenant)
    path = link.split(shop.host, 1)[1]
    assert (await visitors(shop.host).get(path)).status_code == 404

    link = await invite(owner, f"never@{shop.slug}.example", role="admin")
    async with db.shop_scope(tenant):
        pending = await Invitation.select(Invitation.id).where(
            (Invitation.tenant == tenant) & Invitation.accepted_at.is_null()
            & (Invitation.expires_at > dt.datetime.now(dt.UTC))).first()
    withdrawn = await owner.submit("/console/staff",
                                   f"/console/staff/invitations/{pending['id']}/revoke", {})
    assert withdrawn.status_code == 303
    assert (await visitors(shop.host).get(link.split(shop.host, 1)[1])).status_code == 404


async def test_an_existing_account_joins_with_its_password(visitors, open_shop):
    shop, other = await open_shop(), await open_shop()
    owner = visitors(shop.host)
    await owner.sign_in(shop.email)
    link = await invite(owner, other.email, role="admin")
    invitee = visitors(shop.host)
    path = link.split(shop.host, 1)[1]
    token = path.split("token=")[1]
    wrong = await invitee.submit(path, "/console/invitation",
                                 {"token": token, "password": "Wrong-Horse-99"})
    assert wrong.status_code == 401
    joined = await invitee.submit(path, "/console/invitation",
                                  {"token": token, "password": PASSWORD})
    assert joined.status_code == 303
    assert (await invitee.get("/console/settings")).status_code == 200  # an admin
    assert (await invitee.get("/console/staff")).status_code == 200


async def test_managers_change_and_remove_members(visitors, open_shop):
    shop = await open_shop()
    owner = visitors(shop.host)
    await owner.sign_in(shop.email)
    staff = await join(visitors, shop, await invite(owner, f"s@{shop.slug}.example",
                                                    marketing="write"))
    assert (await staff.get("/console/orders")).status_code == 403
    tenant = await tenant_of(shop.slug)
    async with db.shop_scope(tenant):
        member = await Membership.select(Membership.id).where(
            (Membership.tenant == tenant) & (Membership.role == "staff")).first()
    changed = await owner.submit("/console/staff", f"/console/staff/{member['id']}",
                                 {"role": "staff", "area-orders": "read"})
    assert changed.status_code == 303
    assert (await staff.get("/console/orders")).status_code == 200
    removed = await owner.submit("/console/staff", f"/console/staff/{member['id']}/remove", {})
    assert removed.status_code == 303
    gone = await staff.get("/console/orders")
    assert gone.status_code == 303 and "no_access" in gone.headers["location"]
    log = table_of(await owner.get("/console/audit?action=staff."))
    for action in ("staff.invited", "staff.joined", "staff.changed", "staff.removed"):
        assert action in log
    assert "shop.created" not in log
    only = table_of(await owner.get("/console/audit?action=staff.removed"))
    assert "staff.removed" in only and "staff.invited" not in only
    owner_id = (await user_by_email(shop.email))["id"]
    by_owner = table_of(await owner.get(f"/console/audit?actor=user:{owner_id}"))
    assert "staff.invited" in by_owner and "staff.joined" not in by_owner  # the invitee's
    today = dt.date.today()
    dated = table_of(await owner.get(f"/console/audit?since={today - dt.timedelta(days=3)}"))
    assert "staff.removed" in dated
    assert "Nothing recorded" in (await owner.get("/console/audit?until=2020-01-01")).text


def table_of(page: httpx.Response) -> str:
    assert page.status_code == 200
    return page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


async def test_owner_hands_the_shop_over_with_their_password(visitors, open_shop):
    shop = await open_shop()
    owner = visitors(shop.host)
    await owner.sign_in(shop.email)
    admin = await join(visitors, shop, await invite(owner, f"a@{shop.slug}.example",
                                                    role="admin"))
    tenant = await tenant_of(shop.slug)
    async with db.shop_scope(tenant):
        target = await Membership.select(Membership.id).where(
            (Membership.tenant == tenant) & (Membership.role == "admin")).first()
    # An admin may not hand the shop over.
    page = await admin.get("/console/staff")
    assert page.status_code == 200 and "/console/staff/transfer" not in page.text
    csrf = CSRF_RE.search(page.text).group(1)
    refused = await admin.http.post("/console/staff/transfer", data={
        "_csrf_token": csrf, "member": target["id"], "password": PASSWORD})
    assert refused.status_code == 403
    wrong = await owner.submit("/console/staff", "/console/staff/transfer",
                               {"member": target["id"], "password": "not-my-password"})
    assert wrong.status_code == 403
    done = await owner.submit("/console/staff", "/console/staff/transfer",
                              {"member": target["id"], "password": PASSWORD})
    assert done.status_code == 303
    async with db.shop_scope(tenant):
        roles = {r["role"] for r in await Membership.select(Membership.role).where(
            Membership.tenant == tenant)}
    assert roles == {"owner", "admin"}
    assert "/console/staff/transfer" in (await admin.get("/console/staff")).text
    assert "shop.owner_transferred" in (await owner.get("/console/audit")).text


async def test_tokens_in_the_console_shown_once_scoped_and_revocable(visitors, open_shop):
    shop = await open_shop()
    owner = visitors(shop.host)
    await owner.sign_in(shop.email)
    created = await owner.submit("/console/tokens", "/console/tokens",
                                 {"name": "ERP sync", "area-orders": "read"})
    assert created.status_code == 201
    token = TOKEN_RE.search(created.text).group(1)
    assert token.startswith("gal_")
    listing = await owner.get("/console/tokens")
    assert "ERP sync" in listing.text and token not in listing.text
    headers = {"host": shop.host, "authorization": f"Bearer {token}"}
    assert (await shop.client.get("/api/admin/v1/orders", headers=headers)).status_code == 200
    assert (await shop.client.get("/api/admin/v1/products",
                                  headers=headers)).status_code == 403
    listing = await owner.get("/console/tokens")
    assert "Never" not in listing.text.split("ERP sync", 1)[1].split("</tr>", 1)[0]
    token_id = re.search(r'/console/tokens/(\d+)/revoke', listing.text).group(1)
    revoked = await owner.submit("/console/tokens", f"/console/tokens/{token_id}/revoke", {})
    assert revoked.status_code == 303
    assert (await shop.client.get("/api/admin/v1/orders", headers=headers)).status_code == 401
    assert "token.created" in (await owner.get("/console/audit")).text
    empty = await owner.submit("/console/tokens", "/console/tokens", {"name": ""})
    assert empty.status_code == 422


class Inbox:
    """aiosmtpd handler: keeps every message received."""

    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(email.message_from_bytes(envelope.content,
                                                   policy=email.policy.default))
        return "250 Message accepted"


async def test_the_invitation_is_mailed_through_the_shops_email_channel(visitors, open_shop,
                                                                        runtime):
    inbox = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        shop = await open_shop()
        tenant = await tenant_of(shop.slug)
        await enable_plugin(tenant, runtime.host, "notify_email", {
            "host": "127.0.0.1", "port": port, "from_address": "team@tea.example",
            "starttls": False})
        owner = visitors(shop.host)
        await owner.sign_in(shop.email)
        answer = await owner.submit("/console/staff", "/console/staff/invite", {
            "email": f"mailed@{shop.slug}.example", "role": "staff", "area-orders": "read"})
        assert answer.status_code == 201
        assert "Invitation emailed to" in answer.text
        link = LINK_RE.search(answer.text).group(1)
    finally:
        controller.stop()
    assert len(inbox.mails) == 1
    mail = inbox.mails[0]
    assert mail["To"] == f"mailed@{shop.slug}.example"
    assert f"Shop {shop.slug}" in mail["Subject"]
    assert link in mail.get_body(preferencelist=("plain",)).get_content()
