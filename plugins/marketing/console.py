"""Coupons in the merchant console.

- `/console/p/marketing` (a ConsolePage): the shop's coupons with their use so far;
- `/plugins/marketing/coupons/new` and `/plugins/marketing/coupons/{id}` (console routes,
  signed-in staff only): create a coupon; switch one off or on again.

Texts are in the shop's language (a ConsolePage is rendered from the shop alone).
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from galleria.kernel import (
    ConsolePage,
    DomainError,
    Shop,
    format_minor,
    parse_major,
    shop_scope,
)
from galleria_plugins.marketing import coupons

BASE = "/plugins/marketing/coupons"  # where the app mounts the routes below
CONSOLE = {"console": True}
TEXTS = {
    "title": ("Coupons", "优惠券"), "new": ("New coupon", "新建优惠券"),
    "code": ("Code", "券码"), "kind": ("Kind", "类型"), "percent": ("% off", "折扣 (%)"),
    "amount": ("Amount off", "立减金额"),
    "value": ("Value (percent, or yuan)", "面值（百分比或元）"),
    "min": ("Minimum spend (yuan)", "最低消费（元）"),
    "limit": ("Uses (0 = no limit)", "可用次数（0 为不限）"),
    "ends": ("Valid until (optional)", "有效期至（可选）"), "used": ("Used", "已用"),
    "active": ("Active", "有效"), "off": ("Switched off", "已停用"), "create": ("Create", "创建"),
    "switch_off": ("Switch off", "停用"), "switch_on": ("Switch on", "启用"),
    "none": ("No coupons yet.", "还没有优惠券。"), "back": ("All coupons", "全部优惠券"),
}


def say(shop: Shop, key: str) -> str:
    english, chinese = TEXTS[key]
    return chinese if shop.locale.startswith("zh") else english


def _value(shop: Shop, row: dict[str, Any]) -> str:
    if row["kind"] == "percent":
        return f"−{row['value']}%"
    return "−" + format_minor(row["value"], shop.currency)


async def render_coupons(shop: Shop) -> str:
    rows = await coupons.list_coupons(shop.id)
    parts = [f'<div class="card-header"><h2>{escape(say(shop, "title"))}</h2>'
             f'<a class="btn btn-sm btn-primary" href="{BASE}/new">'
             f'{escape(say(shop, "new"))}</a></div>']
    if not rows:
        return parts[0] + f'<div class="card-body"><p class="muted">{say(shop, "none")}</p></div>'
    parts.append('<table class="table"><thead><tr>' + "".join(
        f"<th>{escape(say(shop, k))}</th>" for k in ("code", "value", "min", "used", "active"))
        + "</tr></thead><tbody>")
    for row in rows:
        limit = f"/{row['usage_limit']}" if row["usage_limit"] else ""
        state = say(shop, "active") if row["active"] else say(shop, "off")
        parts.append(
            f'<tr><td class="mono"><a href="{BASE}/{row["id"]}">{escape(row["code"])}</a></td>'
            f"<td>{escape(_value(shop, row))}</td>"
            f"<td>{escape(format_minor(row['min_subtotal'], shop.currency))}</td>"
            f"<td>{row['used']}{limit}</td><td>{escape(state)}</td></tr>")
    return "".join(parts) + "</tbody></table>"


PAGES = [ConsolePage("marketing", "Coupons", title_zh="优惠券", render=render_coupons,
                     icon="tag")]


def _form(shop: Shop, console: Any, values: dict[str, str], error: str) -> str:
    def field(name: str, key: str, kind: str = "text") -> str:
        return (f'<label class="field"><span class="label">{escape(say(shop, key))}</span>'
                f'<input class="input" type="{kind}" name="{name}" '
                f'value="{escape(values.get(name, ""))}"></label>')

    kind = values.get("kind", "percent")
    options = "".join(
        f'<option value="{k}"{" selected" if k == kind else ""}>{escape(say(shop, k))}</option>'
        for k in ("percent", "amount"))
    alert = (f'<div class="alert alert-danger" role="alert">{escape(error)}</div>'
             if error else "")
    return (f'<div class="card-body"><form class="form stack" method="post" action="{BASE}">'
            f"{console.csrf_input}{alert}{field('code', 'code')}"
            f'<label class="field"><span class="label">{escape(say(shop, "kind"))}</span>'
            f'<select class="input" name="kind">{options}</select></label>'
            f"{field('value', 'value')}{field('min_subtotal', 'min')}"
            f"{field('usage_limit', 'limit', 'number')}{field('ends', 'ends', 'date')}"
            f'<button class="btn btn-primary" type="submit">{escape(say(shop, "create"))}'
            f"</button></form></div>")


@get("/coupons/new", opt=CONSOLE, name="marketing:new")
async def new_coupon(shop: Shop, console: Any) -> Response:
    return await console.page("console/plugin_page.html", nav="marketing",
                              title=say(shop, "new"), body=_form(shop, console, {}, ""))


@post("/coupons", opt=CONSOLE, name="marketing:create")
async def create(request: Request, shop: Shop, console: Any) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    try:
        kind = form.get("kind", "")
        value = (int(form.get("value") or 0) if kind == "percent"
                 else parse_major(form.get("value") or "0", shop.currency))
        ends = (dt.datetime.fromisoformat(form["ends"]).replace(tzinfo=dt.UTC)
                + dt.timedelta(days=1)) if form.get("ends") else None
        async with shop_scope(shop.id):
            await coupons.create_coupon(
                shop.id, code=form.get("code", ""), kind=kind, value=value,
                min_subtotal=parse_major(form.get("min_subtotal") or "0", shop.currency),
                usage_limit=int(form.get("usage_limit") or 0), ends_at=ends)
    except (ValueError, DomainError) as exc:
        problem = getattr(exc, "errors", None)
        message = ("; ".join(f"{e.field}: {e.message}" for e in problem) if problem
                   else getattr(exc, "detail", str(exc)))
        return await console.page("console/plugin_page.html", nav="marketing", status_code=422,
                                  title=say(shop, "new"), body=_form(shop, console, form, message))
    return Redirect("/console/p/marketing", status_code=303)


@get("/coupons/{coupon_id:int}", opt=CONSOLE, name="marketing:coupon")
async def coupon_page(shop: Shop, console: Any, coupon_id: int) -> Response:
    async with shop_scope(shop.id):
        row = await coupons.get_coupon(shop.id, coupon_id)
    switch = "switch_off" if row["active"] else "switch_on"
    body = (f'<div class="card-body stack"><p class="mono">{escape(row["code"])} · '
            f"{escape(_value(shop, row))} · {say(shop, 'used')} {row['used']}</p>"
            f'<form method="post" action="{BASE}/{coupon_id}/active">{console.csrf_input}'
            f'<input type="hidden" name="active" value="{"" if row["active"] else "1"}">'
            f'<button class="btn" type="submit">{escape(say(shop, switch))}</button></form>'
            f'<a href="/console/p/marketing">{escape(say(shop, "back"))}</a></div>')
    return await console.page("console/plugin_page.html", nav="marketing", title=row["code"],
                              body=body)


@post("/coupons/{coupon_id:int}/active", opt=CONSOLE, name="marketing:active")
async def set_active(request: Request, shop: Shop, console: Any, coupon_id: int) -> Redirect:
    form = await request.form()
    async with shop_scope(shop.id):
        await coupons.set_active(shop.id, coupon_id, bool(form.get("active")))
    return Redirect("/console/p/marketing", status_code=303)


ROUTES = [new_coupon, create, coupon_page, set_active]
