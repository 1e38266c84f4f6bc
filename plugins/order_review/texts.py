"""The plugin's own words, in the shop's language (`zh_CN` or English): the reasons rules
give, which the merchant reads in the queue and the order's timeline, and the queue list."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, tuple[str, str]] = {
    # reasons
    "repeat": ("repeat customer: {paid} earlier paid orders", "老顾客：此前已付款 {paid} 单"),
    "first_cod": ("first order, cash on delivery", "首单货到付款"),
    "first_offline": ("first order, paid offline ({method})", "首单线下支付（{method}）"),
    "no_province": ("address has no province", "地址缺少省份"),
    "no_city": ("address has no city", "地址缺少城市"),
    "too_short": ("street address is too short ({length} characters, at least {minimum})",
                  "详细地址过短（{length} 个字，至少 {minimum} 个）"),
    "repeated": ("street address looks made up: “{run}” repeated",
                 "详细地址疑似乱填：重复字符“{run}”"),
    "mashing": ("street address looks like keyboard mashing: “{word}”",
                "详细地址疑似乱敲键盘：“{word}”"),
    "no_words": ("street address has no words", "详细地址没有可识别的文字"),
    "postal": ("postal code {code} belongs to {expected}, not {province}",
               "邮编 {code} 属于{expected}，与省份“{province}”不符"),
    "threshold": ("total {total} is above the review threshold {threshold}",
                  "订单金额 {total} 超过审单阈值 {threshold}"),
    "black_phone": ("phone {phone} is on the blacklist", "手机号 {phone} 在黑名单中"),
    "black_address": ("address matches “{fragment}” on the blacklist",
                      "地址包含黑名单关键词“{fragment}”"),
    "black_customer": ("customer {customer} is on the blacklist", "顾客 {customer} 在黑名单中"),
    "velocity": ("{count} orders from phone {phone} within {hours} h (at most {limit})",
                 "手机号 {phone} 在 {hours} 小时内下单 {count} 次（上限 {limit} 次）"),
    "invoice": ("invoice requested ({kind}: {title}): check the invoice details",
                "需开发票（{kind}：{title}），请核对开票信息"),
    # the queue list (ConsolePage fragment)
    "queue_title": ("Orders waiting for review", "待审订单"),
    "queue_empty": ("No order is waiting for review.", "没有待审订单。"),
    "order": ("Order", "订单"), "total": ("Total", "金额"), "customer": ("Customer", "顾客"),
    "reasons": ("Reasons", "原因"), "held_since": ("Held since", "待审开始"),
    "open": ("Review", "审核"),
    "auto_share": ("Approved automatically", "自动通过"),
    "median": ("Median time in review", "审单用时中位数"),
    "p90": ("90% reviewed within", "90% 订单审完用时"),
    "held_now": ("Waiting now", "当前待审"), "last_days": ("last {days} days", "近 {days} 天"),
    "find": ("Open an order by number", "按订单号打开"), "go": ("Open", "打开"),
}


def say(locale: str, key: str, **values: Any) -> str:
    english, chinese = TEXTS[key]
    return (chinese if locale == "zh_CN" else english).format(**values)


__all__ = ["TEXTS", "say"]
