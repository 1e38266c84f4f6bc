"""The operator console on the platform host (`/operator/`): platform staff only, signed in
with a password and a TOTP code. Shops (search, detail, usage, sales), suspend / resume with
a reason, plan override, trial extension, the platform's figures and its audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect

from galleria.auth.operators import is_operator, sign_in
from galleria.auth.ratelimit import check_sign_in, record_failure, signin_keys
from galleria.kernel import db
from galleria.kernel.billing import subscriptions
from galleria.kernel.billing.plans import plans
from galleria.kernel.errors import NotFound, RateLimited, ValidationFailed
from galleria.kernel.tenancy.shops import get_shop
from galleria.runtime import Runtime
from galleria.web.context import platform_host_only
from galleria.web.pages.billing_texts import STATUS_NAMES, audit_texts, plan_title
from galleria.web.pages.operator.figures import (
    PLATFORM_ZONE,
    list_shop_rows,
    platform_audit,
    platform_figures,
    shop_row,
)
from galleria.web.pages.render import gettext_for, page, request_locale, shop_base_url
from galleria.web.pages.signin.sessions import (
    client_ip,
    end_session,
    issue_ticket,
    start_session,
)

MAX_TRIAL_EXTENSION = 90


class OperatorRequired(NotAuthorizedException):
    """Not signed in as an operator: to the operator sign-in."""


async def operator_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    session = connection.scope.get("session")
    if not (isinstance(session, dict) and session.get("operator")
            and await is_operator(int(session.get("user_id") or 0))):
        raise OperatorRequired("Operators only")


def to_operator_login(request: Request, _: Exception) -> Response:
    return Redirect("/operator/login", status_code=303)


def _operator(request: Request) -> dict[str, Any]:
    return request.scope["session"]


def _view(request: Request, template: str, *, status_code: int = 200, **context: Any):
    locale = request_locale(request)
    return page(request, template, status_code=status_code, operator=_operator(request),
                status_names=STATUS_NAMES, plan_title=lambda n: plan_title(n, locale),
                zone=PLATFORM_ZONE, **audit_texts(locale), **context)


# -- sign-in --------------------------------------------------------------------------------
@get("/operator/login", name="operator:login")
async def login_form(request: Request) -> Response:
    return page(request, "operator/login.html", values={}, error="")


@post("/operator/login", name="operator:login-submit")
async def login_submit(request: Request, runtime: Runtime) -> Response:
    _ = gettext_for(request)
    form = await request.form()
    email = str(form.get("email") or "").strip()
    keys = signin_keys(client_ip(request), email, kind="operator")
    try:
        await check_sign_in(runtime.limiter, keys)
    except RateLimited:
        return page(request, "operator/login.html", status_code=429, values={"email": email},
                    error=_("Too many sign-in attempts. Please wait a few minutes."))
    user = await sign_in(email, str(form.get("password") or ""), str(form.get("code") or ""))
    if user is None:
        await record_failure(runtime.limiter, keys)
        return page(request, "operator/login.html", status_code=401, values={"email": email},
                    error=_("Wrong email, password or authenticator code."))
    await start_session(request, {"user_id": user["id"], "email": user["email"],
                                  "operator": True})
    await subscriptions.audit(None, f"operator:{user['id']}", "operator.signed_in",
                              user["email"])
    return Redirect("/operator/", status_code=303)


@post("/operator/logout", name="operator:logout", guards=[operator_only])
async def logout(request: Request) -> Response:
    end_session(request)
    return Redirect("/operator/login", status_code=303)


# -- shops and figures ----------------------------------------------------------------------
@get("/operator", name="operator:home", guards=[operator_only])
async def home(request: Request, q: str = "") -> Response:
    return _view(request, "operator/home.html", rows=await list_shop_rows(q), q=q,
                 figures=await platform_figures(), plans=plans().plans)


@get("/operator/shops/{slug:str}", name="operator:shop", guards=[operator_only])
async def shop_detail(request: Request, slug: str, done: str = "") -> Response:
    return await _shop_page(request, slug, done=done)


async def _shop_page(request: Request, slug: str, *, status_code: int = 200,
                     error: str = "", done: str = "") -> Response:
    shop = await get_shop(slug)
    if shop is None:
        raise NotFound(f"No shop {slug}")
    row = await shop_row(shop, dt.datetime.now(dt.UTC))
    return _view(request, "operator/shop.html", status_code=status_code, row=row,
                 audit=await platform_audit(shop.id, 30), plans=plans().plans,
                 error=error, done=done)


ACTIONS = ("suspend", "resume", "plan", "trial", "view")


@post("/operator/shops/{slug:str}/{action:str}", name="operator:act", guards=[operator_only])
async def act(request: Request, runtime: Runtime, slug: str, action: str) -> Response:
    _ = gettext_for(request)
    shop = await get_shop(slug)
    if shop is None or action not in ACTIONS:
        raise NotFound(f"No shop {slug} or no action {action}")
    form = await request.form()
    reason = str(form.get("reason") or "").strip()[:500]
    if not reason:
        return await _shop_page(request, slug, status_code=422,
                                error=_("Give a reason: it is kept in the audit log."))
    actor = f"operator:{_operator(request)['user_id']}"
    if action == "view":  # impersonate, read-only: audited, then a one-time ticket
        async with db.shop_scope(shop.id):  # the shop's own log is behind its policy
            await subscriptions.audit(shop.id, actor, "shop.impersonated", "",
                                      {"reason": reason})
        ticket = issue_ticket(runtime.settings.secret_key, _operator(request)["user_id"],
                              f"{slug}#view")
        return Redirect(f"{shop_base_url(request, slug)}/console/view-as?ticket={ticket}",
                        status_code=303)
    try:
        async with db.shop_scope(shop.id):
            if action == "suspend":
                await subscriptions.operator_suspend(shop.id, actor=actor, reason=reason)
            elif action == "resume":
                await subscriptions.operator_resume(shop.id, actor=actor, reason=reason)
            elif action == "plan":
                name = str(form.get("plan") or "")
                if plans().get(name) is None:
                    raise ValidationFailed("unknown plan")
                await subscriptions.override_plan(shop.id, name, actor=actor, reason=reason)
            else:
                days = int(str(form.get("days") or "0"))
                if not 1 <= days <= MAX_TRIAL_EXTENSION:
                    raise ValidationFailed("days")
                await subscriptions.extend_trial(shop.id, days, actor=actor, reason=reason)
    except (ValidationFailed, ValueError):
        return await _shop_page(request, slug, status_code=422, error=_(
            "Choose a plan, or a number of days from 1 to 90."))
    return Redirect(f"/operator/shops/{slug}?done={action}", status_code=303)


@get("/operator/audit", name="operator:audit", guards=[operator_only])
async def audit_log(request: Request) -> Response:
    return _view(request, "operator/audit.html", audit=await platform_audit(None, 200))


operator_router = Router(
    path="/", guards=[platform_host_only], include_in_schema=False,
    exception_handlers={OperatorRequired: to_operator_login},
    route_handlers=[login_form, login_submit, logout, home, shop_detail, act, audit_log])

__all__ = ["operator_router"]
