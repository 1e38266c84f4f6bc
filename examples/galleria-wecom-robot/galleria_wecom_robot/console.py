"""The console page: the shop's recorded orders, from a Jinja template, in the merchant's
language (the plugin's own catalog under locale/, read with Babel)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from jinja2 import Environment, PackageLoader, select_autoescape

from galleria.kernel import Shop, format_minor, shop_scope
from galleria_wecom_robot.tables import WecomRobotEntry

LOCALE_DIR = Path(__file__).parent / "locale"
_pages = Environment(loader=PackageLoader("galleria_wecom_robot"), autoescape=select_autoescape())


@cache
def _catalog(locale: str) -> dict[str, str]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "wecom_robot.po"
    if not path.exists():
        return {}  # English: the msgids themselves
    with path.open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and m.string}


async def render_entries(shop: Shop) -> str:
    texts = _catalog(shop.locale)
    async with shop_scope(shop.id):
        rows = await WecomRobotEntry.select().where(WecomRobotEntry.tenant == shop.id).order_by(
            WecomRobotEntry.created_at, ascending=False).limit(50)
    entries = [{"number": r["order_number"],
                "amount": format_minor(r["amount"], r["currency"])} for r in rows]
    return _pages.get_template("wecom_robot/entries.html").render(
        _=lambda text: texts.get(text, text), shop=shop, entries=entries)
