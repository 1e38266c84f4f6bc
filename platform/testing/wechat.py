"""A local simulator of WeChat's sign-in endpoints, served over real HTTP.

What it checks, as WeChat does: the appid is registered and the secret is its secret
(errcode 40013 / 40125), a code is single-use, short-lived and belongs to the app it was
issued for (40029), the access token given for userinfo is live and of that openid
(40001 / 40003). Errors come back as HTTP 200 with `{"errcode", "errmsg"}`. An openid is
per app; the unionid is the user's across the apps of one open-platform account::

    with WeChatSimulator().serve() as wechat:
        wechat.add_app("wx123", "secret")
        wechat.next_user = WeChatSimUser("u1", unionid="union-1", nickname="小林")
        js_code = wechat.mini_program_code("wx123")   # what wx.login() gives the mini-program
        # GALLERIA_WECHAT_API_BASE / GALLERIA_WECHAT_OPEN_BASE = wechat.base_url
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from litestar import Litestar, Request, Response, get
from litestar.response import Redirect

from galleria.testing.harness import serve_asgi

__all__ = ["WeChatSimUser", "WeChatSimulator"]
CODE_TTL = 300


@dataclass(frozen=True)
class WeChatSimUser:
    key: str
    unionid: str = ""
    nickname: str = "微信用户"


@dataclass
class WeChatSimulator:
    base_url: str = ""
    next_user: WeChatSimUser = field(default_factory=lambda: WeChatSimUser("u0", "union-0"))
    apps: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    _codes: dict[str, tuple[str, WeChatSimUser, float]] = field(default_factory=dict)
    _tokens: dict[str, tuple[str, WeChatSimUser]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add_app(self, appid: str, secret: str) -> None:
        self.apps[appid] = secret

    def openid(self, appid: str, user: WeChatSimUser) -> str:
        return f"o{appid[-6:]}_{user.key}"

    def _new_code(self, appid: str, user: WeChatSimUser) -> str:
        code = secrets.token_hex(16)
        with self._lock:
            self._codes[code] = (appid, user, time.monotonic())
        return code

    def mini_program_code(self, appid: str, user: WeChatSimUser | None = None) -> str:
        """The code `wx.login()` would give the mini-program `appid` for `user`."""
        return self._new_code(appid, user or self.next_user)

    # -- protocol ----------------------------------------------------------------------------
    def _check_app(self, params: dict[str, str]) -> dict[str, Any] | None:
        appid, secret = params.get("appid", ""), params.get("secret", "")
        if appid not in self.apps:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if not secrets.compare_digest(self.apps[appid], secret):
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if params.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        return None

    def _spend(self, code: str, appid: str) -> WeChatSimUser | None:
        with self._lock:
            found = self._codes.pop(code, None)
        if found is None or found[0] != appid or time.monotonic() - found[2] > CODE_TTL:
            return None
        return found[1]

    def access_token(self, params: dict[str, str]) -> dict[str, Any]:
        if error := self._check_app(params):
            return error
        user = self._spend(params.get("code", ""), params["appid"])
        if user is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        token = secrets.token_hex(16)
        openid = self.openid(params["appid"], user)
        with self._lock:
            self._tokens[token] = (openid, user)
        answer = {"access_token": token, "expires_in": 7200, "refresh_token": token[::-1],
                  "openid": openid, "scope": "snsapi_login"}
        if user.unionid:
            answer["unionid"] = user.unionid
        return answer

    def userinfo(self, params: dict[str, str]) -> dict[str, Any]:
        found = self._tokens.get(params.get("access_token", ""))
        if found is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        openid, user = found
        if params.get("openid") != openid:
            return {"errcode": 40003, "errmsg": "invalid openid"}
        answer = {"openid": openid, "nickname": user.nickname, "sex": 0, "province": "",
                  "city": "", "country": "CN", "headimgurl": "", "privilege": []}
        if user.unionid:
            answer["unionid"] = user.unionid
        return answer

    def jscode2session(self, params: dict[str, str]) -> dict[str, Any]:
        if error := self._check_app(params):
            return error
        user = self._spend(params.get("js_code", ""), params["appid"])
        if user is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        answer = {"openid": self.openid(params["appid"], user),
                  "session_key": secrets.token_urlsafe(16)}
        if user.unionid:
            answer["unionid"] = user.unionid
        return answer

    def qrconnect(self, params: dict[str, str]) -> tuple[int, str]:
        """The QR page, scanned at once by `next_user`: a redirect back with a code."""
        if params.get("appid") not in self.apps:
            return 400, "invalid appid"
        if params.get("scope") != "snsapi_login" or params.get("response_type") != "code":
            return 400, "scope snsapi_login and response_type code are required"
        code = self._new_code(params["appid"], self.next_user)
        query = urlencode({"code": code, "state": params.get("state", "")})
        return 302, f"{params.get('redirect_uri', '')}?{query}"

    # -- serving -----------------------------------------------------------------------------
    def asgi(self) -> Litestar:
        sim = self

        def answer(name: str, body: dict[str, Any]) -> Response:
            sim.calls.append(name)
            return Response(body, status_code=200)  # WeChat says errors in the body

        @get("/sns/oauth2/access_token")
        async def access_token(request: Request) -> Response:
            return answer("access_token", sim.access_token(dict(request.query_params)))

        @get("/sns/userinfo")
        async def userinfo(request: Request) -> Response:
            return answer("userinfo", sim.userinfo(dict(request.query_params)))

        @get("/sns/jscode2session")
        async def jscode2session(request: Request) -> Response:
            return answer("jscode2session", sim.jscode2session(dict(request.query_params)))

        @get("/connect/qrconnect")
        async def qrconnect(request: Request) -> Response:
            status, target = sim.qrconnect(dict(request.query_params))
            if status == 302:
                return Redirect(target, status_code=302)
            return Response(target, status_code=status, media_type="text/plain")

        return Litestar([access_token, userinfo, jscode2session, qrconnect],
                        openapi_config=None)

    @contextmanager
    def serve(self) -> Iterator[WeChatSimulator]:
        with serve_asgi(self.asgi()) as base_url:
            self.base_url = base_url
            yield self
