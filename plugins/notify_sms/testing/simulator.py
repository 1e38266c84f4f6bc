"""A local Alibaba Cloud SMS (dysmsapi) that checks requests as the real one does.

It serves `GET /?<signed query>` (and the same as a form POST) for `Action=SendSms`:
unknown AccessKey → 404 `InvalidAccessKeyId.NotFound`; bad signature → 400
`SignatureDoesNotMatch`; a timestamp more than 15 minutes off → 400
`InvalidTimeStamp.Expired`; a nonce seen before → 400 `SignatureNonceUsed`; then, with
HTTP 200, the business answers: `isv.SMS_SIGNATURE_ILLEGAL` (signature not approved),
`isv.SMS_TEMPLATE_ILLEGAL` (template unknown), `isv.INVALID_JSON_PARAM`,
`isv.TEMPLATE_MISSING_PARAMETERS`, `isv.MOBILE_NUMBER_ILLEGAL` (not a mainland mobile) and
`isv.BUSINESS_LIMIT_CONTROL` (verification-code templates: 1 a minute, 5 an hour, 10 a day
per number), else `{"Code":"OK","BizId",…}` and the message is recorded in `sent`.

`GET /inbox` shows the latest messages as a phone would (sandbox mode: that is where a demo
shopper reads the code); `GET /inbox.json` lists them.
"""

from __future__ import annotations

import datetime as dt
import hmac
import html
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from galleria_plugins.notify_sms import aliyun

CODE_LIMITS = ((dt.timedelta(minutes=1), 1), (dt.timedelta(hours=1), 5),
               (dt.timedelta(days=1), 10))
MAX_SKEW = dt.timedelta(minutes=15)
VARIABLE = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    """An approved template: `kind` "code" (verification, rate-limited) or "notice"."""

    content: str
    kind: str = "notice"

    @property
    def variables(self) -> set[str]:
        return set(VARIABLE.findall(self.content))


@dataclass(frozen=True)
class SentSms:
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    text: str
    biz_id: str
    at: dt.datetime


