"""The console's after-sales pages under `/console/returns`: the requests (filtered by
step) and one request with the action its step allows — approve with the return address or
reject with a reason; receive, restocking or writing off each unit; refund (amount in yuan,
the rule's amount offered); ship an exchange's replacement.

Every page needs a member with the orders permission (auth.permissions CONSOLE_RULES).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.response import Redirect

from galleria.kernel import db
from galleria.kernel.aftersales import return_outcomes, returns
from galleria.kernel.errors import DomainError, FieldError, ValidationFailed
from galleria.kernel.money import format_minor
from galleria.kernel.orders.service import get_order
from galleria.kernel.tenancy.shops import Shop
from galleria.runtime import Runtime
from galleria.web.context import shop_host_only
from galleria.web.i18n import N_
from galleria.web.pages.console.shell import (
    LoginRequired,
    console_page,
    require_staff,
    staff_of,
    to_login,
)
from galleria.web.pages.render import gettext_for
from galleria.web.pages.return_views import return_context

DONE = {"approved": N_("Approved: the shopper was sent the return address."),
        "rejected": N_("Rejected: the shopper was told why."),
        "received": N_("Received: stock updated."),
        "refunded": N_("Refunded through the original payment."),
        "replacement_shipped": N_("Replacement shipped.")}
AMOUNT_HELP = N_("Type the amount in yuan, e.g. 26.30")
FILTERS = ("requested", "approved", "shipped_back", "received", "refunded", "rejected")


def _actor(request: Request) -> str:
    return f"user:{staff_of(request)['user_id']}"


def _fen(text: str, currency: str) -> int:
    """Yuan as typed (`26.3`, `¥26.30`) → fen; 422 for anything else."""
    try:
        value = Decimal(text.replace("¥", "").replace(",", "").strip())
    except InvalidOperation:
        value = Decimal(-1)
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(AMOUNT_HELP, errors=[FieldError("amount", AMOUNT_HELP)])
    return int(value * 100)


class ReturnsPages(Controller):
    path = "/returns"
    guards = [require_staff]

    @get("/", name="console:returns")
    async def list_page(self, request: Request, shop: Shop, runtime: Runtime,
                        status: str = "") -> Response:
        status = status if status in returns.STATUSES else ""
        async with db.shop_scope(shop.id):
            rows = [returns.view(r, staff=True) for r in await returns.list_returns(
                shop.id, status or None)]
        return await console_page(request, runtime, "console/returns.html", "returns",
                                  requests=rows, status=status, filters=FILTERS,
                                  **return_context(shop))

    @get("/{return_id:int}", name="console:return")
    async def show(self, request: Request, shop: Shop, runtime: Runtime, return_id: int,
                   done: str = "") -> Response:
        return await self._page(request, shop, runtime, return_id, done=done)

    async def _page(self, request: Request, shop: Shop, runtime: Runtime, return_id: int, *,
                    done: str = "", failed: dict[str, Any] | None = None,
                    status_code: int = 200) -> Response:
        translate = gettext_for(request)
        async with db.shop_scope(shop.id):
            row = await returns.get_return(shop.id, return_id)
            order = await get_order(shop.id, row["order_number"])
            received = [{**line, "quantity": line["received"]}
                        for line in returns.view(row)["lines"] if line["received"]]
            offer = (await returns.refundable_amount(shop.id, order, received)
                     if row["status"] == returns.RECEIVED and row["kind"] == "return" else 0)
        return await console_page(
            request, runtime, "console/return_detail.html", "returns", status_code=status_code,
            r=returns.view(row, staff=True), order=order, offer=offer,
            offer_yuan=f"{offer / 100:.2f}", left_text=format_minor(
                order["total"] - order["refunded_total"], order["currency"]),
            default_address=str(shop.settings.get("return_address") or ""),
            done=translate(DONE[done]) if done in DONE else "", failed=failed or {},
            **return_context(shop))

    async def _act(self, request: Request, shop: Shop, runtime: Runtime, return_id: int,
                   name: str, values: dict[str, Any], work: Any) -> Response:
        try:
            await work()
        except DomainError as exc:
            translate = gettext_for(request)
            message = "; ".join(translate(e.message) for e in exc.errors) or translate(exc.detail)
            return await self._page(request, shop, runtime, return_id,
                                    status_code=422 if exc.kind == "invalid" else 409,
                                    failed={"form": name, "values": values, "error": message})
        return Redirect(f"/console/returns/{return_id}?done={name}", status_code=303)

    @post("/{return_id:int}/approve", name="console:return-approve")
    async def approve(self, request: Request, shop: Shop, runtime: Runtime,
                      return_id: int) -> Response:
        form = await request.form()
        address = str(form.get("return_address") or "").strip()[:500]

        async def work() -> None:
            if not address:
                raise ValidationFailed(N_("Give the address the parcel goes back to"))
            async with db.shop_scope(shop.id):
                await returns.advance(shop.id, return_id, expected=(returns.REQUESTED,),
                                      to=returns.APPROVED, actor=_actor(request),
                                      return_address=address, what="approved")

        return await self._act(request, shop, runtime, return_id, "approved",
                               {"return_address": address}, work)

    @post("/{return_id:int}/reject", name="console:return-reject")
    async def reject(self, request: Request, shop: Shop, runtime: Runtime,
                     return_id: int) -> Response:
        form = await request.form()
        reason = str(form.get("reason") or "").strip()[:500]

        async def work() -> None:
            if not reason:
                raise ValidationFailed(N_("Tell the shopper why"))
            async with db.shop_scope(shop.id):
                await returns.advance(shop.id, return_id, expected=(returns.REQUESTED,),
                                      to=returns.REJECTED, actor=_actor(request), note=reason,
                                      reject_reason=reason, what=f"rejected: {reason}")

        return await self._act(request, shop, runtime, return_id, "rejected",
                               {"reason": reason}, work)

    @post("/{return_id:int}/receive", name="console:return-receive")
    async def receive(self, request: Request, shop: Shop, runtime: Runtime,
                      return_id: int) -> Response:
        form = await request.form()
        lines = []
        for key in form:
            if key.startswith("qty-") and key[4:].isdigit():
                raw = str(form.get(key) or "0")
                lines.append({"variant_id": int(key[4:]),
                              "quantity": int(raw) if raw.isdigit() else -1,
                              "restock": form.get(f"restock-{key[4:]}") == "1"})

        async def work() -> None:
            async with db.shop_scope(shop.id):
                await returns.receive(shop.id, return_id, lines, actor=_actor(request))

        return await self._act(request, shop, runtime, return_id, "received", {}, work)

    @post("/{return_id:int}/refund", name="console:return-refund")
    async def refund(self, request: Request, shop: Shop, runtime: Runtime,
                     return_id: int) -> Response:
        form = await request.form()
        typed = str(form.get("amount") or "").strip()[:20]

        async def work() -> None:
            await return_outcomes.refund_return(shop, runtime.host, return_id,
                                                _fen(typed, shop.currency),
                                                actor=_actor(request))

        return await self._act(request, shop, runtime, return_id, "refunded",
                               {"amount": typed}, work)

    @post("/{return_id:int}/replacement", name="console:return-replacement")
    async def replacement(self, request: Request, shop: Shop, runtime: Runtime,
                          return_id: int) -> Response:
        form = await request.form()
        carrier = str(form.get("carrier") or "").strip()[:32]
        number = str(form.get("tracking_number") or "").strip()[:64]

        async def work() -> None:
            await return_outcomes.ship_replacement(shop.id, return_id, carrier=carrier,
                                                   tracking_number=number,
                                                   actor=_actor(request))

        return await self._act(request, shop, runtime, return_id, "replacement_shipped",
                               {"carrier": carrier, "tracking_number": number}, work)


returns_console_router = Router(
    path="/console", guards=[shop_host_only], route_handlers=[ReturnsPages],
    exception_handlers={LoginRequired: to_login}, include_in_schema=False)

__all__ = ["returns_console_router"]
