"""The plugin's HTTP routes, under `/plugins/shipping/` on shops that enabled it.

- `POST /kuaidi100/push` — Kuaidi100's tracking pushes. Not CSRF-protected (a carrier
  cannot hold a CSRF token); the signature `upper(md5(param + salt))` with the shop's salt
  is checked before anything in it is read. Answers Kuaidi100's JSON: success, or
  `result: false` with 400 (bad signature) / 404 (a waybill this shop never shipped), so
  that Kuaidi100 retries.
- `/templates`, `/local` — the console's editors (editor.py; signed-in staff only).
- `GET /quote` — the quote tester's JSON: every method's fee, delivery days or the reason
  it is not offered, for an address and hypothetical lines. Shows nothing the checkout
  would not show anyone.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from litestar import Request, Response, get, post

from galleria.kernel import (
    Address,
    FieldError,
    NotFound,
    PricedLine,
    Shop,
    ValidationFailed,
    plugin_settings,
    record_tracking_by_number,
    shop_scope,
)
from galleria_plugins.shipping.carriers.kuaidi100 import (
    PUSH_ANSWER,
    PushRejected,
    updates_from,
    verify_push,
)
from galleria_plugins.shipping.editor import EDITOR_ROUTES
from galleria_plugins.shipping.methods import PLUGIN, methods_for

log = logging.getLogger("galleria.plugins.shipping")
MAX_TEST_LINES = 20


def _refuse(status: int, message: str) -> Response:
    return Response({"result": False, "returnCode": str(status), "message": message},
                    status_code=status)


@post("/kuaidi100/push", opt={"exclude_from_csrf": True}, status_code=200,
      include_in_schema=False)
async def kuaidi100_push(request: Request, shop: Shop) -> Response:
    form = await request.form()
    param, sign = str(form.get("param") or ""), str(form.get("sign") or "")
    async with shop_scope(shop.id):
        salt = (await plugin_settings(shop.id, PLUGIN)).get("kuaidi100_salt") or ""
    try:
        last = verify_push(param, sign, salt)["lastResult"]
        updates = updates_from(last)
        await record_tracking_by_number(shop.id, str(last.get("nu") or ""), updates,
                                        source="push:kuaidi100")
    except PushRejected as exc:
        log.warning("shop %s: Kuaidi100 push refused: %s", shop.id, exc.detail)
        return _refuse(400, exc.detail)
    except NotFound as exc:
        return _refuse(404, exc.detail)
    return Response(PUSH_ANSWER, status_code=200)


def _lines(raw: str) -> list[PricedLine]:
    try:
        items = json.loads(raw or "[]")
    except ValueError as exc:
        raise ValidationFailed("items is not JSON", errors=[
            FieldError("items", "a JSON list of lines")]) from exc
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_TEST_LINES:
        raise ValidationFailed("Give 1 to 20 lines", errors=[FieldError("items", "1–20")])
    lines = []
    for i, item in enumerate(items):
        values = [item.get(k) if isinstance(item, dict) else None
                  for k in ("product_id", "quantity", "unit_price", "weight_grams")]
        if any(type(v) is not int or v < 0 for v in values) or values[1] < 1:
            raise ValidationFailed("Every line needs whole numbers", errors=[FieldError(
                f"items[{i}]", "product_id, quantity (1 or more), unit_price, weight_grams")])
        product, quantity, price, grams = values
        lines.append(PricedLine(variant_id=0, product_id=product, sku=f"#{product}",
                                name=f"#{product}", options={}, unit_price=price,
                                quantity=quantity, weight_grams=grams))
    return lines


@get("/quote", include_in_schema=False)
async def quote(shop: Shop, console: Any, province: str = "", city: str = "",
                district: str = "", items: str = "[]") -> dict[str, Any]:
    """`refused` in the request's language, as the checkout says it; `refused_code` the
    refusal's machine name."""
    lines = _lines(items)
    address = Address(name="", phone="", country="CN", province=province[:60],
                      city=city[:60], line1="", district=district[:60]) if province else None
    options = []
    for method in methods_for(shop):
        outcome = await method.explain(lines, address)
        if outcome.why is not None and outcome.why.reason_code == "not_configured":
            continue
        refused = outcome.why.text(console.locale) if outcome.why else outcome.refused
        options.append({"code": method.code, "name": method.name,
                        "fee": None if outcome.refused else outcome.fee,
                        "eta": list(outcome.eta_days) if outcome.eta_days else None,
                        "refused": refused or None,
                        "refused_code": outcome.why.reason_code if outcome.why else None,
                        "parts": list(outcome.parts)})
    return {"currency": shop.currency, "options": options}


ROUTES = [kuaidi100_push, quote, *EDITOR_ROUTES]

__all__ = ["ROUTES"]
