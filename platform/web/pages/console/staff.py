"""The console's Staff page and the invitation link, under `/console/`.

- `GET /console/staff`: the members with their roles and areas, pending invitations, the
  invitation form, and (for the owner) handing the shop over. Owners and admins only.
- `POST /console/staff/invite`: invite by email (the link is mailed through the shop's email
  channel and shown once here), `POST /console/staff/{id}`: change a member's role or
  areas, `POST /console/staff/{id}/remove`, `POST /console/staff/invitations/{id}/revoke`,
  `POST /console/staff/transfer` (the owner, with their password).
- `GET|POST /console/invitation?token=…`: the invitee joins (public; the link is the key).

Who may open what is decided by the permission guard (galleria.web.permission_guard); the
rules about members (one owner, nobody edits themselves…) by galleria.auth.members.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.auth import invitations, members
from galleria.auth.passwords import hash_password, password_problem, verify_password
from galleria.auth.permissions import AREAS, as_list
from galleria.auth.ratelimit import check_sign_in, record_failure, signin_keys
from galleria.auth.staff import user_by_email
from galleria.kernel import db
from galleria.kernel.billing.limits import PlanLimitReached, ShopRestricted
from galleria.kernel.errors import DomainError, RateLimited
from galleria.kernel.tenancy.shops import Shop
from galleria.kernel.tenancy.tables import PlatformUser
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.billing_texts import plan_limit_message
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for, page, request_locale
from galleria.web.pages.signin.sessions import client_ip, session_user, start_session
from galleria.web.pages.storefront.storefront import logo_url

AREA_TITLES = {"catalog": N_("Catalog"), "orders": N_("Orders"),
               "fulfilment": N_("Fulfilment"), "marketing": N_("Marketing"),
               "settings": N_("Settings"), "reports": N_("Reports")}
ROLE_TITLES = {"owner": N_("Owner"), "admin": N_("Admin"), "staff": N_("Staff")}
DONE = {"changed": N_("The member's access was changed."),
        "removed": N_("The member was removed from the shop."),
        "revoked": N_("The invitation was withdrawn."),
        "transferred": N_("The shop was handed over. You are an admin now.")}
# What galleria.auth.members and .invitations say when they refuse, shown on the Staff page.
REFUSALS = (N_("Enter a valid email address"), N_("Choose the role admin or staff"),
            N_("Give the staff member at least one area"),
            N_("This person is already a member of the shop"), N_("The password is not right"),
            N_("Only the shop's owner can hand the shop over"),
            N_("Choose another member to hand the shop over to"), N_("Choose a member"),
            N_("No such member of this shop"))
MAIL_SUBJECT = N_("You are invited to %(shop)s on Galleria")
MAIL_TEXT = N_("%(inviter)s invites you to help run %(shop)s. Open this link within 72 "
               "hours to join:\n\n%(url)s\n\nIf you did not expect this, ignore this mail.")


def read_grants(form: Any) -> list[str]:
    """Permissions from the form's per-area choices (`area-<area>` = "", read or write)."""
    return [f"{area}:{form.get(f'area-{area}')}" for area in AREAS
            if form.get(f"area-{area}") in ("read", "write")]


def grant_rows(held: list[str], translate: Any) -> list[dict[str, str]]:
    """One row per area for the permission choosers and badges."""
    rows = []
    for area in AREAS:
        level = ("write" if f"{area}:write" in held else
                 "read" if f"{area}:read" in held else "")
        rows.append({"area": area, "title": translate(AREA_TITLES[area]), "level": level})
    return rows


def _actor_user(request: Request) -> int:
    return int(staff_of(request)["user_id"])


