"""Shopper sign-in with WeChat: web QR login (网站应用微信登录) and mini-program login.

- Web: the browser goes to `open.weixin.qq.com/connect/qrconnect` (scope `snsapi_login`,
  with our `state`); after the scan WeChat redirects back with a `code`, which the server
  trades at `api.weixin.qq.com/sns/oauth2/access_token` (appid + secret) for an access
  token, the `openid` and (for apps under an open-platform account) the `unionid`;
  `sns/userinfo` gives the nickname.
- Mini-program: `wx.login()` gives the mini-program a `js_code`, which it posts to us; the
  server trades it at `sns/jscode2session` for the `openid` and `unionid`.

WeChat answers errors with HTTP 200 and `{"errcode": …, "errmsg": …}`. An account is linked
by the unionid (issuer `wechat`), so the same person signs in to the same customer from the
website and the mini-program; without a unionid, by the openid of that app (issuer
`wechat:{appid}`). A shop's WeChat apps live in `shop_sign_in_provider` (kinds `wechat_web`
and `wechat_mini`, appid as client id, secret sealed). `GALLERIA_WECHAT_API_BASE` and
`GALLERIA_WECHAT_OPEN_BASE` point elsewhere for a simulator.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from galleria.auth.identities import customer_subject
from galleria.auth.oidc import HTTP_TIMEOUT, SECRET_PURPOSE, ProviderUnavailable, SignInRefused
from galleria.kernel import crypto, db
from galleria.kernel.access.tables import ShopSignInProvider
from galleria.kernel.errors import Problems

KINDS = ("wechat_web", "wechat_mini")
API_BASE = "https://api.weixin.qq.com"
OPEN_BASE = "https://open.weixin.qq.com"


@dataclass(frozen=True)
class WeChatApp:
    appid: str
    secret: str


@dataclass(frozen=True)
class WeChatUser:
    openid: str
    unionid: str = ""
    nickname: str = ""

    def key(self, appid: str) -> tuple[str, str]:
        """(issuer, subject) of the identity to link."""
        return ("wechat", self.unionid) if self.unionid else (openid_issuer(appid), self.openid)


def _api_base() -> str:
    return os.environ.get("GALLERIA_WECHAT_API_BASE", API_BASE).rstrip("/")


def _open_base() -> str:
    return os.environ.get("GALLERIA_WECHAT_OPEN_BASE", OPEN_BASE).rstrip("/")


# -- configuration -----------------------------------------------------------------------------
async def wechat_app(tenant_id: int, kind: str) -> WeChatApp | None:
    """The shop's enabled WeChat app of `kind`, or None."""
    async with db.shop_scope(tenant_id):
        row = await ShopSignInProvider.select().where(
            (ShopSignInProvider.tenant == tenant_id) & (ShopSignInProvider.kind == kind)
            & (ShopSignInProvider.enabled == True)).first()  # noqa: E712 (a SQL expression)
    if row is None:
        return None
    secret = crypto.unseal(row["client_secret"], SECRET_PURPOSE).get("secret", "")
    return WeChatApp(row["client_id"], secret)


async def wechat_settings(tenant_id: int) -> dict[str, dict[str, Any]]:
    """{kind: {appid, enabled, has_secret}} for the console form."""
    async with db.shop_scope(tenant_id):
        rows = await ShopSignInProvider.select().where(
            (ShopSignInProvider.tenant == tenant_id) & ShopSignInProvider.kind.is_in(
                list(KINDS)))
    found = {row["kind"]: {"appid": row["client_id"], "enabled": row["enabled"],
                           "has_secret": bool(row["client_secret"])} for row in rows}
    return {kind: found.get(kind, {"appid": "", "enabled": False, "has_secret": False})
            for kind in KINDS}


