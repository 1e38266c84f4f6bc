"""The simulated Alipay cashier's pages: plain HTML (it stands for a third-party site, so it
uses neither the shop's templates nor its translations), bilingual, usable on a phone."""

from __future__ import annotations

from html import escape

from litestar import Response

from galleria_plugins.payments_alipay import signing
from galleria_plugins.payments_alipay.testing.sim_trades import (
    CLOSED,
    DEFAULT_BUYER,
    FINISHED,
    SUCCESS,
    WAIT,
    Trade,
)

_STYLE = """
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;
background:#f5f6f8;margin:0;color:#1f2328}
main{max-width:420px;margin:0 auto;padding:24px 16px}
.banner{background:#1677ff;color:#fff;padding:12px 16px;font-weight:600}
.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 3px #0001}
.amount{font-size:2rem;font-weight:700;margin:8px 0}
.muted{color:#656d76;font-size:.9rem}
button,.button{display:block;width:100%;box-sizing:border-box;margin-top:20px;padding:14px;
border:0;border-radius:8px;background:#1677ff;color:#fff;font-size:1rem;text-align:center;
text-decoration:none;cursor:pointer}
.status{margin-top:16px;font-weight:600}
"""
_STATES = {WAIT: "Waiting for payment · 等待付款", SUCCESS: "Paid · 支付成功",
           FINISHED: "Paid · 交易完成", CLOSED: "Closed · 交易关闭"}


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<div class='banner'>Alipay sandbox · 支付宝沙箱</div><main>{body}</main>"
            f"</body></html>")
    return Response(html.encode(), media_type="text/html;charset=utf-8", status_code=status)


def cashier_page(trade: Trade, back_url: str) -> Response:
    """The trade with a pay button while it waits, its state afterwards."""
    body = (f"<div class='card'><div class='muted'>{escape(trade.subject)}</div>"
            f"<div class='amount' data-testid='amount'>¥{signing.yuan(trade.total)}</div>"
            f"<div class='muted'>{escape(trade.out_trade_no)}</div>"
            f"<div class='status' data-testid='trade-status'>"
            f"{escape(_STATES.get(trade.status, trade.status))}</div>")
    if trade.status == WAIT:
        body += (f"<form method='post' action='{escape(trade.token)}/pay'>"
                 f"<label>Alipay account · 支付宝账号 <input name='buyer' "
                 f"value='{DEFAULT_BUYER}' autocomplete='off' data-testid='buyer'></label>"
                 f"<button type='submit' data-testid='pay'>Pay · 确认付款</button></form>")
    elif back_url:
        body += (f"<a class='button' href='{escape(back_url)}'>"
                 f"Back to the shop · 返回商家</a>")
    return _page("Alipay · 支付宝收银台", body + "</div>")


def error_page(sub_code: str, message: str) -> Response:
    body = (f"<div class='card'><h1>Payment error · 支付错误</h1>"
            f"<p data-testid='error'>{escape(message)}</p>"
            f"<p class='muted'>{escape(sub_code)}</p></div>")
    return _page("Alipay · 错误", body, status=400)