class StaffPages(Controller):
    path = "/staff"
    guards = [require_staff]

    @get("/", name="console:staff")
    async def show(self, request: Request, shop: Shop, runtime: Runtime,
                   done: str = "") -> Response:
        return await self._page(request, shop, runtime, done=done)

    async def _page(self, request: Request, shop: Shop, runtime: Runtime, *, done: str = "",
                    error: str = "", invited: dict[str, Any] | None = None,
                    values: dict[str, Any] | None = None,
                    status_code: int = 200) -> Response:
        translate = gettext_for(request)
        me = staff_of(request)
        async with db.shop_scope(shop.id):
            people = await members.list_members(shop.id)
            waiting = await invitations.pending(shop.id)
        for person in people:
            person["grants"] = grant_rows(person["permissions"], translate)
            person["role_title"] = translate(ROLE_TITLES.get(person["role"], person["role"]))
            person["editable"] = person["role"] != "owner" and person["user_id"] != me["user_id"]
        for invitation in waiting:
            invitation["grants"] = grant_rows(as_list(invitation["permissions"]), translate)
        values = values or {}
        return await console_page(
            request, runtime, "console/staff.html", "staff", status_code=status_code,
            members=people, invitations=waiting, done=translate(DONE[done]) if done in DONE
            else "", error=error, invited=invited, values=values,
            new_grants=grant_rows(values.get("permissions", []), translate),
            role_titles={k: translate(v) for k, v in ROLE_TITLES.items()},
            is_owner=me["role"] == "owner",
            successors=[p for p in people if p["user_id"] != me["user_id"]])

    @post("/invite", name="console:staff-invite")
    async def invite(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        _ = gettext_for(request)
        form = await request.form()
        email = str(form.get("email") or "").strip()
        role = str(form.get("role") or "staff")
        grants = read_grants(form)
        me = staff_of(request)
        try:
            async with db.shop_scope(shop.id):
                invitation, token = await invitations.invite(
                    shop.id, runtime.settings.secret_key, email=email, role=role,
                    permissions=grants, invited_by=_actor_user(request))
                channel = await invitations.email_channel(runtime.host, shop)
        except DomainError as exc:
            error = (plan_limit_message(exc, request_locale(request, shop))
                     if isinstance(exc, PlanLimitReached | ShopRestricted) else _(exc.detail))
            return await self._page(request, shop, runtime, error=error,
                                    values={"email": email, "role": role, "permissions": grants},
                                    status_code=422 if exc.kind == "invalid" else 409)
        url = invitations.link(str(request.base_url), token)
        values = {"shop": shop.name, "inviter": me["email"], "url": url}
        sent = channel is not None and await invitations.send_invitation(
            channel, shop, email=invitation["email"], subject=_(MAIL_SUBJECT) % values,
            text=_(MAIL_TEXT) % values, locale=request_locale(request, shop))
        return await self._page(request, shop, runtime, status_code=201,
                                invited={"email": invitation["email"], "url": url,
                                         "sent": sent})

    @post("/{membership_id:int}", name="console:staff-change")
    async def change(self, request: Request, shop: Shop, membership_id: int) -> Response:
        form = await request.form()
        async with db.shop_scope(shop.id):
            await members.change_access(shop.id, membership_id, str(form.get("role") or ""),
                                        read_grants(form), actor_user=_actor_user(request))
        return Redirect(f"/console/staff?done=changed#member-{membership_id}", status_code=303)

    @post("/{membership_id:int}/remove", name="console:staff-remove")
    async def remove(self, request: Request, shop: Shop, membership_id: int) -> Response:
        async with db.shop_scope(shop.id):
            await members.remove_member(shop.id, membership_id, actor_user=_actor_user(request))
        return Redirect("/console/staff?done=removed", status_code=303)

    @post("/invitations/{invitation_id:int}/revoke", name="console:staff-invitation-revoke")
    async def revoke(self, request: Request, shop: Shop, invitation_id: int) -> Response:
        async with db.shop_scope(shop.id):
            await invitations.revoke(shop.id, invitation_id, actor_user=_actor_user(request))
        return Redirect("/console/staff?done=revoked", status_code=303)

    @post("/transfer", name="console:staff-transfer")
    async def transfer(self, request: Request, shop: Shop, runtime: Runtime) -> Response:
        _ = gettext_for(request)
        form = await request.form()
        try:
            successor = int(str(form.get("member") or "0"))
            async with db.shop_scope(shop.id):
                await members.transfer_ownership(shop.id, _actor_user(request),
                                                 str(form.get("password") or ""), successor)
        except (DomainError, ValueError) as exc:
            detail = exc.detail if isinstance(exc, DomainError) else "Choose a member"
            return await self._page(request, shop, runtime, error=_(detail), status_code=403)
        return Redirect("/console/staff?done=transferred", status_code=303)


# -- the invitation link (public) ------------------------------------------------------------
async def _invitation_page(request: Request, shop: Shop, token: str, invitation: Any, *,
                           error: str = "", status_code: int = 200) -> Response:
    translate = gettext_for(request)
    account = await user_by_email(invitation["email"]) if invitation else None
    signed_in = session_user(request)
    return page(request, "console/staff_invitation.html", status_code=status_code,
                token=token, invitation=invitation, error=error, logo_url=logo_url(shop),
                has_account=account is not None,
                same_user=bool(account and signed_in and signed_in["user_id"] == account["id"]),
                grants=grant_rows(invitation["permissions"], translate) if invitation else [],
                role_title=translate(ROLE_TITLES.get(invitation["role"], ""))
                if invitation else "")


@get("/invitation", name="console:invitation")
async def invitation_form(request: Request, shop: Shop, runtime: Runtime,
                          token: str = "") -> Response:
    async with db.shop_scope(shop.id):
        found = await invitations.open_invitation(shop.id, runtime.settings.secret_key, token)
    return await _invitation_page(request, shop, token, found,
                                  status_code=200 if found else 404)


@post("/invitation", name="console:invitation-accept")
async def accept_invitation(request: Request, shop: Shop, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    form = await request.form()
    token = str(form.get("token") or "")
    password = str(form.get("password") or "")
    secret = runtime.settings.secret_key
    async with db.shop_scope(shop.id):
        found = await invitations.open_invitation(shop.id, secret, token)
    if found is None:
        return await _invitation_page(request, shop, token, None, status_code=404)
    account = await user_by_email(found["email"])
    signed_in = session_user(request)
    if account is None:
        weakness = password_problem(password, email=found["email"])
        if weakness:
            return await _invitation_page(request, shop, token, found, error=_(weakness),
                                          status_code=422)
    elif not (signed_in and signed_in["user_id"] == account["id"]):
        keys = signin_keys(client_ip(request), found["email"])  # counted as sign-in
        try:  # a password check, limited like the sign-in form
            await check_sign_in(runtime.limiter, keys)
        except RateLimited:
            return await _invitation_page(request, shop, token, found, status_code=429, error=_(
                "Too many sign-in attempts. Please wait a few minutes."))
        if not await verify_password(account["password_hash"], password):
            await record_failure(runtime.limiter, keys)
            return await _invitation_page(request, shop, token, found, status_code=401,
                                          error=_("Wrong email or password."))
    try:
        async with db.shop_scope(shop.id):
            if account is None:
                rows = await PlatformUser.insert(PlatformUser(
                    email=found["email"], name=str(form.get("name") or "").strip()[:120],
                    password_hash=await hash_password(password))).returning(PlatformUser.id)
                user_id = rows[0]["id"]
            else:
                user_id = account["id"]
            await invitations.accept(shop.id, secret, token, user_id)
    except DomainError:
        return await _invitation_page(request, shop, token, None, status_code=404)
    await start_session(request, {"user_id": user_id, "email": found["email"]})
    return Redirect("/console/", status_code=303)


staff_console_router = Router(
    path="/console", guards=[shop_host_only],
    route_handlers=[StaffPages, invitation_form, accept_invitation],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False,
)

__all__ = ["AREA_TITLES", "grant_rows", "read_grants", "staff_console_router"]
