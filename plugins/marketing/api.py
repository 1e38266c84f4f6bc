"""The marketing JSON API (mounted through `galleria_api_routes`):

- merchant (token scope `marketing`): `POST /api/admin/v1/marketing/coupons`, `GET …/coupons`
  (with each coupon's figures), `PATCH …/coupons/{id}`; `POST …/promotions`, `GET …/promotions`,
  `PATCH …/promotions/{id}` (`"active": false` ends one);
- shopper: `GET /api/v1/coupons` (the coupon centre: what can be claimed now),
  `POST /api/v1/coupons/{id}/claim` (signed in) and `GET /api/v1/account/coupons` (the wallet).

Thin: the rules live in coupons.py, redemption.py and promotions.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Response, get, patch, post

from galleria.kernel import Shop, shop_scope
from galleria_plugins.marketing import coupons, promotions, redemption

ADMIN = "/api/admin/v1/marketing"
ADMIN_OPT = {"tags": ["marketing"]}


class Scope(msgspec.Struct):
    """Where a coupon applies; all empty: the whole shop."""

    products: list[int] = []
    categories: list[int] = []
    exclude_products: list[int] = []


class CouponTerms(msgspec.Struct):
    """A coupon as a shopper sees it."""

    id: int
    name: str
    kind: str  # amount_off | percent_off | free_shipping | fixed_price
    value: int  # fen off, percent off, or the fixed price (fen)
    min_amount: int
    max_discount: int | None
    scope: Scope
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    per_customer_limit: int | None
    currency: str


class CouponAnswer(msgspec.Struct):
    """A coupon with its use so far: `redemptions`, `orders`, `sales` (the goods' totals of
    those orders) and `cost` (the discounts given), uses given back not counted."""

    id: int
    name: str
    kind: str
    value: int
    min_amount: int
    max_discount: int | None
    scope: Scope
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    total_limit: int | None
    per_customer_limit: int | None
    code: str | None
    claimable: bool
    active: bool
    used: int
    claimed: int
    redemptions: int
    orders: int
    sales: int
    cost: int
    currency: str
    created_at: dt.datetime
    reward_only: bool = False  # no code, not claimable: given only as a reward


class CouponList(msgspec.Struct):
    items: list[CouponAnswer]


class CouponCentre(msgspec.Struct):
    items: list[CouponTerms]


class WalletEntry(msgspec.Struct):
    """One coupon in the shopper's wallet: `state` available | used | expired."""

    id: int
    state: str
    claimed_at: dt.datetime
    used_at: dt.datetime | None
    order_number: str | None
    coupon: CouponTerms
    use_code: str  # sent as `coupon_code` to the preview and the order: use this coupon


class Wallet(msgspec.Struct):
    items: list[WalletEntry]


class PromotionAnswer(msgspec.Struct):
    id: int
    kind: str  # timed | quantity | tiers
    name: str
    rule: dict[str, Any]
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    active: bool


class PromotionList(msgspec.Struct):
    items: list[PromotionAnswer]


def _scope(value: dict[str, Any]) -> Scope:
    return Scope(**{k: list(v) for k, v in (value or {}).items()})


def terms(row: dict[str, Any], currency: str) -> CouponTerms:
    view = coupons.view_fields(row)
    return CouponTerms(
        id=row["id"], name=row["name"] or row["code"] if row["code_typed"] else row["name"],
        kind=view["kind"], value=view["value"], min_amount=view["min_amount"],
        max_discount=view["max_discount"], scope=_scope(view["scope"]),
        starts_at=view["starts_at"], ends_at=view["ends_at"],
        per_customer_limit=view["per_customer_limit"], currency=currency)


def answer(row: dict[str, Any], shop: Shop, figures: dict[str, int] | None = None
           ) -> CouponAnswer:
    view, figures = coupons.view_fields(row), figures or {}
    return CouponAnswer(
        id=row["id"], name=view["name"], kind=view["kind"], value=view["value"],
        min_amount=view["min_amount"], max_discount=view["max_discount"],
        scope=_scope(view["scope"]), starts_at=view["starts_at"], ends_at=view["ends_at"],
        total_limit=view["total_limit"], per_customer_limit=view["per_customer_limit"],
        code=view["code"], claimable=view["claimable"], active=view["active"],
        used=row["used"], claimed=row["claimed"],
        redemptions=figures.get("redemptions", 0), orders=figures.get("orders", 0),
        sales=figures.get("sales", 0), cost=figures.get("cost", 0), currency=shop.currency,
        created_at=row["created_at"], reward_only=view["reward_only"])


def _entry(entry: dict[str, Any], currency: str) -> WalletEntry:
    claim = entry["claim"]
    return WalletEntry(id=claim["id"], state=entry["state"], claimed_at=claim["claimed_at"],
                       used_at=claim["used_at"], order_number=claim["order_number"] or None,
                       coupon=terms(entry["coupon"], currency),
                       use_code=entry["coupon"]["code"])


@post(f"{ADMIN}/coupons", operation_id="createCoupon", status_code=201, **ADMIN_OPT)
async def create_coupon(shop: Shop, api: Any, data: dict[str, Any]) -> Response[CouponAnswer]:
    """Create a coupon: `{"kind": "amount_off"|"percent_off"|"free_shipping"|"fixed_price",
    "value", "min_amount"?, "max_discount"?, "scope"?, "starts_at"?, "ends_at"?,
    "total_limit"?, "per_customer_limit"?, "code"?, "claimable"?, "reward_only"?, "name"?}`
    (a code, claimable, or `reward_only`: given only as a referral or birthday reward, by
    its `id` in those plugins' settings). 422 names
    every bad field; 409 for a code the shop has already."""

    async def work() -> Response:
        async with shop_scope(shop.id):
            row = await coupons.create(shop.id, data)
        return Response(msgspec.to_builtins(answer(row, shop)), status_code=201)

    return await api.idempotent(work)