@dataclass
class AliyunSmsSimulator:
    access_keys: dict[str, str] = field(default_factory=lambda: {"LTAIsimulator": "secret"})
    sign_names: set[str] = field(default_factory=lambda: {"测试小店"})
    templates: dict[str, Template] = field(default_factory=dict)
    sent: list[SentSms] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    down: bool = False
    _nonces: set[str] = field(default_factory=set)

    def to(self, phone: str) -> list[SentSms]:
        return [s for s in self.sent if s.phone == phone]

    # -- the API ----------------------------------------------------------------------------
    def handle(self, method: str, params: dict[str, str],
               now: dt.datetime | None = None) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON answer) for one request's parameters."""
        self.queries.append(dict(params))
        now = now or dt.datetime.now(dt.UTC)
        request_id = str(uuid.uuid4()).upper()

        def error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
            return status, {"RequestId": request_id, "Code": code, "Message": message}

        if self.down:
            return error(503, "ServiceUnavailable", "The request has failed due to a "
                                                    "temporary failure of the server.")
        for name in ("AccessKeyId", "Action", "Format", "Version", "SignatureMethod",
                     "SignatureVersion", "SignatureNonce", "Timestamp", "Signature"):
            if not params.get(name):
                return error(400, "MissingParameter", f"{name} is mandatory for this action.")
        if params["Action"] != "SendSms" or params["Version"] != aliyun.API_VERSION:
            return error(400, "InvalidAction.NotFound", "Specified api is not found.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            return error(400, "InvalidSignatureMethod", "Specified signature is not matched "
                                                        "with our calculation.")
        secret = self.access_keys.get(params["AccessKeyId"])
        if secret is None:
            return error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not "
                                                             "found.")
        expected = aliyun.sign(method, params, secret)
        if not hmac.compare_digest(expected, params["Signature"]):
            return error(400, "SignatureDoesNotMatch", "Specified signature is not matched "
                                                       "with our calculation.")
        try:
            stamp = dt.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=dt.UTC)
        except ValueError:
            return error(400, "InvalidTimeStamp.Format", "Specified time stamp or date "
                                                         "value is not well formatted.")
        if abs(now - stamp) > MAX_SKEW:
            return error(400, "InvalidTimeStamp.Expired", "Specified time stamp or date "
                                                          "value is expired.")
        if params["SignatureNonce"] in self._nonces:
            return error(400, "SignatureNonceUsed", "Specified signature nonce was used "
                                                    "already.")
        self._nonces.add(params["SignatureNonce"])
        return self._send(params, now, request_id)

    def _send(self, params: dict[str, str], now: dt.datetime,
              request_id: str) -> tuple[int, dict[str, Any]]:
        def refuse(code: str, message: str) -> tuple[int, dict[str, Any]]:
            return 200, {"RequestId": request_id, "Code": code, "Message": message}

        phone = params.get("PhoneNumbers", "")
        if not aliyun.MAINLAND_MOBILE.match(phone):
            return refuse("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") not in self.sign_names:
            return refuse("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        template = self.templates.get(params.get("TemplateCode", ""))
        if template is None:
            return refuse("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return refuse("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return refuse("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        missing = template.variables - {k for k, v in values.items() if v}
        if missing:
            return refuse("isv.TEMPLATE_MISSING_PARAMETERS",
                          f"模板缺少变量: {', '.join(sorted(missing))}")
        if template.kind == "code":
            earlier = [s.at for s in self.sent if s.phone == phone
                       and self.templates.get(s.template_code, template).kind == "code"]
            for window, limit in CODE_LIMITS:
                if sum(1 for at in earlier if now - at < window) >= limit:
                    return refuse("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控"
                                  if window.days else "触发号码分钟级流控"
                                  if window.seconds <= 60 else "触发号码小时级流控")
        text = VARIABLE.sub(lambda m: values.get(m.group(1), ""), template.content)
        biz_id = f"{now:%Y%m%d}{uuid.uuid4().int % 10**12:012d}"
        self.sent.append(SentSms(phone, params["SignName"], params["TemplateCode"],
                                 {k: str(v) for k, v in values.items()},
                                 f"【{params['SignName']}】{text}", biz_id, now))
        return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id}

    # -- HTTP -------------------------------------------------------------------------------
    @property
    def app(self) -> Any:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                while (await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
                return
            body = b""
            while True:
                event = await receive()
                body += event.get("body", b"")
                if not event.get("more_body"):
                    break
            method, path = scope["method"], scope["path"].rstrip("/") or "/"
            if path.endswith("/inbox") or path.endswith("/inbox.json"):
                await self._inbox(send, path.endswith(".json"))
                return
            params = dict(parse_qsl(scope.get("query_string", b"").decode(),
                                    keep_blank_values=True))
            if method == "POST":
                params.update(parse_qsl(body.decode(), keep_blank_values=True))
            status, answer = self.handle(method, params)
            await _answer(send, status, "application/json;charset=utf-8",
                          json.dumps(answer, ensure_ascii=False).encode())

        return app

    async def _inbox(self, send: Any, as_json: bool) -> None:
        latest = list(reversed(self.sent[-50:]))
        if as_json:
            items = [{"phone": s.phone, "text": s.text, "template_code": s.template_code,
                      "params": s.params, "at": s.at.isoformat()} for s in latest]
            await _answer(send, 200, "application/json", json.dumps(
                {"items": items}, ensure_ascii=False).encode())
            return
        rows = "".join(f"<li><b>{html.escape(s.phone)}</b> <time>{s.at:%H:%M:%S} UTC</time>"
                       f"<p>{html.escape(s.text)}</p></li>" for s in latest)
        page = ("<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width,initial-scale=1'>"
                "<title>短信模拟器 · 收件箱</title><style>body{font:16px system-ui;margin:1em}"
                "li{list-style:none;border-bottom:1px solid #ddd;padding:.5em 0}"
                "p{margin:.3em 0}</style><h1>短信模拟器 · 收件箱</h1>"
                "<p>沙箱模式：这里显示演示店铺发出的短信（不会真的发送）。</p>"
                f"<ul>{rows or '<li>还没有短信。</li>'}</ul></html>")
        await _answer(send, 200, "text/html; charset=utf-8", page.encode())


async def _answer(send: Any, status: int, content_type: str, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
