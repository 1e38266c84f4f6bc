"""The simulated Alipay's HTTP routes (see simulator.py for what each does)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from litestar import Request, Response, get, post, route
from litestar.response import Redirect

from galleria_plugins.payments_alipay import signing
from galleria_plugins.payments_alipay.testing.sim_pages import cashier_page, error_page
from galleria_plugins.payments_alipay.testing.sim_trades import DEFAULT_BUYER, Refused

if TYPE_CHECKING:
    from galleria_plugins.payments_alipay.testing.simulator import AlipaySimulator

PAGE_METHODS = ("alipay.trade.page.pay", "alipay.trade.wap.pay")
API_METHODS = ("alipay.trade.precreate", "alipay.trade.query", "alipay.trade.close",
               "alipay.trade.refund", "alipay.trade.fastpay.refund.query")


async def _params(request: Request) -> dict[str, str]:
    """Query and form parameters merged; a parameter sent twice is refused."""
    pairs: list[tuple[str, str]] = list(request.query_params.items())
    if request.method == "POST":
        form = await request.form()
        pairs += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    params = dict(pairs)
    if len(params) != len(pairs):
        raise Refused("isv.invalid-parameter", code="40002", sub_msg="参数重复")
    return params


def handlers(sim: AlipaySimulator) -> Iterable[Any]:
    @route("/gateway.do", http_method=["GET", "POST"])
    async def gateway(request: Request) -> Response:
        method = "error"  # until the request names a known method: answered as error_response
        try:
            params = await _params(request)
            if params.get("method") in PAGE_METHODS + API_METHODS:
                method = params["method"]
            merchant, method, biz = sim.check_request(params)
            if method in PAGE_METHODS:
                trade = sim.book.open(merchant.app_id, merchant.seller_id, method, biz,
                                      notify_url=params.get("notify_url", ""),
                                      return_url=params.get("return_url", ""), now=sim.now())
                return Redirect(f"{sim.base_url(request)}/cashier/{trade.token}")
            payload = await sim.api(merchant, method, biz, params, sim.base_url(request))
            return sim.respond(method, {"code": "10000", "msg": "Success", **payload})
        except Refused as refused:
            if method in PAGE_METHODS or (method == "error" and request.method == "GET"):
                return error_page(refused.sub_code, refused.sub_msg)
            return sim.refusal(method, refused)  # "error" answers as error_response

    @get("/cashier/{token:str}")
    async def cashier(token: str) -> Response:
        trade = sim.book.by_page(token, sim.now())
        if trade is None:
            return error_page("ACQ.TRADE_NOT_EXIST", "交易不存在")
        return cashier_page(trade, sim.return_link(trade))

    @post("/cashier/{token:str}/pay")
    async def pay_page(token: str, request: Request) -> Response:
        trade = sim.book.by_page(token, sim.now())
        if trade is None:
            return error_page("ACQ.TRADE_NOT_EXIST", "交易不存在")
        form = await request.form()
        try:
            await sim.pay(trade, str(form.get("buyer") or DEFAULT_BUYER))
        except Refused as refused:
            return error_page(refused.sub_code, refused.sub_msg)
        if trade.return_url:  # page/wap pay: back to the shop, as Alipay's cashier does
            return Redirect(sim.return_link(trade), status_code=303)
        return cashier_page(trade, "")

    @post("/control/pay")
    async def control_pay(data: dict[str, str]) -> Response:
        try:
            trade = sim.trade(data.get("app_id", ""), data.get("out_trade_no", ""))
            delivery = await sim.pay(trade, str(data.get("buyer") or DEFAULT_BUYER))
        except Refused as refused:
            return Response({"sub_code": refused.sub_code}, status_code=409)
        return Response({"trade": trade.public(), "answer": delivery.body if delivery else ""},
                        status_code=200)

    @post("/control/notify")
    async def control_notify(data: dict[str, Any]) -> Response:
        try:
            trade = sim.trade(str(data.get("app_id", "")), str(data.get("out_trade_no", "")))
        except Refused as refused:
            return Response({"sub_code": refused.sub_code}, status_code=404)
        sent = [d for d in sim.deliveries if d.fields["out_trade_no"] == trade.out_trade_no
                and d.fields["app_id"] == trade.app_id]
        if not sent:
            return Response({"sub_code": "NO_NOTIFICATION"}, status_code=409)
        times = min(max(int(data.get("times", 1)), 1), 10)
        answers = [(await sim.deliver(sent[-1].url, sent[-1].fields)).body
                   for _ in range(times)]
        return Response({"answers": answers}, status_code=200)

    @get("/control/trades/{app_id:str}/{out_trade_no:str}")
    async def control_trade(app_id: str, out_trade_no: str) -> Response:
        try:
            trade = sim.trade(app_id, out_trade_no)
        except Refused as refused:
            return Response({"sub_code": refused.sub_code}, status_code=404)
        return Response({**trade.public(), "refunded": signing.yuan(trade.refunded),
                         "refunds": {k: signing.yuan(v) for k, v in trade.refunds.items()}})

    return [gateway, cashier, pay_page, control_pay, control_notify, control_trade]


__all__ = ["API_METHODS", "PAGE_METHODS", "handlers"]
