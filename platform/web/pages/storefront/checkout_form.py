"""The checkout form as the pages see it: the fields a shopper fills in, what they become for
the kernel, the price summary (from the kernel's pricing, never computed here), and the
kernel's field messages in the shopper's language.

Field names are the kernel's (`address.phone`, `contact.email`), so a 422's `errors` land
on the inputs they are about without a mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from babel import Locale

from galleria.kernel import db
from galleria.kernel.checkout import carts
from galleria.kernel.checkout.contracts import PriceAdjuster
from galleria.kernel.checkout.details import check_address
from galleria.kernel.checkout.pricing import Pricing, price_cart
from galleria.kernel.errors import DomainError, Problems, ValidationFailed
from galleria.kernel.payments import gateways
from galleria.kernel.plugins import PluginHost
from galleria.kernel.tenancy.plugin_state import enabled_plugins
from galleria.kernel.tenancy.shops import Shop
from galleria.web.i18n import N_
from galleria.web.methods import mark_url

CONTACT = ("name", "phone", "email")
ADDRESS = ("name", "phone", "country", "province", "city", "district", "line1", "line2",
           "postal_code")
FIELDS = (*(f"contact.{n}" for n in CONTACT), *(f"address.{n}" for n in ADDRESS),
          "shipping_method", "payment_method", "coupon_code", "invoice.title",
          "invoice.tax_id", "note", "attempt", "saved_address", "points",
          "requested_delivery_date", "wallet_coupon")
LIMITS = {"note": 500, "address.line1": 200, "address.line2": 200}
COUNTRIES = ("CN", "HK", "MO", "TW", "SG", "MY", "JP", "KR", "US", "CA", "GB", "DE", "FR",
             "AU")

# The kernel's field messages (galleria.kernel.checkout.details), for the shopper.
MESSAGES = {
    "required": N_("Required"),
    "expected text": N_("Enter text here"),
    "a phone number: 6–20 digits, optionally starting with +":
        N_("Enter a phone number: 6–20 digits, optionally starting with +"),
    "a two-letter ISO 3166 country code, such as CN": N_("Choose a country"),
    "letters, digits, spaces and hyphens": N_("Letters, digits, spaces and hyphens only"),
    "an email address such as name@example.com":
        N_("Enter an email address such as name@example.com"),
    "give a phone number or an email, to hear about the order":
        N_("Give a phone number or an email, so that we can tell you about the order"),
    "personal or company": N_("Personal or company"),
    "required for a company invoice": N_("Required for a company invoice"),
    "required: the code of a payment method": N_("Choose a payment method"),
    # checkout.delivery_dates: the requested delivery date
    "this shop does not take requested delivery dates":
        N_("This shop does not deliver on a chosen date"),
    "a delivery date can be asked for express delivery only":
        N_("A delivery date can be chosen for express delivery only"),
    "a date as YYYY-MM-DD": N_("Choose a date"),
    "a date within the days the shop offers": N_("Choose a date within the days offered"),
    "the shop does not deliver on that day of the week":
        N_("The shop does not deliver on that day of the week; choose another day"),
}
AT_MOST = re.compile(r"^(?:text of )?at most (\d+) characters$")
# What a points adjuster says about the `points` input (docs/plugins.md, checkout inputs).
POINTS_MESSAGES = (
    (re.compile(r"^at most (\d+) points on this order$"),
     N_("At most %(n)s points can be used on this order")),
    (re.compile(r"^you have (-?\d+) points$"), N_("You have %(n)s points")),
    (re.compile(r"^sign in to use your points$"), N_("Sign in to use your points")),
)
OFFERED = re.compile(r"^(?:required; )?offered: ")


def translate_message(translate: Any, message: str) -> str:
    if message in MESSAGES:
        return translate(MESSAGES[message])
    if match := AT_MOST.match(message):
        return translate(N_("At most %(n)s characters")) % {"n": match.group(1)}
    if OFFERED.match(message):
        return translate(N_("Choose one of the options offered"))
    for pattern, text in POINTS_MESSAGES:
        if match := pattern.match(message):
            return translate(text) % {"n": match.group(1)} if "%(n)s" in text \
                else translate(text)
    return message


def points_of(values: dict[str, str]) -> int:
    """The points the shopper asked to use: a whole number, 0 when empty or not one."""
    text = values.get("points", "")
    return int(text) if text.isdigit() and len(text) <= 9 else 0


def field_errors(translate: Any, exc: DomainError) -> dict[str, str]:
    """`{field: message}` from a 422's errors, translated; the first message per field."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        errors.setdefault(error.field, translate_message(translate, error.message))
    return errors


