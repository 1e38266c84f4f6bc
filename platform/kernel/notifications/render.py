"""Notification texts: Jinja2 templates per language (templates/<locale>.txt), one block for
each message's subject and text, and a small HTML layout for email (templates/email.html).

Text blocks are rendered without escaping (they are plain text); the HTML layout escapes
everything it is given, so a shopper's name cannot inject markup into a merchant's mail.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from galleria.kernel.notifications.contracts import NotificationMessage

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


@cache
def _text_env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False,  # noqa: S701 - plain text, never HTML
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=False)


@cache
def _html_env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                       trim_blocks=True, lstrip_blocks=True)


def locale_of(value: str | None) -> str:
    return value if value in LOCALES else ("zh_CN" if (value or "").startswith("zh")
                                           else "en" if value else DEFAULT_LOCALE)


def has_message(name: str, audience: str) -> bool:
    """Whether a message `name` (placed, paid, …, follow_up) exists for `audience`."""
    template = _text_env().get_template(f"{DEFAULT_LOCALE}.txt")
    return f"{name}_{audience}_text" in template.blocks


def _block(locale: str, block: str, values: dict[str, Any]) -> str:
    template = _text_env().get_template(f"{locale}.txt")
    context = template.new_context(values)
    return "".join(template.blocks[block](context)).strip()


def html_body(subject: str, text: str, *, shop_name: str, locale: str) -> str:
    """The HTML alternative of a text message: its paragraphs and lines, escaped."""
    paragraphs = [p.split("\n") for p in text.split("\n\n") if p.strip()]
    return _html_env().get_template("email.html").render(
        subject=subject, paragraphs=paragraphs, shop_name=shop_name,
        html_lang=HTML_LANG.get(locale, "en"))


def render_message(name: str, audience: str, locale: str, values: dict[str, Any], *,
                   recipient: str, topic: str, html: bool, reply_to: str = ""
                   ) -> NotificationMessage:
    """Message `name` for `audience` in `locale`, addressed to `recipient`."""
    locale = locale_of(locale)
    subject = _block(locale, f"{name}_{audience}_subject", values)
    text = _block(locale, f"{name}_{audience}_text", values)
    shop_name = str(values.get("shop_name", ""))
    return NotificationMessage(
        recipient=recipient, subject=" ".join(subject.split()), text=text,
        html=html_body(subject, text, shop_name=shop_name, locale=locale) if html else None,
        locale=locale, topic=topic, order_number=str(values.get("number", "")),
        audience=audience, shop_name=shop_name, reply_to=reply_to,
        params={key: str(value) for key, value in values.items()
                if isinstance(value, str | int) and not isinstance(value, bool)
                and str(value)})


__all__ = ["LOCALES", "has_message", "html_body", "locale_of", "render_message"]