@get(f"{ADMIN}/coupons", operation_id="listCoupons", **ADMIN_OPT)
async def list_coupons(shop: Shop) -> CouponList:
    """The shop's coupons, newest first, with their figures."""
    async with shop_scope(shop.id):
        rows = await coupons.list_coupons(shop.id)
        figures = await redemption.figures(shop.id)
    return CouponList(items=[answer(row, shop, figures.get(row["id"])) for row in rows])


@patch(f"{ADMIN}/coupons/{{coupon_id:int}}", operation_id="changeCoupon", **ADMIN_OPT)
async def change_coupon(shop: Shop, coupon_id: int, data: dict[str, Any]) -> CouponAnswer:
    """Change any of a coupon's fields (`active: false` switches it off). Uses and claims
    so far stay."""
    async with shop_scope(shop.id):
        row = await coupons.change(shop.id, coupon_id, data)
        figures = await redemption.figures(shop.id)
    return answer(row, shop, figures.get(coupon_id))


@post(f"{ADMIN}/promotions", operation_id="createPromotion", status_code=201, **ADMIN_OPT)
async def create_promotion(shop: Shop, api: Any,
                           data: dict[str, Any]) -> Response[PromotionAnswer]:
    """Create a promotion: `{"kind": "timed"|"quantity"|"tiers", "rule", "name"?,
    "starts_at"?, "ends_at"?}` (rules: see the plugin's promotions.py)."""
    problems_times = coupons.check_times(data)

    async def work() -> Response:
        async with shop_scope(shop.id):
            row = await promotions.create_promotion(
                shop.id, kind=data.get("kind"), rule=data.get("rule"),
                name=str(data.get("name") or ""), **problems_times)
        return Response(msgspec.to_builtins(PromotionAnswer(**_promotion(row))),
                        status_code=201)

    return await api.idempotent(work)


def _promotion(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "kind", "name", "rule", "starts_at", "ends_at",
                                "active")}


@patch(f"{ADMIN}/promotions/{{promotion_id:int}}", operation_id="changePromotion",
       **ADMIN_OPT)
async def change_promotion(shop: Shop, promotion_id: int,
                           data: dict[str, Any]) -> PromotionAnswer:
    """Change a promotion: any of `kind`, `rule`, `name`, `starts_at`, `ends_at` (the rule
    checked again as a whole); `"active": false` ends it now. Its figures so far stay."""
    async with shop_scope(shop.id):
        row = await promotions.get_promotion(shop.id, promotion_id)
        if data.get("active") is False:
            row = await promotions.end_promotion(shop.id, promotion_id)
        fields = {k: data[k] for k in ("kind", "rule", "name", "starts_at", "ends_at")
                  if k in data}
        if fields:
            times = coupons.check_times({k: data.get(k, row[k])
                                         for k in ("starts_at", "ends_at")})
            row = await promotions.change_promotion(
                shop.id, promotion_id, kind=fields.get("kind", row["kind"]),
                rule=fields.get("rule", row["rule"]),
                name=str(fields.get("name", row["name"]) or ""), **times)
    return PromotionAnswer(**_promotion(row))


@get(f"{ADMIN}/promotions", operation_id="listPromotions", **ADMIN_OPT)
async def list_promotions(shop: Shop) -> PromotionList:
    async with shop_scope(shop.id):
        rows = await promotions.list_promotions(shop.id)
    return PromotionList(items=[PromotionAnswer(**_promotion(row)) for row in rows])


@get("/api/v1/coupons", operation_id="couponCentre", tags=["storefront"])
async def coupon_centre(shop: Shop) -> CouponCentre:
    """The coupon centre (领券中心): coupons a shopper can claim now."""
    async with shop_scope(shop.id):
        rows = await redemption.claimable_now(shop.id)
    return CouponCentre(items=[terms(row, shop.currency) for row in rows])


@post("/api/v1/coupons/{coupon_id:int}/claim", operation_id="claimCoupon", status_code=201,
      tags=["storefront"])
async def claim_coupon(shop: Shop, api: Any, coupon_id: int) -> Response[WalletEntry]:
    """Claim a coupon into the signed-in shopper's wallet (401 for a guest; 409
    `coupon_claim_limit` past the per-shopper limit, `coupon_used_up` when none are left)."""
    customer_id = await api.require_customer()

    async def work() -> Response:
        async with shop_scope(shop.id):
            entry = await redemption.claim(shop.id, coupon_id, customer_id)
        return Response(msgspec.to_builtins(_entry(entry, shop.currency)), status_code=201)

    return await api.idempotent(work)


@get("/api/v1/account/coupons", operation_id="myCoupons", tags=["storefront"])
async def my_coupons(shop: Shop, api: Any) -> Wallet:
    """The signed-in shopper's wallet (我的 → 优惠券), newest first."""
    customer_id = await api.require_customer()
    async with shop_scope(shop.id):
        entries = await redemption.wallet(shop.id, customer_id)
    return Wallet(items=[_entry(e, shop.currency) for e in entries])


ROUTES = [create_coupon, list_coupons, change_coupon, create_promotion, change_promotion,
          list_promotions,
          coupon_centre, claim_coupon, my_coupons]
