"""What each adjustment says to the shopper, in their language (the plugin's Babel domain:
locale/zh_CN/LC_MESSAGES/marketing.po). Messages are extracted with `-k translate:2`."""

from __future__ import annotations

from typing import Any

from galleria.kernel import PluginCatalog, format_minor

TEXTS = PluginCatalog(__package__, "marketing")


def rate(percent_off: int) -> str:
    """10 % off → "9" (九折), 15 % off → "8.5" (八五折): how a Chinese shop says it."""
    tenths = 100 - percent_off
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:g}"


def percent_off_text(locale: str, percent_off: int) -> str:
    """A percentage off as people say it: "9折" in Chinese, "10% off" in English. A number
    format, like money's, so it is not a catalog message."""
    if locale.lower().startswith("zh"):
        return f"{rate(percent_off)}折"
    return f"{percent_off}% off"


def _name(coupon: dict[str, Any]) -> str:
    return coupon.get("name") or coupon["code"]


def coupon_label(coupon: dict[str, Any], currency: str, locale: str) -> str:
    from galleria_plugins.marketing.coupons import kind_of

    kind, name = kind_of(coupon), _name(coupon)
    if kind == "amount_off":
        return TEXTS.translate(locale, "Coupon %(name)s: %(off)s off", name=name,
                               off=format_minor(coupon["value"], currency))
    if kind == "percent_off":
        return TEXTS.translate(locale, "Coupon %(name)s: %(discount)s", name=name,
                               discount=percent_off_text(locale, coupon["value"]))
    if kind == "free_shipping":
        return TEXTS.translate(locale, "Coupon %(name)s: free shipping", name=name)
    return TEXTS.translate(locale, "Coupon %(name)s: one item for %(price)s", name=name,
                           price=format_minor(coupon["value"], currency))


def threshold_label(locale: str, currency: str, threshold: int, *, off: int = 0,
                    percent: int = 0) -> str:
    if percent:
        return TEXTS.translate(locale, "Spend %(threshold)s: %(discount)s",
                               threshold=format_minor(threshold, currency),
                               discount=percent_off_text(locale, percent))
    return TEXTS.translate(locale, "Spend %(threshold)s, save %(off)s",
                           threshold=format_minor(threshold, currency),
                           off=format_minor(off, currency))


def timed_label(locale: str, name: str, item: str) -> str:
    return TEXTS.translate(locale, "Limited-time discount %(name)s: %(item)s",
                           name=name, item=item)


def quantity_label(locale: str, name: str, item: str, nth: int, percent: int) -> str:
    return TEXTS.translate(locale, "%(name)s: item %(nth)s of %(item)s at %(discount)s",
                           name=name, item=item, nth=nth,
                           discount=percent_off_text(locale, 100 - percent))


__all__ = ["TEXTS", "coupon_label", "percent_off_text", "quantity_label", "rate",
           "threshold_label", "timed_label"]
