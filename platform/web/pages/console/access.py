"""The console's Audit log and API tokens pages.

- `GET /console/audit?actor=&action=&since=&until=&before=`: the shop's audit log, newest
  first, filtered by who (a member, a token, the system), what (an action or its family,
  e.g. `staff.`) and dates in the shop's time zone; 50 a page.
- `GET /console/tokens`: the shop's API tokens with scopes and last use;
  `POST /console/tokens` creates one (its secret shown once), `POST /console/tokens/{id}/
  revoke` revokes one. Owners and admins only (a token can do what its scopes say).

Who may open what is decided by the permission guard (galleria.web.permission_guard).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.auth.members import list_members
from galleria.auth.permissions import as_list
from galleria.auth.tokens import issue_token, list_tokens, revoke_token
from galleria.kernel import db
from galleria.kernel.errors import NotFound
from galleria.kernel.tenancy import audit
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.audit_actions import action_text
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.console.staff import grant_rows, read_grants
from galleria.web.pages.render import gettext_for, request_locale

PAGE_SIZE = 50
TOKEN_NAME_MAX = 80
DONE = {"revoked": N_("The token was revoked. Requests with it are refused from now on.")}


def _zone(shop: Shop) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(shop.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _day(text: str, zone: dt.tzinfo, *, after: bool = False) -> dt.datetime | None:
    """The start of day `text` (YYYY-MM-DD) in the shop's zone, or of the next day."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return start + dt.timedelta(days=1) if after else start


def _local(value: Any, zone: dt.tzinfo) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return ""
    value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


async def _actor_names(tenant_id: int) -> dict[str, str]:
    """"user:3" → their email, "token:4" → the token's name, for this shop's people."""
    names = {f"user:{m['user_id']}": m["email"] for m in await list_members(tenant_id)}
    names.update({f"token:{t['id']}": f"{t['name']} ({t['prefix']}…)"
                  for t in await list_tokens(tenant_id)})
    return names


def _subject(runtime: Runtime, entry: dict[str, Any], names: dict[str, str],
             locale: str) -> str:
    """What an entry is about, by name: a person, or a plugin by its title."""
    subject = entry["subject"] or ""
    if entry["action"].startswith("plugin.") and runtime.host.is_installed(subject):
        info = runtime.host.info(subject)
        return (info.title_zh or info.title) if locale == "zh_CN" else info.title
    return names.get(subject, subject)


class AccessPages(Controller):
    path = "/"
    guards = [require_staff]

    @get("/audit", name="console:audit")
    async def audit_log(self, request: Request, shop: Shop, runtime: Runtime,
                        actor: str = "", action: str = "", since: str = "", until: str = "",
                        before: int | None = None) -> Response:
        zone = _zone(shop)
        async with db.shop_scope(shop.id):
            entries = await audit.search(
                shop.id, actor=actor[:120], action=action[:64],
                since=_day(since, zone), until=_day(until, zone, after=True),
                before_id=before, limit=PAGE_SIZE + 1)
            names = await _actor_names(shop.id)
            actions = await audit.actions(shop.id)
        more = len(entries) > PAGE_SIZE
        entries = entries[:PAGE_SIZE]
        translate = gettext_for(request)
        locale = request_locale(request, shop)
        rows = [{"id": e["id"], "when": _local(e["created_at"], zone), "action": e["action"],
                 "what": action_text(e["action"], translate),
                 "actor": names.get(e["actor"], e["actor"]),
                 "subject": _subject(runtime, e, names, locale), "data": e["data"]}
                for e in entries]
        filters = {"actor": actor, "action": action, "since": since, "until": until}
        kept = {k: v for k, v in filters.items() if v}
        next_url = (f"/console/audit?{urlencode({**kept, 'before': entries[-1]['id']})}"
                    if more and entries else "")
        return await console_page(request, runtime, "console/audit.html", "audit",
                                  entries=rows, filters=filters, actors=sorted(names.items(),
                                  key=lambda kv: kv[1]), next_url=next_url,
                                  actions=[(a, action_text(a, translate)) for a in actions])

    @get("/tokens", name="console:tokens")
    async def tokens(self, request: Request, shop: Shop, runtime: Runtime,
                     done: str = "") -> Response:
        return await self._tokens_page(request, shop, runtime,
                                       done=gettext_for(request)(DONE[done])
                                       if done in DONE else "")

    async def _tokens_page(self, request: Request, shop: Shop, runtime: Runtime, *,
                           done: str = "", created: dict[str, str] | None = None,
                           error: str = "", values: dict[str, Any] | None = None,
                           status_code: int = 200) -> Response:
        translate, zone = gettext_for(request), _zone(shop)
        async with db.shop_scope(shop.id):
            rows = await list_tokens(shop.id)
            names = await _actor_names(shop.id)
        items = [{**r, "grants": grant_rows(as_list(r["scopes"]), translate),
                  "created": _local(r["created_at"], zone),
                  "last_used": _local(r["last_used_at"], zone),
                  "revoked": _local(r["revoked_at"], zone),
                  "creator": names.get(f"user:{r['created_by']}", "")} for r in rows]
        values = values or {}
        return await console_page(
            request, runtime, "console/tokens.html", "tokens", status_code=status_code,
            tokens=items, created=created, done=done, error=error, values=values,
            new_grants=grant_rows(values.get("scopes", []), translate))

    @post("/tokens", name="console:token-create")
    async def create_token(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        _ = gettext_for(request)
        form = await request.form()
        name = str(form.get("name") or "").strip()
        scopes = read_grants(form)
        error = (_("Give the token a name.") if not name or len(name) > TOKEN_NAME_MAX else
                 _("Choose at least one area.") if not scopes else "")
        if error:
            return await self._tokens_page(request, shop, runtime, error=error,
                                           values={"name": name, "scopes": scopes},
                                           status_code=422)
        user_id = int(staff_of(request)["user_id"])
        async with db.shop_scope(shop.id):
            token = await issue_token(shop.id, name, scopes, created_by=user_id)
            await audit.record(shop.id, f"user:{user_id}", "token.created", name,
                               {"scopes": scopes, "prefix": token[:10]})
        return await self._tokens_page(request, shop, runtime, status_code=201,
                                       created={"name": name, "token": token})

    @post("/tokens/{token_id:int}/revoke", name="console:token-revoke")
    async def revoke(self, request: Request, shop: Shop, token_id: int) -> Response:
        user_id = int(staff_of(request)["user_id"])
        async with db.shop_scope(shop.id):
            row = await revoke_token(shop.id, token_id)
            if row is None:
                raise NotFound("No live token with this id in this shop")
            await audit.record(shop.id, f"user:{user_id}", "token.revoked", row["name"],
                               {"prefix": row["prefix"]})
        return Redirect("/console/tokens?done=revoked", status_code=303)


access_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[AccessPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["access_console_router"]
