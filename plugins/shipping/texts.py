"""Why a shipping method is not offered, in the shopper's language.

A method's refusal (`Outcome.why`, a `NotOffered`) carries an English message id with its
values and a stable code; the checkout and the API fill it in from this plugin's Babel
domain (locale/…/shipping.po) in the request's language. `Outcome.refused` keeps the
English text, for logs and the plain-text callers.

Extract with `pybabel extract -F locale/babel.cfg -k translate:2 -k N_ -o locale/shipping.pot .`
(run in plugins/shipping).
"""

from __future__ import annotations

from typing import Any

from galleria.kernel import NotOffered, PluginCatalog

TEXTS = PluginCatalog("galleria_plugins.shipping", "shipping")


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def refusal(code: str, message: str, **values: Any) -> NotOffered:
    """A refusal with a stable `code` and `message` (marked with N_) filled from `values`
    (a `Money`, a date, a distance in km as a float, text)."""
    return NotOffered(code=code, message=message, values=values, catalog=TEXTS)


# The method exists but the shop has not configured it (the quote tester leaves it out).
NO_SLOT = refusal("not_configured", N_("no such delivery slot"))
NO_POINT = refusal("not_configured", N_("no such pickup point"))


__all__ = ["NO_POINT", "NO_SLOT", "N_", "TEXTS", "refusal"]
