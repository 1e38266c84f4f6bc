"""Mini-program sign-in: `POST /api/v1/account/wechat/mini-program` with the `code` from
`wx.login()` → the shop's mini-program app trades it at WeChat's `jscode2session` → the
customer linked to that unionid (or openid), created on first sign-in → a shopper bearer
token, in the same shape as `POST /api/v1/account/sign-in` answers. The customer's openid in
this mini-program is kept either way: their WeChat Pay JSAPI payments name it as the payer."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, Router, post

from galleria.auth import wechat_login
from galleria.auth.identities import bind_customer_subject, link_customer_subject
from galleria.auth.oidc import SignInRefused
from galleria.kernel.customers import cart_merge, tokens
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.api.answers_orders import CustomerSession
from galleria.web.context import shop_host_only
from galleria.web.shoppers import PASSWORDS

PER_IP = (60, 300)


class MiniProgramBody(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    cart_id: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class WeChatLoginApi(Controller):
    path = "/api/v1/account/wechat"
    tags = ["storefront: account"]

    @post("/mini-program", operation_id="signInWithMiniProgram", status_code=200)
    async def mini_program(self, request: Request, shop: Shop, runtime: Runtime,
                           data: MiniProgramBody) -> Response[CustomerSession]:
        """A bearer token for the customer behind a `wx.login()` code (an account is created
        on first sign-in), and their cart with `cart_id`'s lines merged in. 400
        `sign_in_refused` when WeChat refuses the code (each code works once); 503 when
        WeChat cannot be reached; 400 when the shop has no mini-program set up."""
        ip = request.client.host if request.client else "unknown"
        await runtime.limiter.hit(f"wechat-mini:{ip}", *PER_IP)
        app = await wechat_login.wechat_app(shop.id, "wechat_mini")
        if app is None:
            raise SignInRefused("This shop has no WeChat mini-program set up")
        user = await wechat_login.mini_program_user(app, data.code)
        issuer, subject = user.key(app.appid)
        customer = await link_customer_subject(shop.id, PASSWORDS, issuer, subject)
        if user.unionid:  # linked by unionid: keep the openid, which JSAPI payments name
            await bind_customer_subject(shop.id, customer.id,
                                        wechat_login.openid_issuer(app.appid), user.openid)
        issued = await tokens.issue_api_token(shop.id, customer.id)
        cart = await cart_merge.merge_guest_cart(shop, data.cart_id, customer.id)
        return Response({"customer": customer.to_json(), "token": issued.token,
                         "expires_at": issued.expires_at.isoformat(),
                         "cart": cart.to_json() if cart else None}, status_code=200)


wechat_api_router = Router(path="/", guards=[shop_host_only], route_handlers=[WeChatLoginApi])

__all__ = ["wechat_api_router"]
