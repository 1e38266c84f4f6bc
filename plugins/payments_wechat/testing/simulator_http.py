"""The simulator's HTTP side: a plain ASGI app (no framework, so it mounts anywhere and
sees the exact path and bytes it must verify).

Routes (paths relative to wherever it is served or mounted):

- `POST /v3/pay/transactions/{native|jsapi|h5}`, `GET /v3/pay/transactions/out-trade-no/{no}`,
  `POST /v3/pay/transactions/out-trade-no/{no}/close`, `POST /v3/refund/domestic/refunds`,
  `GET /v3/refund/domestic/refunds/{no}`: WeChat Pay's API, signed both ways;
- `GET /pay/{code}`: the "phone" page with a pay button; `POST /pay/{code}` pays (HTML, or
  JSON with `Accept: application/json`). `?redirect_url=` is kept for the way back.
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from galleria_plugins.payments_wechat.testing.simulator import WeChatPaySimulator

TRADE_TYPES = {"native": "NATIVE", "jsapi": "JSAPI", "h5": "MWEB"}
ROUTES = [
    ("POST", re.compile(r"^/v3/pay/transactions/(native|jsapi|h5)$"), "create"),
    ("GET", re.compile(r"^/v3/pay/transactions/out-trade-no/([^/]+)$"), "query"),
    ("POST", re.compile(r"^/v3/pay/transactions/out-trade-no/([^/]+)/close$"), "close"),
    ("POST", re.compile(r"^/v3/refund/domestic/refunds$"), "refund"),
    ("GET", re.compile(r"^/v3/refund/domestic/refunds/([^/]+)$"), "query_refund"),
    ("GET", re.compile(r"^/pay/([^/]+)$"), "page"),
    ("POST", re.compile(r"^/pay/([^/]+)$"), "pay"),
]


def build_app(sim: WeChatPaySimulator) -> Any:
    from galleria_plugins.payments_wechat.testing.simulator import Refusal

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        path = _relative_path(scope)
        query = scope.get("query_string", b"").decode()
        body = await _read_body(receive)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        method = scope["method"]
        name, match = _route(method, path)
        if match is None:
            await _json(send, sim, 404, {"code": "NOT_FOUND", "message": "no such API"})
            return
        try:
            if name in ("page", "pay"):
                await _page(sim, send, name, match.group(1), query, headers)
                return
            path_and_query = path + (f"?{query}" if query else "")
            merchant = sim.authenticate(method, path_and_query, headers, body)
            base = sim.public_url or _origin(scope, headers)
            status, answer = _api(sim, merchant, name, match, body, query, base)
        except Refusal as refusal:
            if name in ("page", "pay"):
                await _html(send, refusal.status, _message_page(refusal.message))
                return
            status, answer = refusal.status, {"code": refusal.code, "message": refusal.message}
        await _json(send, sim, status, answer)

    return app


def _route(method: str, path: str) -> tuple[str, re.Match | None]:
    for route_method, pattern, name in ROUTES:
        match = pattern.match(path)
        if match and method == route_method:
            return name, match
    return "", None


def _api(sim: WeChatPaySimulator, merchant: Any, name: str, match: re.Match, body: bytes,
         query: str, base: str) -> tuple[int, dict[str, Any] | None]:
    from galleria_plugins.payments_wechat.testing.simulator import Refusal

    data: dict[str, Any] = {}
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise Refusal(400, "PARAM_ERROR", "请求体不是有效的 JSON 对象")
    if name == "create":
        trade = sim.create_trade(merchant, TRADE_TYPES[match.group(1)], data)
        if trade.trade_type == "NATIVE":
            return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={trade.code}"}
        if trade.trade_type == "JSAPI":
            return 200, {"prepay_id": trade.prepay_id}
        return 200, {"h5_url": f"{base}/pay/{trade.code}?h5=1"}
    if name == "query":
        if parse_qs(query).get("mchid", [""])[0] != merchant.mchid:
            raise Refusal(400, "PARAM_ERROR", "mchid 与请求签名的商户号不一致")
        return 200, sim.trade(merchant.mchid, match.group(1)).as_json()
    if name == "close":
        if data.get("mchid") != merchant.mchid:
            raise Refusal(400, "PARAM_ERROR", "mchid 与请求签名的商户号不一致")
        sim.close(merchant, match.group(1))
        return 204, None
    if name == "refund":
        return 200, sim.refund(merchant, data).as_json()
    refund = sim.refunds.get((merchant.mchid, match.group(1)))
    if refund is None:
        raise Refusal(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return 200, refund.as_json()


async def _page(sim: WeChatPaySimulator, send: Any, name: str, code: str, query: str,
                headers: dict[str, str]) -> None:
    redirect = parse_qs(query).get("redirect_url", [""])[0]
    if not redirect.startswith(("http://", "https://")):
        redirect = ""
    if name == "pay":
        trade = await sim.pay(code)
        if "application/json" in headers.get("accept", ""):
            await _json(send, sim, 200, trade.as_json())
            return
    else:
        trade = sim.trade_by_code(code)
    await _html(send, 200, _trade_page(trade, redirect))


STYLE = ("body{font-family:system-ui,sans-serif;background:#ededed;margin:0;padding:24px;"
         "color:#111}main{max-width:420px;margin:0 auto;background:#fff;border-radius:12px;"
         "padding:24px;text-align:center}.amount{font-size:40px;font-weight:600;margin:16px 0}"
         "button,a.button{display:block;width:100%;box-sizing:border-box;padding:14px;"
         "border:0;border-radius:8px;background:#07c160;color:#fff;font-size:17px;"
         "text-decoration:none}small{color:#666}")


def _trade_page(trade: Any, redirect: str) -> str:
    amount = f"¥{trade.total // 100}.{trade.total % 100:02d}"
    if trade.state == "NOTPAY":
        action = (f'<form method="post"><button type="submit" data-testid="simulator-pay">'
                  f'确认支付 Pay {amount}</button></form>')
    elif trade.state in ("SUCCESS", "REFUND"):
        action = '<p data-testid="simulator-paid">✅ 支付成功 Paid</p>'
        if redirect:
            action += (f'<a class="button" href="{html.escape(redirect)}">'
                       f'返回商家 Back to the shop</a>')
    else:
        action = "<p>订单已关闭 This order is closed</p>"
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>微信支付（模拟） WeChat Pay simulator</title><style>{STYLE}</style>"
            f"</head><body><main><small>微信支付 · 沙箱模拟器 / WeChat Pay sandbox</small>"
            f"<h1>{html.escape(trade.description)}</h1><div class=amount>{amount}</div>"
            f"<p><small>{html.escape(trade.out_trade_no)}</small></p>{action}</main>"
            f"</body></html>")


def _message_page(message: str) -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>'
            f"<body><main><p>{html.escape(message)}</p></main></body></html>")


# -- ASGI plumbing ---------------------------------------------------------------------------

def _relative_path(scope: dict[str, Any]) -> str:
    """The path the client signed: any mount prefix (`root_path`) and a trailing slash a
    mounting router may add are not part of it."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return path.rstrip("/") or "/"


def _origin(scope: dict[str, Any], headers: dict[str, str]) -> str:
    """Where this simulator is reached (mounted in the demo: `http://localhost:8000` plus
    the mount's `root_path`), for the pages it links to."""
    host = headers.get("host") or "{}:{}".format(*scope.get("server") or ("127.0.0.1", 80))
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"


async def _read_body(receive: Any) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _json(send: Any, sim: WeChatPaySimulator, status: int,
                data: dict[str, Any] | None) -> None:
    body = b"" if data is None else json.dumps(data, ensure_ascii=False).encode()
    headers = {"content-type": "application/json; charset=utf-8", **sim.signed(body)}
    await _send(send, status, body, headers)


async def _html(send: Any, status: int, page: str) -> None:
    await _send(send, status, page.encode(), {"content-type": "text/html; charset=utf-8"})


async def _send(send: Any, status: int, body: bytes, headers: dict[str, str]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})
    await send({"type": "http.response.body", "body": body})