def read_form(form: Any) -> dict[str, str]:
    values = {}
    for name in FIELDS:
        value = form.get(name)
        values[name] = value.strip()[:LIMITS.get(name, 120)] if isinstance(value, str) else ""
    values["address.country"] = values["address.country"].upper() or "CN"
    if not values["coupon_code"] and values["wallet_coupon"]:  # picked from the wallet's list
        values["coupon_code"] = values["wallet_coupon"]
    return values


# A courier in mainland China calls or texts a mobile: 11 digits starting 13–19, maybe +86.
MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
NOT_A_MOBILE = N_("Enter an 11-digit mobile number, such as 13800138000")


def mobile_problems(values: dict[str, str], translate: Any) -> dict[str, str]:
    """`{"address.phone": message}` when a mainland address's recipient phone (the number
    the courier calls, labelled 手机号) is not a mobile number."""
    phone = re.sub(r"[\s-]", "", values["address.phone"])
    if values["address.country"] != "CN" or not phone or MAINLAND_MOBILE.match(phone):
        return {}
    return {"address.phone": translate(NOT_A_MOBILE)}


def address_of(values: dict[str, str]) -> dict[str, str]:
    """The address as the kernel takes it; the recipient defaults to the contact person."""
    address = {n: values[f"address.{n}"] for n in ADDRESS if values[f"address.{n}"]}
    for name in ("name", "phone"):
        if not address.get(name) and values[f"contact.{name}"]:
            address[name] = values[f"contact.{name}"]
    return address


def contact_of(values: dict[str, str]) -> dict[str, str]:
    return {n: values[f"contact.{n}"] for n in CONTACT if values[f"contact.{n}"]}


def invoice_of(values: dict[str, str]) -> dict[str, str] | None:
    """An invoice request when a title is given: a company's when it has a tax id."""
    title, tax_id = values["invoice.title"], values["invoice.tax_id"]
    if not title and not tax_id:
        return None
    invoice = {"type": "company" if tax_id else "personal", "title": title}
    if tax_id:
        invoice["tax_id"] = tax_id
    return invoice


# PRC usage: Hong Kong, Macao and Taiwan are named as parts of China, right after it.
PART_OF_CHINA = {"zh": {"HK": "中国香港", "MO": "中国澳门", "TW": "中国台湾"},
                 "en": {"HK": "Hong Kong, China", "MO": "Macao, China", "TW": "Taiwan, China"}}


def countries(locale: str) -> list[tuple[str, str]]:
    parsed = Locale.parse(locale)
    names = {**parsed.territories, **PART_OF_CHINA.get(parsed.language, PART_OF_CHINA["en"])}
    return [(code, names.get(code, code)) for code in COUNTRIES]


# -- payment methods ---------------------------------------------------------------------
@dataclass(frozen=True)
class PaymentMethod:
    code: str
    name: str
    offline: bool = False
    pays_on_delivery: bool = False
    instructions: str = ""
    mark_url: str = ""
    sandbox: bool = False


async def payment_methods(shop: Shop, host: PluginHost) -> list[PaymentMethod]:
    """The payment methods this shop offers now (enabled plugins' gateways that are
    available). Call inside the shop's scope."""
    return [PaymentMethod(code=item.code, name=item.gateway.title,
                          offline=item.gateway.offline,
                          pays_on_delivery=item.gateway.pays_on_delivery,
                          mark_url=mark_url(item), sandbox=item.sandbox)
            for item in await gateways.offered(shop, host)]