async def save_wechat_app(tenant_id: int, kind: str, *, appid: str, secret: str = "",
                          enabled: bool = True) -> None:
    """Create or update the shop's WeChat app of `kind`; an empty secret keeps the stored
    one. Raises ValidationFailed for an unknown kind or a malformed appid."""
    appid = appid.strip()
    problems = Problems()
    if kind not in KINDS:
        problems.add("kind", "wechat_web or wechat_mini")
    if not appid.startswith("wx") or not 4 <= len(appid) <= 32 or not appid.isalnum():
        problems.add("appid", "a WeChat AppID (wx…)")
    problems.raise_if_any("The WeChat app settings are invalid")
    values: dict[Any, Any] = {ShopSignInProvider.client_id: appid,
                              ShopSignInProvider.enabled: enabled,
                              ShopSignInProvider.updated_at: dt.datetime.now(dt.UTC)}
    if secret:
        values[ShopSignInProvider.client_secret] = crypto.seal({"secret": secret.strip()},
                                                               SECRET_PURPOSE)
    async with db.shop_scope(tenant_id):
        where = (ShopSignInProvider.tenant == tenant_id) & (ShopSignInProvider.kind == kind)
        if await ShopSignInProvider.exists().where(where):
            await ShopSignInProvider.update(values).where(where)
        else:
            await ShopSignInProvider.insert(ShopSignInProvider(
                tenant=tenant_id, kind=kind, label="WeChat", scopes="snsapi_login",
                **{c._meta.name: v for c, v in values.items()}))


# -- the protocol ------------------------------------------------------------------------------
def qr_login_url(app: WeChatApp, redirect_uri: str, state: str) -> str:
    query = urlencode({"appid": app.appid, "redirect_uri": redirect_uri,
                       "response_type": "code", "scope": "snsapi_login", "state": state})
    return f"{_open_base()}/connect/qrconnect?{query}#wechat_redirect"


async def _call(path: str, params: dict[str, str]) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.get(f"{_api_base()}{path}", params=params)
            response.raise_for_status()
            body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable("WeChat could not be reached") from exc
    if not isinstance(body, dict):
        raise ProviderUnavailable("WeChat sent an unreadable answer")
    if body.get("errcode"):
        if body["errcode"] == -1:  # "system busy"
            raise ProviderUnavailable("WeChat is busy; try again")
        raise SignInRefused(f"WeChat refused the sign-in ({body['errcode']})")
    return body


async def web_user(app: WeChatApp, code: str) -> WeChatUser:
    """The user behind a QR-login `code` (spent by this call)."""
    if not code or len(code) > 256:
        raise SignInRefused("WeChat sent no sign-in code")
    token = await _call("/sns/oauth2/access_token", {
        "appid": app.appid, "secret": app.secret, "code": code,
        "grant_type": "authorization_code"})
    openid = str(token.get("openid") or "")
    if not openid or not token.get("access_token"):
        raise SignInRefused("WeChat sent no openid")
    info = await _call("/sns/userinfo", {"access_token": str(token["access_token"]),
                                         "openid": openid})
    return WeChatUser(openid, str(token.get("unionid") or info.get("unionid") or ""),
                      str(info.get("nickname") or "")[:60])


async def mini_program_user(app: WeChatApp, js_code: str) -> WeChatUser:
    """The user behind a mini-program's `wx.login()` code (spent by this call)."""
    if not js_code or len(js_code) > 256:
        raise SignInRefused("Send the code from wx.login()")
    session = await _call("/sns/jscode2session", {
        "appid": app.appid, "secret": app.secret, "js_code": js_code,
        "grant_type": "authorization_code"})
    openid = str(session.get("openid") or "")
    if not openid:
        raise SignInRefused("WeChat sent no openid")
    return WeChatUser(openid, str(session.get("unionid") or ""))


# -- paying ----------------------------------------------------------------------------------
def openid_issuer(appid: str) -> str:
    """The issuer under which a customer's openid in WeChat app `appid` is kept."""
    return f"wechat:{appid}"


async def mini_program_payer(tenant_id: int, customer_id: int) -> tuple[str, str]:
    """(openid, appid) of `customer_id` in this shop's mini-program — what a JSAPI payment
    names as its payer — or ("", appid) when they never signed in there, ("", "") when the
    shop has no mini-program. Only the server's record counts: a client cannot name a payer."""
    app = await wechat_app(tenant_id, "wechat_mini")
    if app is None:
        return "", ""
    return await customer_subject(tenant_id, customer_id, openid_issuer(app.appid)), app.appid


__all__ = ["KINDS", "WeChatApp", "WeChatUser", "mini_program_payer", "mini_program_user",
           "openid_issuer", "qr_login_url",
           "save_wechat_app", "web_user", "wechat_app", "wechat_settings"]
