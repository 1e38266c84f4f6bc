"""The plugin's console pages (ConsolePage fragments, in the shop's language): the shipping
set-up at a glance, with every problem its settings have and links to the editors
(editor.py), and the quote tester (which asks `GET /plugins/shipping/quote`).

Fragments are inserted into the console's shell as they are: everything interpolated is
escaped (the texts in texts.py are ours and may hold markup).
"""

from __future__ import annotations

from html import escape

from galleria.kernel import Shop, format_minor
from galleria_plugins.shipping import regions
from galleria_plugins.shipping.methods import Loaded, ShopShipping
from galleria_plugins.shipping.rates import WEIGHT, Rate, Template
from galleria_plugins.shipping.texts import say


def _money(amount: int, shop: Shop) -> str:
    return escape(format_minor(amount, shop.currency))


def _rate(rate: Rate, charge_by: str, shop: Shop) -> str:
    unit = say(shop.locale, "gram" if charge_by == WEIGHT else "piece")
    text = say(shop.locale, "rate", first=rate.first_units, unit=unit,
               first_fee=_money(rate.first_fee, shop), additional=rate.additional_units,
               additional_fee=_money(rate.additional_fee, shop))
    if rate.eta_days:
        text += say(shop.locale, "days", low=rate.eta_days[0], high=rate.eta_days[1])
    return text


def _places(codes: tuple[str, ...], locale: str) -> str:
    return escape("、".join(regions.describe(c) for c in codes)) or say(locale, "everywhere")


def _free(template: Template, shop: Shop) -> str:
    locale, rules = shop.locale, []
    for rule in template.free:
        conditions = []
        if rule.min_amount is not None:
            conditions.append(say(locale, "min_amount", amount=_money(rule.min_amount, shop)))
        if rule.min_pieces is not None:
            conditions.append(say(locale, "min_pieces", n=rule.min_pieces))
        rules.append(f"{_places(rule.codes, locale)}: "
                     f"{say(locale, 'and').join(conditions) or say(locale, 'free')}")
    return say(locale, "sep").join(rules) or say(locale, "none")


def _template(template: Template, default: bool, shop: Shop, index: int) -> str:
    locale = shop.locale
    rows = [(say(locale, "everywhere_else"), _rate(template.rate, template.charge_by, shop))]
    rows += [(_places(r.codes, locale), _rate(r.rate, template.charge_by, shop))
             for r in template.regions]
    body = "".join(f"<tr><td>{place}</td><td>{rate}</td></tr>" for place, rate in rows)
    badge = f' <span class="badge badge-brand">{say(locale, "default")}</span>' if default \
        else ""
    excluded = _places(template.excluded, locale) if template.excluded else say(locale, "none")
    products = ", ".join(f"#{p}" for p in template.products) or "—"
    return (f'<section class="card"><div class="card-header"><h3>{escape(template.name)}'
            f'{badge}</h3><span class="spacer"></span><a class="btn btn-sm" '
            f'href="/plugins/shipping/templates?t={index}">{say(locale, "edit")}</a></div>'
            f'<div class="table-wrap"><table class="table"><thead><tr>'
            f'<th>{say(locale, "region")}</th><th>{say(locale, "fee")}</th></tr></thead>'
            f'<tbody>{body}</tbody></table></div><div class="card-body stack-sm">'
            f'<p><strong>{say(locale, "free")}:</strong> {_free(template, shop)}</p>'
            f'<p><strong>{say(locale, "excluded")}:</strong> {excluded}</p>'
            f'<p><strong>{say(locale, "products")}:</strong> {escape(products)}</p>'
            f"</div></section>")


async def render_overview(shop: Shop) -> str:
    loaded = await ShopShipping(shop).load()
    locale = shop.locale
    parts = ['<div class="stack shipping-setup">']
    if loaded.problems:
        items = "".join(f"<li><code>{escape(p)}</code></li>" for p in loaded.problems)
        parts.append(f'<div class="alert alert-danger" role="alert"><div><strong>'
                     f'{say(locale, "problems")}</strong><ul>{items}</ul></div></div>')
    parts.append(f'<p class="ship-links"><a class="btn btn-primary btn-sm" '
                 f'href="/plugins/shipping/templates">{say(locale, "new_template")}</a> '
                 f'<a class="btn btn-sm" href="/plugins/shipping/local">'
                 f'{say(locale, "edit_local")}</a> <a class="btn btn-sm" '
                 f'href="/console/p/shipping-quote">{say(locale, "quote_tester")}</a></p>')
    parts.append(f'<p class="muted">{say(locale, "carriers_note")}</p>')
    parts.append(f"<h2>{say(locale, 'templates')}</h2>")
    parts += [_template(t, t.name == loaded.book.default, shop, i)
              for i, t in enumerate(loaded.book.templates)]
    if not loaded.book.templates:
        parts.append(f'<p class="muted">{say(locale, "no_templates")}</p>')
    parts += [_same_city(loaded, shop), _pickup(loaded, locale), _region_codes(locale),
              "</div>"]
    return "".join(parts)


