"""Offline payments: cash on delivery (货到付款), bank transfer (银行转账) and cash paid at the
counter (现金), the last offered only on orders staff take in the console (代客下单).

No money moves online: the shopper is shown instructions, and the merchant confirms receipt
in the console ("mark paid", audited by the kernel). A cash-on-delivery order is reviewed when
it is placed instead of when it is paid (`pays_on_delivery`). A refund is money the merchant
gives back by hand, so it succeeds as soon as it is recorded.

A first-party plugin written against the public plugin API only, like any third-party one.
"""

from __future__ import annotations

from galleria.kernel import (
    CallbackRequest,
    CallbackResponse,
    NotificationRejected,
    PaymentAction,
    PaymentGateway,
    PaymentRecord,
    PaymentRequest,
    PaymentUpdate,
    PluginInfo,
    RefundRequest,
    RefundUpdate,
    SettingField,
    Shop,
    hookimpl,
    plugin_settings,
)

NAME = "payments_offline"
DEFAULT_COD_TEXT = "Pay the courier in cash or by QR code when your parcel arrives."
DEFAULT_COD_TEXT_ZH = "包裹送达时向快递员支付现金或扫码付款。"


class OfflineGateway(PaymentGateway):
    offline = True
    partial_refunds = True
    pays_on_delivery = False
    setting = ""  # the settings field holding this method's instructions
    switch = ""  # the settings field that offers it

    def __init__(self, code: str, name: str) -> None:
        self.code, self.name = code, name

    async def available(self, shop: Shop) -> bool:
        settings = await plugin_settings(shop.id, NAME)
        return bool(settings.get(self.switch, self.switch == "cash_on_delivery"))

    async def instructions_text(self, shop: Shop) -> str:
        settings = await plugin_settings(shop.id, NAME)
        return (settings.get(self.setting) or "").strip()

    async def start_payment(self, request: PaymentRequest) -> PaymentAction:
        text = await self.instructions_text(request.shop)
        return PaymentAction("instructions", {
            "text": text, "reference": request.order_number, "amount": request.amount,
            "currency": request.currency})

    async def handle_notification(self, shop: Shop, callback: CallbackRequest) -> list:
        raise NotificationRejected(f"{self.code} payments have no gateway notifications")

    def answer(self, accepted: bool, message: str = "") -> CallbackResponse:
        return CallbackResponse(200 if accepted else 400, message.encode(), "text/plain")

    async def query(self, shop: Shop, payment: PaymentRecord) -> PaymentUpdate:
        return PaymentUpdate(payment.reference, "pending")  # only the merchant knows

    async def close(self, shop: Shop, payment: PaymentRecord) -> None:
        return None

    async def refund(self, request: RefundRequest) -> RefundUpdate:
        return RefundUpdate(request.reference, "succeeded", request.amount)


class CashOnDelivery(OfflineGateway):
    pays_on_delivery = True
    mark = "mark.svg"
    setting, switch = "cod_instructions", "cash_on_delivery"

    async def instructions_text(self, shop: Shop) -> str:
        text = await super().instructions_text(shop)
        return text or (DEFAULT_COD_TEXT_ZH if shop.locale.startswith("zh") else DEFAULT_COD_TEXT)


class BankTransfer(OfflineGateway):
    mark = "bank.svg"
    setting, switch = "bank_instructions", "bank_transfer"


class CounterCash(OfflineGateway):
    """Cash handed to the staff member taking the order: never offered at checkout."""

    staff_only = True
    switch = "counter_cash"

    async def available(self, shop: Shop) -> bool:
        settings = await plugin_settings(shop.id, NAME)
        return bool(settings.get(self.switch, True))


@hookimpl
def galleria_plugin_info() -> PluginInfo:
    return PluginInfo(
        title="Cash on delivery and bank transfer", title_zh="货到付款与银行转账",
        description="Offline payment methods; you confirm receipt in the console.",
        description_zh="线下支付方式，收款后在后台确认。", version="1.0")


@hookimpl
def galleria_settings_schema() -> list[SettingField]:
    return [
        SettingField("cash_on_delivery", "Offer cash on delivery", "boolean",
                     label_zh="提供货到付款", default=True),
        SettingField("cod_instructions", "Cash on delivery: what the shopper is told", "text",
                     label_zh="货到付款说明", default=""),
        SettingField("bank_transfer", "Offer bank transfer", "boolean",
                     label_zh="提供银行转账", default=False),
        SettingField("bank_instructions", "Bank transfer: account name, bank, account number",
                     "text", label_zh="银行转账信息（户名、开户行、账号）", default="",
                     help="Shown on the payment page with the order number as the reference."),
        SettingField("counter_cash", "Staff may take cash for orders they enter", "boolean",
                     label_zh="代客下单可收现金", default=True),
    ]


@hookimpl
def galleria_payment_gateways(shop: Shop) -> list[OfflineGateway]:
    # All are contributed; `available(shop)` applies the shop's switches.
    zh = shop.locale.startswith("zh")
    return [CashOnDelivery("cod", "货到付款" if zh else "Cash on delivery"),
            BankTransfer("bank_transfer", "银行转账" if zh else "Bank transfer"),
            CounterCash("cash", "现金" if zh else "Cash")]
