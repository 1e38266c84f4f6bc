"""Words the plugin writes outside its templates (adjustment labels, product-page promises,
refusals), in the shopper's or the shop's language through the plugin's Babel domain."""

from __future__ import annotations

from galleria.kernel import PluginCatalog

TEXTS = PluginCatalog(__package__, "marketing_campaigns")


def t(locale: str | None, message: str, **values: object) -> str:
    return TEXTS.translate(locale or "zh_CN", message, **values)


__all__ = ["TEXTS", "t"]
