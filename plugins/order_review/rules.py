"""The seven review rules, in their evaluation order (`order`, lower first):

- 10 `order_review.blacklist`: a blacklisted phone, address fragment or customer →
  reject (or hold, per setting);
- 20 `order_review.address`: no province or city, too short, gibberish, a postal code of
  another province → hold;
- 30 `order_review.threshold`: total above the shop's threshold → hold;
- 40 `order_review.phone_velocity`: more than N orders from one phone within H hours → hold;
- 50 `order_review.first_order_offline`: no earlier paid order, and paid offline or on
  delivery → hold;
- 60 `order_review.invoice`: an invoice requested → hold, to check its details;
- 90 `order_review.repeat_customer`: earlier paid orders and no invoice → approve.

The kernel asks them all and combines: reject beats hold beats approve (see
`galleria.kernel.ReviewRule`). A rule switched off in the shop's settings abstains.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from galleria.kernel import ReviewContext, ReviewRule, Verdict, format_minor
from galleria_plugins.order_review import address
from galleria_plugins.order_review.settings import Config, SharedConfig, lines
from galleria_plugins.order_review.texts import ADDRESS_PROBLEMS, TEXTS


def _locale(context: ReviewContext) -> str:
    return context.shop.locale


def _digits(phone: str) -> str:
    """A phone compared by its digits, without China's country code."""
    digits = re.sub(r"\D", "", phone)
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


@dataclass
class Rule(ReviewRule):
    """Shared by the plugin's rules: the shop's settings, and the switch named `setting`."""

    settings: SharedConfig
    code = "order_review.rule"
    name = "rule"
    order = 100
    setting = ""

    async def judge(self, context: ReviewContext) -> Verdict:
        config = await self.settings.get()
        if not getattr(config, self.setting):
            return Verdict.abstain()
        return await self.check(context, config)

    async def check(self, context: ReviewContext, config: Config) -> Verdict:
        raise NotImplementedError


class BlacklistRule(Rule):
    code, name, order, setting = "order_review.blacklist", "Blacklist", 10, "blacklist"

    async def check(self, context: ReviewContext, config: Config) -> Verdict:
        order, locale = context.order, _locale(context)
        found = []
        phones = {_digits(p) for p in lines(config.blacklist_phones)} - {""}
        for phone in {context.phone, str((order.get("address") or {}).get("phone") or "")}:
            if phone and _digits(phone) in phones:
                found.append(TEXTS.translate(locale, "phone %(phone)s is on the blacklist",
                                           phone=phone))
        text = " ".join(str(v) for v in (order.get("address") or {}).values()).lower()
        found += [TEXTS.translate(locale, "address matches “%(fragment)s” on the blacklist",
                                fragment=fragment)
                  for fragment in lines(config.blacklist_addresses)
                  if fragment.lower() in text]
        customer = order.get("customer_id")
        if customer is not None and str(customer) in lines(config.blacklist_customers):
            found.append(TEXTS.translate(locale, "customer %(customer)s is on the blacklist",
                                       customer=customer))
        if not found:
            return Verdict.abstain()
        reason = "; ".join(found)
        return Verdict.reject(reason) if config.blacklist_action == "reject" \
            else Verdict.hold(reason)


class AddressRule(Rule):
    code, name, order, setting = "order_review.address", "Address", 20, "address"

    async def check(self, context: ReviewContext, config: Config) -> Verdict:
        found = address.problems(context.order.get("address") or {},
                                 config.address_min_length)
        if not found:
            return Verdict.abstain()
        locale = _locale(context)
        return Verdict.hold("; ".join(TEXTS.translate(locale, ADDRESS_PROBLEMS[key], **values)
                                      for key, values in found))


class ThresholdRule(Rule):
    code, name, order, setting = "order_review.threshold", "Large order", 30, "threshold"

    async def check(self, context: ReviewContext, config: Config) -> Verdict:
        total, currency = context.order["total"], context.order["currency"]
        if total <= config.threshold_amount:
            return Verdict.abstain()
        return Verdict.hold(TEXTS.translate(
            _locale(context), "total %(total)s is above the review threshold %(threshold)s",
            total=format_minor(total, currency),
            threshold=format_minor(config.threshold_amount, currency)))


class PhoneVelocityRule(Rule):
    code, name, order = "order_review.phone_velocity", "Orders per phone", 40
    setting = "phone_velocity"

    async def check(self, context: ReviewContext, config: Config) -> Verdict:
        hours, limit = config.phone_velocity_hours, config.phone_velocity_count
        count = await context.orders_from_phone(context.now - dt.timedelta(hours=hours))
        if count <= limit:
            return Verdict.abstain()
        return Verdict.hold(TEXTS.translate(
            _locale(context),
            "%(count)s orders from phone %(phone)s within %(hours)s h (at most %(limit)s)",
            count=count, phone=context.phone, hours=hours, limit=limit))


class FirstOrderOfflineRule(Rule):
    code, name, order = "order_review.first_order_offline", "First order paid offline", 50
    setting = "first_order_offline"

    async def check(self, context: ReviewContext, config: Config) -> Verdict:
        if context.history.paid > 0:
            return Verdict.abstain()
        if context.pays_on_delivery:
            return Verdict.hold(TEXTS.translate(_locale(context),
                                              "first order, cash on delivery"))
        if context.payment_offline:
            return Verdict.hold(TEXTS.translate(_locale(context),
                                              "first order, paid offline (%(method)s)",
                                              method=context.order["payment_method"]))
        return Verdict.abstain()


class InvoiceRule(Rule):
    code, name, order, setting = "order_review.invoice", "Invoice", 60, "invoice"

    async def check(self, context: ReviewContext, config: Config) -> Verdict:
        invoice = context.order.get("invoice")
        if not invoice:
            return Verdict.abstain()
        return Verdict.hold(TEXTS.translate(
            _locale(context),
            "invoice requested (%(kind)s: %(title)s): check the invoice details",
            kind=invoice.get("type", ""), title=invoice.get("title", "")))


class RepeatCustomerRule(Rule):
    code, name, order = "order_review.repeat_customer", "Repeat customer", 90
    setting = "repeat_customer"

    async def check(self, context: ReviewContext, config: Config) -> Verdict:
        if context.order.get("invoice") or context.history.paid < config.repeat_min_paid:
            return Verdict.abstain()
        return Verdict.approve(TEXTS.translate(
            _locale(context), "repeat customer: %(paid)s earlier paid orders",
            paid=context.history.paid))


RULES = (BlacklistRule, AddressRule, ThresholdRule, PhoneVelocityRule, FirstOrderOfflineRule,
         InvoiceRule, RepeatCustomerRule)


def rules_for(shop_id: int) -> list[Rule]:
    """The plugin's rules for one review, sharing one read of the shop's settings."""
    shared = SharedConfig(shop_id)
    return [rule(shared) for rule in RULES]


__all__ = ["RULES", "AddressRule", "BlacklistRule", "FirstOrderOfflineRule", "InvoiceRule",
           "PhoneVelocityRule", "RepeatCustomerRule", "Rule", "ThresholdRule", "rules_for"]
