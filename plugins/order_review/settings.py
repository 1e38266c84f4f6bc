"""The plugin's per-shop settings: every rule can be switched off, and its parameters set.

`SCHEMA` is what `galleria_settings_schema` declares (validated by the kernel before it is
stored); `Config.load(shop_id)` reads a shop's settings into typed values, defaults
filling what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from galleria.kernel import SettingField, plugin_settings, shop_scope

PLUGIN = "order_review"


def _switch(name: str, label: str, label_zh: str) -> SettingField:
    return SettingField(name, label, type="boolean", label_zh=label_zh, default=True)


SCHEMA = [
    _switch("repeat_customer", "Approve repeat customers (no invoice)", "老顾客（无发票）自动通过"),
    SettingField("repeat_min_paid", "Earlier paid orders that make a repeat customer",
                 type="integer", label_zh="老顾客的已付款订单数", default=1, minimum=1,
                 maximum=1000),
    _switch("first_order_offline", "Hold first orders paid offline or on delivery",
            "首单线下支付或货到付款转人工"),
    _switch("address", "Hold incomplete or implausible addresses", "地址不完整或可疑转人工"),
    SettingField("address_min_length", "Shortest street address (characters)",
                 type="integer", label_zh="详细地址最少字数", default=5, minimum=1,
                 maximum=100),
    _switch("threshold", "Hold orders above an amount", "大额订单转人工"),
    SettingField("threshold_amount", "Amount above which orders are held",
                 type="money", label_zh="转人工金额（元）", default=200000,
                 minimum=0, maximum=10**12),
    _switch("blacklist", "Check the blacklist", "检查黑名单"),
    SettingField("blacklist_action", "Blacklisted orders are", type="choice",
                 label_zh="黑名单订单", default="reject", choices=("reject", "hold")),
    SettingField("blacklist_phones", "Blacklisted phones (one a line)", type="text",
                 label_zh="黑名单手机号（每行一个）", default=""),
    SettingField("blacklist_addresses", "Blacklisted address fragments (one a line)",
                 type="text", label_zh="黑名单地址关键词（每行一个）", default=""),
    SettingField("blacklist_customers", "Blacklisted customer ids (one a line)",
                 type="text", label_zh="黑名单顾客编号（每行一个）", default=""),
    _switch("phone_velocity", "Hold many orders from one phone", "同一手机号频繁下单转人工"),
    SettingField("phone_velocity_count", "Most orders from one phone in the period",
                 type="integer", label_zh="时段内同一手机号最多订单数", default=3, minimum=1,
                 maximum=1000),
    SettingField("phone_velocity_hours", "Period (hours)", type="integer",
                 label_zh="时段（小时）", default=24, minimum=1, maximum=24 * 90),
    _switch("invoice", "Hold orders that request an invoice", "需开发票的订单转人工"),
]
DEFAULTS = {f.name: f.default for f in SCHEMA}


def lines(text: Any) -> tuple[str, ...]:
    """The non-empty lines of a text setting, stripped."""
    return tuple(line.strip() for line in str(text or "").splitlines() if line.strip())


@dataclass(frozen=True)
class Config:
    values: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(name)
        value = self.values.get(name)
        return DEFAULTS[name] if value is None else value

    @classmethod
    async def load(cls, shop_id: int) -> Config:
        async with shop_scope(shop_id):
            return cls(await plugin_settings(shop_id, PLUGIN))


class SharedConfig:
    """One shop's settings, read once for all the rules of one review."""

    def __init__(self, shop_id: int, config: Config | None = None) -> None:
        self.shop_id, self._config = shop_id, config

    async def get(self) -> Config:
        if self._config is None:
            self._config = await Config.load(self.shop_id)
        return self._config


__all__ = ["DEFAULTS", "PLUGIN", "SCHEMA", "Config", "SharedConfig", "lines"]