def _same_city(loaded: Loaded, shop: Shop) -> str:
    locale, config = shop.locale, loaded.same_city
    title = f"<h2>{say(locale, 'same_city')}</h2>"
    if config is None:
        return f'{title}<p class="muted">{say(locale, "not_offered")}</p>'
    bands = say(locale, "sep").join(say(locale, "band", km=f"{b.up_to_km:g}",
                                        fee=_money(b.fee, shop)) for b in config.bands)
    rows = "".join(
        f"<tr><td>{escape(slot.label)}</td><td class='num'>{slot.capacity}</td>"
        f"<td class='num'>{loaded.booked.get((loaded.now.date(), n), 0)}</td></tr>"
        for n, slot in enumerate(config.slots, start=1))
    line = say(locale, "same_city_line", name=escape(config.name), lat=f"{config.lat:.5f}",
               lng=f"{config.lng:.5f}", radius=f"{config.radius_km:g}",
               lead=config.lead_minutes)
    return (f'{title}<section class="card"><div class="card-body stack-sm"><p>{line}</p>'
            f"<p>{say(locale, 'bands', bands=bands)}</p></div><div class='table-wrap'>"
            f"<table class='table'><thead><tr><th>{say(locale, 'slot')}</th>"
            f"<th class='num'>{say(locale, 'capacity')}</th><th class='num'>"
            f"{say(locale, 'booked_today')}</th></tr></thead><tbody>{rows}</tbody>"
            f"</table></div></section>")


def _pickup(loaded: Loaded, locale: str) -> str:
    title = f"<h2>{say(locale, 'pickup')}</h2>"
    if not loaded.points:
        return f'{title}<p class="muted">{say(locale, "not_set")}</p>'
    rows = "".join(f"<tr><td>{escape(p.name)}</td><td>{escape(p.address)}</td>"
                   f"<td>{escape(p.hours)}</td><td>{escape(p.phone)}</td></tr>"
                   for p in loaded.points)
    head = "".join(f"<th>{say(locale, k)}</th>" for k in ("name", "address", "hours", "phone"))
    return (f'{title}<section class="card"><div class="table-wrap"><table class="table">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>")


def _region_codes(locale: str) -> str:
    rows = []
    for province in regions.provinces():
        cities = "、".join(f"{escape(c.name)} <code>{c.code}</code>"
                          for c in regions.children(province.code))
        rows.append(f"<details><summary>{escape(province.name)} <code>{province.code}"
                    f"</code></summary><p class='muted'>{cities}</p></details>")
    return (f"<h2>{say(locale, 'region_codes')}</h2><div class='card card-body'>"
            f"{''.join(rows)}</div>")


# A script file served by the plugin's own route (routes.py): the Content-Security-Policy
# runs no inline script.
QUOTE_SCRIPT = '<script src="/plugins/shipping/quote.js" defer></script>'


async def render_quote_tester(shop: Shop) -> str:
    t = {key: escape(say(shop.locale, key)) for key in (
        "tester_intro", "province", "city", "district", "lines", "try", "method", "fee",
        "eta", "why")}
    fields = "".join(
        f'<div class="field"><label for="q-{name}">{t[name]}</label><input class="input" '
        f'id="q-{name}" name="{name}" value="{value}"></div>'
        for name, value in (("province", "浙江省"), ("city", "杭州市"), ("district", "西湖区")))
    return (f'<p class="muted">{t["tester_intro"]}</p>'
            f'<form class="stack" id="shipping-quote" data-shipping-quote>{fields}'
            f'<div class="field"><label for="q-items">{t["lines"]}</label><textarea '
            f'class="textarea" id="q-items" name="items" rows="4">1 2 2800 500</textarea>'
            f'</div><button class="btn btn-primary" type="submit">{t["try"]}</button></form>'
            f'<div class="table-wrap"><table class="table" id="shipping-quote-result" hidden>'
            f'<thead><tr><th>{t["method"]}</th><th class="num">{t["fee"]}</th>'
            f'<th>{t["eta"]}</th><th>{t["why"]}</th></tr></thead><tbody></tbody></table>'
            f"</div>{QUOTE_SCRIPT}")


__all__ = ["render_overview", "render_quote_tester"]
