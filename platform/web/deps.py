"""Dependencies shared by handlers: the runtime, the shop, the admin actor."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import State

from galleria.auth.tokens import verify_token
from galleria.kernel import db
from galleria.kernel.errors import Forbidden, Unauthorized
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import current_shop


async def provide_runtime(state: State) -> Runtime:
    return state.runtime


async def provide_shop(request: Request) -> Shop:
    return current_shop(request)


async def provide_admin(request: Request) -> str:
    """The actor behind `Authorization: Bearer <token>` for this shop ("token:<id>").

    A token of another shop, a revoked or a malformed one is refused alike.
    """
    shop = current_shop(request)
    row = request.scope["state"].get("api_token")  # checked by the permission guard
    if row is not None:
        return row.get("actor") or f"token:{row['id']}"
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API token of this shop: Authorization: Bearer <token>")
    async with db.shop_scope(shop.id):
        row = await verify_token(shop.id, token.strip())
    if row is None:
        raise Unauthorized("The API token is not valid for this shop")
    request.scope["state"]["token_scopes"] = row["scopes"]
    return row.get("actor") or f"token:{row['id']}"


def require_scope(request: Request, scope: str) -> None:
    """Refuse a token without `scope`, unless the permission guard (galleria.web.
    permission_guard) checked this request against its table already: that table is the
    one place that says what each endpoint needs."""
    if request.scope["state"].get("permission_checked"):
        return
    scopes = request.scope["state"].get("token_scopes") or []
    if isinstance(scopes, str):
        import json

        scopes = json.loads(scopes)
    if scope not in scopes:
        raise Forbidden(f"This token lacks the {scope} scope")
