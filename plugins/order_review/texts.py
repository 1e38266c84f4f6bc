"""The plugin's words outside its pages: the reasons rules give, which the merchant reads in
the queue and the order's timeline. A rule runs in a job, not a request, so reasons are
written in the shop's language from the plugin's Babel domain (locale/…/order_review.po);
the pages' words come from the same domain through the templates.

Extract with `pybabel extract -F locale/babel.cfg -k translate:2 -k N_ -o locale/order_review.pot .`
(run in plugins/order_review).
"""

from __future__ import annotations

from galleria.kernel import PluginCatalog

TEXTS = PluginCatalog("galleria_plugins.order_review", "order_review")


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is written."""
    return message


# address.problems() names a problem by key; these are its words.
ADDRESS_PROBLEMS = {
    "no_province": N_("address has no province"),
    "no_city": N_("address has no city"),
    "too_short": N_("street address is too short (%(length)s characters, at least "
                    "%(minimum)s)"),
    "repeated": N_("street address looks made up: “%(run)s” repeated"),
    "mashing": N_("street address looks like keyboard mashing: “%(word)s”"),
    "no_words": N_("street address has no words"),
    "postal": N_("postal code %(code)s belongs to %(expected)s, not %(province)s"),
}

__all__ = ["ADDRESS_PROBLEMS", "TEXTS"]
