"""Referral on the storefront:

- `/plugins/marketing_referral/r/{code}` — the share page a friend opens: who invites and
  what both get; signing up from it comes back to `/join/{code}` (the register page's
  `next`), which binds the new account to the code;
- `/plugins/marketing_referral/invite` — the shopper's own code, link and QR poster;
- `/plugins/marketing_referral/poster.svg` — the poster as an image to save and send;
- a panel on the account page (我的).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from urllib.parse import quote

import segno
from litestar import Response, get
from litestar.response import Redirect

from galleria.kernel import AccountPanel, DomainError, Shop, shop_scope
from galleria_plugins.marketing_referral import referrals
from galleria_plugins.marketing_referral.api import share_link

BASE = "/plugins/marketing_referral"


def N_(message: str) -> str:  # marks a message for extraction; translated where shown
    return message


# Why an invitation cannot be accepted (referrals.CannotRefer), for the join page.
REFUSALS = (N_("This invitation code is not known in this shop"),
            N_("You cannot invite yourself"), N_("Invitations are for new shoppers"),
            N_("You were invited already"))
POSTER = N_("Scan to open the shop")


def qr_svg(link: str, scale: int = 5) -> str:
    """The link as an inline SVG QR code (segno; medium error correction survives a phone
    photo of a screen)."""
    return segno.make(link, error="m").svg_inline(scale=scale, border=2)


def _offer(rules: referrals.Rules, gettext: Any) -> str:
    if rules.kind == "points":
        return gettext("You both get %(points)s points after your first order") % {
            "points": rules.newcomer_reward}
    return gettext("You both get a coupon after your first order")


@get("/r/{code:str}", name="marketing_referral:share")
async def share_page(shop: Shop, storefront: Any, code: str) -> Response:
    async with shop_scope(shop.id):
        known = await referrals.owner_of(shop.id, code) is not None
        rules = await referrals.shop_rules(shop.id)
    code = referrals.normalise(code)
    join = f"{BASE}/join/{quote(code)}"
    return storefront.page(
        "marketing_referral/share.html", status_code=200 if known else 404,
        title=storefront.gettext("An invitation"), known=known, code=code,
        offer=_offer(rules, storefront.gettext), join=join,
        register=f"/account/register?next={quote(join)}",
        sign_in=f"/account/sign-in?next={quote(join)}", signed_in=storefront.customer is not None)


@get("/join/{code:str}", name="marketing_referral:join")
async def join(shop: Shop, storefront: Any, code: str) -> Response:
    """Bind the signed-in new shopper to `code` (a guest is sent to register first)."""
    me = storefront.customer
    if me is None:
        return Redirect(f"/account/register?next={quote(f'{BASE}/join/{code}')}",
                        status_code=303)
    is_new = me.created_at >= dt.datetime.now(dt.UTC) - dt.timedelta(days=referrals.NEW_DAYS)
    message, ok = "", True
    try:
        async with shop_scope(shop.id):
            await referrals.bind(shop.id, me.id, code, is_new=is_new)
            rules = await referrals.shop_rules(shop.id)
        message = _offer(rules, storefront.gettext)
    except DomainError as exc:
        ok = False
        message = storefront.gettext(exc.detail)
    return storefront.page("marketing_referral/joined.html", title=storefront.gettext(
        "Invitation accepted") if ok else storefront.gettext("An invitation"),
        status_code=200 if ok else 409, ok=ok, message=message)


async def _mine(shop: Shop, customer: int, base_url: str) -> dict[str, Any]:
    code = await referrals.code_of(shop.id, customer)
    link = share_link(base_url, code)
    rows = await referrals.rewards_of(shop.id, customer)
    return {"code": code, "link": link, "rules": await referrals.shop_rules(shop.id),
            "invited": sum(1 for r in rows if r["role"] == "referrer"),
            "rewarded": sum(1 for r in rows if r["role"] == "referrer"
                            and r["status"] == "rewarded"),
            "held": sum(1 for r in rows if r["role"] == "referrer" and r["status"] == "held"),
            "rows": rows}


@get("/invite", name="marketing_referral:invite")
async def invite(shop: Shop, storefront: Any) -> Response:
    if storefront.customer is None:
        return Redirect(f"/account/sign-in?next={BASE}/invite", status_code=303)
    async with shop_scope(shop.id):
        mine = await _mine(shop, storefront.customer.id, storefront.base_url)
    return storefront.page("marketing_referral/invite.html",
                           title=storefront.gettext("Invite friends"), mine=mine,
                           qr=qr_svg(mine["link"]), offer=_offer(mine["rules"],
                                                                 storefront.gettext),
                           poster=f"{BASE}/poster.svg")


@get("/poster.svg", name="marketing_referral:poster", media_type="image/svg+xml")
async def poster(shop: Shop, storefront: Any) -> Response:
    """The share poster: the shop's name, the offer, the QR code of the link and the
    code, as one SVG image to save or forward."""
    if storefront.customer is None:
        return Redirect(f"/account/sign-in?next={BASE}/invite", status_code=303)
    async with shop_scope(shop.id):
        mine = await _mine(shop, storefront.customer.id, storefront.base_url)
    qr = segno.make(mine["link"], error="m")
    uri = qr.svg_data_uri(scale=10, border=2)
    size = (qr.symbol_size(scale=10, border=2))[0]
    x = (600 - size) // 2
    text = html.escape
    body = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="860" '
        'viewBox="0 0 600 860" font-family="Noto Sans CJK SC, Noto Serif CJK SC, sans-serif">'
        '<rect width="600" height="860" rx="24" fill="#fff7ed"/>'
        '<rect x="24" y="24" width="552" height="812" rx="20" fill="#ffffff" '
        'stroke="#fdba74" stroke-width="2"/>'
        f'<text x="300" y="110" font-size="40" font-weight="700" text-anchor="middle" '
        f'fill="#9a3412">{text(shop.name)}</text>'
        f'<text x="300" y="170" font-size="28" text-anchor="middle" fill="#1f2937">'
        f'{text(storefront.gettext("Invite friends"))}</text>'
        f'<text x="300" y="215" font-size="22" text-anchor="middle" fill="#4b5563">'
        f'{text(_offer(mine["rules"], storefront.gettext))}</text>'
        f'<image x="{x}" y="250" width="{size}" height="{size}" href="{uri}"/>'
        f'<text x="300" y="{280 + size}" font-size="22" text-anchor="middle" fill="#4b5563">'
        f'{text(storefront.gettext(POSTER))}</text>'
        f'<text x="300" y="{330 + size}" font-size="30" font-weight="700" '
        f'text-anchor="middle" letter-spacing="6" fill="#9a3412">{text(mine["code"])}</text>'
        '</svg>')
    return Response(body, media_type="image/svg+xml",
                    headers={"cache-control": "private, max-age=300"})


async def panel_context(shop: Shop, customer_id: int) -> dict[str, Any]:
    rows = await referrals.rewards_of(shop.id, customer_id)
    return {"code": await referrals.code_of(shop.id, customer_id), "link": f"{BASE}/invite",
            "rules": await referrals.shop_rules(shop.id),
            "invited": sum(1 for r in rows if r["role"] == "referrer")}


PANELS = [AccountPanel("marketing_referral", "marketing_referral/account_panel.html",
                       panel_context, order=20)]
ROUTES = [share_page, join, invite, poster]
