"""The shop's customer-service phone (客服电话) and service hours, shown to shoppers on the
storefront (footer, 我的, each order's "联系客服") and given by the API.

Both live in the shop's settings (`service_phone`, `service_hours`); a shop without a phone
shows no contact line. A phone is what people dial in China: a mobile (13812345678), a
landline with its area code (0571-88886666), a 400/800 number (400-820-8820), optionally
with +86 — digits, spaces, hyphens and brackets, 5 to 20 digits.
"""

from __future__ import annotations

import json
import re
from typing import Any

from galleria.kernel.errors import Problems
from galleria.kernel.tenancy.tables import Tenant

PHONE, HOURS = "service_phone", "service_hours"
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]*[0-9]$")
MAX_HOURS = 60


def service_contact(shop_settings: dict[str, Any] | None) -> dict[str, str] | None:
    """`{"phone", "dial", "hours"}` of a shop (its settings), or None without a phone;
    `dial` is the phone as a `tel:` link takes it (digits and a leading +)."""
    phone = str((shop_settings or {}).get(PHONE) or "").strip()
    if not phone:
        return None
    return {"phone": phone, "dial": re.sub(r"[^0-9+]", "", phone),
            "hours": str((shop_settings or {}).get(HOURS) or "").strip()}


def check_contact(phone: str, hours: str) -> tuple[str, str]:
    """The phone and hours as stored (trimmed); ValidationFailed names the field that is
    wrong. An empty phone is allowed: it removes the contact line."""
    phone, hours = " ".join(phone.split()), " ".join(hours.split())
    problems = Problems()
    digits = len(re.sub(r"\D", "", phone))
    if phone and (not _PHONE_RE.match(phone) or not 5 <= digits <= 20):
        problems.add(PHONE, "a phone number: digits, spaces, hyphens and brackets, "
                            "5 to 20 digits")
    if len(hours) > MAX_HOURS:
        problems.add(HOURS, f"at most {MAX_HOURS} characters")
    problems.raise_if_any("The service phone or hours are invalid")
    return phone, hours


async def set_service_contact(tenant_id: int, phone: str, hours: str) -> dict[str, str]:
    """Store the shop's service phone and hours (checked by `check_contact`); returns
    `{"phone", "hours"}` as stored."""
    phone, hours = check_contact(phone, hours)
    row = await Tenant.select(Tenant.settings).where(Tenant.id == tenant_id).first()
    settings = (row or {}).get("settings") or {}
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    await Tenant.update({Tenant.settings: {**settings, PHONE: phone, HOURS: hours}}).where(
        Tenant.id == tenant_id)
    return {"phone": phone, "hours": hours}


__all__ = ["HOURS", "PHONE", "check_contact", "service_contact", "set_service_contact"]
