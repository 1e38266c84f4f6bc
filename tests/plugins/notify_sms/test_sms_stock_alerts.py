"""Stock alerts by SMS: the shop's stock-alert template filled in with the product and what
happened; without that template the send is refused (logged as failed, as for any topic)."""

from __future__ import annotations

import pytest

from galleria.kernel import NotificationMessage
from galleria_plugins.notify_sms.channel import SmsNotConfigured, template_for


def _alert(topic: str, **params: str) -> NotificationMessage:
    return NotificationMessage(recipient="13900139000", subject="", text="", topic=topic,
                               audience="merchant", params={
                                   "product_name": "鲜牛奶", "sku": "MILK-1L", **params})


def test_a_low_stock_alert_fills_the_stock_template():
    code, values = template_for(_alert("stock.low", available="2", safety_stock="3"),
                                {"template_stock_alert": "SMS_9"})
    assert code == "SMS_9"
    assert values == {"product": "鲜牛奶（MILK-1L）", "alert": "库存仅剩2件，请及时补货"}


def test_a_near_expiry_alert_names_the_lot_and_date():
    _, values = template_for(_alert("stock.expiring", lot_code="L1201",
                                    expires_on="2026-12-20"), {"template_stock_alert": "SMS_9"})
    assert values["alert"] == "批次L1201将于2026-12-20到期"


def test_without_a_stock_template_the_alert_is_refused():
    with pytest.raises(SmsNotConfigured, match="template_stock_alert"):
        template_for(_alert("stock.low", available="1"), {"template_order_status": "SMS_2"})