# -- a signed-in shopper's details ---------------------------------------------------------
def prefill(values: dict[str, str], customer: Any, saved: list[dict[str, Any]],
            chosen: str) -> str:
    """Fill an empty form from the customer's account and a saved address (`chosen` id, or
    the default); returns the id of the address used ("" for none)."""
    for name in CONTACT:
        values[f"contact.{name}"] = values[f"contact.{name}"] or str(
            getattr(customer, name, "") or "")
    address = next((a for a in saved if str(a["id"]) == chosen), saved[0] if saved else None)
    if address is None:
        return ""
    for name in ADDRESS:
        values[f"address.{name}"] = str(address.get(name) or "")
    return str(address["id"])


# -- the price summary -------------------------------------------------------------------
@dataclass
class Summary:
    """What the checkout shows next to the form: the kernel's pricing for the cart, the
    address (when complete) and the shipping choice, plus a refused coupon's reason."""

    pricing: Pricing
    shipping_method: str | None
    coupon_error: str = ""
    points_error: str = ""
    takes_points: bool = False  # an enabled adjuster reads the `points` input
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def shipping_options(self) -> list[dict[str, Any]]:
        return [{"code": o.code, "name": o.name, "fee": o.quote.fee,
                 "eta": o.quote.eta_days} for o in self.pricing.shipping_options]

    @property
    def unavailable(self) -> list[Any]:
        """The methods that cannot serve this cart or address, each with its reason in
        the shopper's language (UnavailableOption)."""
        return list(self.pricing.unavailable)


async def summarize(shop: Shop, host: PluginHost, cart: carts.CartView,
                    values: dict[str, str], translate: Any, locale: str = "") -> Summary:
    """Price the cart for what the form holds so far. An incomplete address is left out
    (options are then quoted without one); a shipping choice no longer offered falls back
    to the first option offered; a coupon an adjuster refuses is priced without, with the
    reason. Call inside the shop's scope."""
    problems = Problems()
    address = check_address(address_of(values), problems)
    address = None if problems.errors else address
    coupon = values["coupon_code"] or None
    points = points_of(values)
    chosen = values["shipping_method"] or None
    coupon_error = points_error = ""
    while True:
        try:
            pricing = await _price(shop, host, cart, address, chosen, coupon, points,
                                   locale=locale)
            break
        except DomainError as exc:  # an adjuster refused the points or the coupon
            fields = {e.field for e in getattr(exc, "errors", [])}
            message = translate_message(translate, next(
                (e.message for e in exc.errors if e.field == "points"), exc.detail)
                if "points" in fields else exc.detail)
            if points and ("points" in fields or not coupon):
                points_error, points = message, 0
            elif coupon:
                coupon_error, coupon = message, None
            else:
                raise
    async with db.shop_scope(shop.id):
        takes_points = await reads_input(shop, host, "points")
    return Summary(pricing=pricing, shipping_method=pricing.shipping_method,
                   coupon_error=coupon_error, points_error=points_error,
                   takes_points=takes_points)


async def reads_input(shop: Shop, host: PluginHost, name: str) -> bool:
    """Whether an adjuster of the shop's enabled plugins reads checkout input `name`."""
    enabled = await enabled_plugins(shop.id)
    return any(name in adjuster.inputs for adjuster in host.provided(
        "galleria_price_adjusters", enabled, PriceAdjuster, shop=shop))


async def _price(shop: Shop, host: PluginHost, cart: carts.CartView, address: Any,
                 chosen: str | None, coupon: str | None, points: int = 0, *,
                 locale: str | None = None) -> Pricing:
    async with db.shop_scope(shop.id):
        try:
            pricing = await price_cart(shop, cart, host=host, address=address,
                                       shipping_method=chosen, coupon_code=coupon,
                                       points=points, locale=locale)
        except ValidationFailed as exc:
            if not any(e.field == "shipping_method" for e in exc.errors):
                raise
            pricing = await price_cart(shop, cart, host=host, address=address,
                                       coupon_code=coupon, points=points, locale=locale)
        if pricing.shipping_method is None and pricing.shipping_options:
            first = pricing.shipping_options[0].code
            pricing = await price_cart(shop, cart, host=host, address=address,
                                       shipping_method=first, coupon_code=coupon,
                                       points=points, locale=locale)
    return pricing


__all__ = ["FIELDS", "PaymentMethod", "Summary", "address_of", "contact_of", "countries",
           "field_errors", "invoice_of", "payment_methods", "points_of", "prefill", "read_form",
           "reads_input", "summarize",
           "translate_message"]
