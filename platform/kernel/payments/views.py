"""Reading payment records: the views the API, the console and the order view show.

Reads only (no writes, no gateway calls) and imports nothing of orders' services, so the
order view can show payments without orders importing payments' services (the order view's
`payments` section is registered in galleria.kernel.reactions). Call inside the shop's
scope.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from galleria.kernel.payments import contracts as c
from galleria.kernel.payments.tables import Payment


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def to_record(row: dict[str, Any]) -> c.PaymentRecord:
    return c.PaymentRecord(
        reference=row["reference"], order_number=row["order_number"], method=row["method"],
        amount=row["amount"], currency=row["currency"], status=row["status"],
        provider_reference=row["provider_reference"], created_at=row["created_at"])


def payment_view(row: dict[str, Any]) -> dict[str, Any]:
    """A payment as the API shows it: `action` is the gateway's next step for the shopper
    (`{"type": "qr_code", "qr_code": …}`)."""
    action = _json(row["action"])
    return {"payment_id": row["reference"], "method": row["method"], "status": row["status"],
            "amount": row["amount"], "currency": row["currency"], "refunded": row["refunded"],
            "action": ({"type": action["type"], **action.get("data", {})} if action else None),
            "created_at": _time(row["created_at"]), "paid_at": _time(row["paid_at"])}


async def payment_row(tenant_id: int, reference: str) -> dict[str, Any] | None:
    return await Payment.select().where(
        (Payment.tenant == tenant_id) & (Payment.reference == str(reference)[:40])).first()


async def payments_of(tenant_id: int, order_id: int) -> list[dict[str, Any]]:
    rows = await Payment.select().where(
        (Payment.tenant == tenant_id) & (Payment.order == order_id)).order_by(Payment.id)
    return [payment_view(row) for row in rows]


async def payer_refs(tenant_id: int, number: str) -> list[str]:
    """Who paid order `number`: the `payer_ref` of its paid payments that name one
    (`wechat:o…`, `alipay:2088…`, `stripe:card:…`), for a plugin telling payers apart (one
    referral reward per payer). Plugin-neutral; call inside the shop's scope."""
    rows = await Payment.select(Payment.payer_ref).where(
        (Payment.tenant == tenant_id) & (Payment.order_number == number)
        & (Payment.status == c.PAID) & (Payment.payer_ref != "")).order_by(Payment.id)
    return list(dict.fromkeys(row["payer_ref"] for row in rows))


__all__ = ["payer_refs", "payment_row", "payment_view", "payments_of", "to_record"]
