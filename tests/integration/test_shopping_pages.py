"""The storefront's shopping pages through the ASGI app, as a guest's browser uses them:
add to cart, the cart page, checkout (errors, shipping and discounts, placing), the payment
page and the order page with its access rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import httpx
import pytest

from galleria.kernel import (
    Adjustment,
    Conflict,
    PaymentAction,
    PaymentGateway,
    PaymentUpdate,
    PriceAdjuster,
    Quote,
    ShippingMethod,
    db,
    hookimpl,
)
from galleria.kernel.customers.addresses import add_address
from galleria.kernel.customers.tables import Customer
from galleria.kernel.fulfilment.contracts import TrackingUpdate
from galleria.kernel.fulfilment.service import record_tracking, ship
from galleria.kernel.inventory.service import adjust
from galleria.kernel.orders.service import transition
from galleria.kernel.payments.service import apply_update
from galleria.kernel.tenancy.shops import get_shop
from galleria.testing import enable_plugin, register_plugin

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
ATTEMPT_RE = re.compile(r'name="attempt" value="([^"]+)"')
ADDRESS = {"contact.name": "韩梅梅", "contact.phone": "13900139000",
           "contact.email": "meimei@example.com", "address.country": "CN",
           "address.province": "上海市", "address.city": "上海市", "address.district": "静安区",
           "address.line1": "南京西路 1 号"}


class Browser:
    """A visitor's browser on one shop host: its own cookies, HTML, one language."""

    def __init__(self, app, host: str, language: str) -> None:
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{host}",
            headers={"accept": "text/html,application/xhtml+xml", "accept-language": language})
        self.csrf = ""

    async def get(self, path: str, **kwargs) -> httpx.Response:
        response = await self.http.get(path, **kwargs)
        if found := CSRF_RE.search(response.text):
            self.csrf = found.group(1)
        return response

    async def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        if not self.csrf:
            await self.get("/cart")
        response = await self.http.post(path, data={"_csrf_token": self.csrf, **data})
        if found := CSRF_RE.search(response.text):
            self.csrf = found.group(1)
        return response


@pytest.fixture
async def browsers(app, client):
    opened: list[Browser] = []

    def make(host: str, language: str = "en-US,en;q=0.9") -> Browser:
        opened.append(Browser(app, host, language))
        return opened[-1]

    yield make
    for browser in opened:
        await browser.http.aclose()


async def stocked_shop(open_shop):
    """A shop selling tea (two sizes, the big one sold out) and a teapot; returns the shop
    and `{sku: (product_id, variant_id)}`."""
    shop = await open_shop()
    ids = {}
    for body in (
        {"name": "龙井茶", "variants": [
            {"sku": "LJ-50", "price": 3800, "stock": 5, "options": {"规格": "50g"}},
            {"sku": "LJ-250", "price": 16800, "stock": 0, "options": {"规格": "250g"}}]},
        {"name": "Teapot", "variants": [{"sku": "POT", "price": 9900, "stock": 2}]},
    ):
        created = await shop.post("/api/admin/v1/products", json=body)
        assert created.status_code == 201, created.text
        product = created.json()
        for variant in product["variants"]:
            ids[variant["sku"]] = (product["id"], variant["id"])
    return shop, ids


async def add(browser: Browser, ids, sku: str, quantity: int = 1) -> httpx.Response:
    product_id, variant_id = ids[sku]
    await browser.get(f"/products/{product_id}")
    return await browser.post("/cart/items", {"product_id": str(product_id),
                                              "variant_id": str(variant_id),
                                              "quantity": str(quantity)})


async def enable_offline(shop) -> None:
    answer = await shop.put("/api/admin/v1/plugins/payments_offline", json={
        "enabled": True, "settings": {"cash_on_delivery": True, "bank_transfer": True,
                                      "bank_instructions": "招商银行 6225 0000 1111"}})
    assert answer.status_code == 200, answer.text


async def checkout_form(browser: Browser, **values: str) -> dict[str, str]:
    page = await browser.get("/checkout")
    assert page.status_code == 200, page.text
    return {"attempt": ATTEMPT_RE.search(page.text).group(1), **ADDRESS, **values}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- cart --------------------------------------------------------------------------------------
async def test_add_to_cart_then_the_cart_lists_lines_and_subtotal(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    browser = browsers(shop.host)
    product = await browser.get(f"/products/{ids['LJ-50'][0]}")
    assert 'action="/cart/items"' in product.text and "Add to cart" in product.text

    added = await add(browser, ids, "LJ-50", 2)
    assert added.status_code == 303 and added.headers["location"].startswith("/cart")
    assert (await add(browser, ids, "POT")).status_code == 303
    cart = await browser.get("/cart")
    text = text_of(cart.text)
    assert cart.status_code == 200
    assert "龙井茶" in text and "50g" in text and "Teapot" in text
    assert "¥38.00" in text and "¥76.00" in text  # unit price, line total
    assert "¥175.00" in text  # subtotal: 2 × 38 + 99
    assert 'class="cart-count" data-cart-count>3<' in cart.text  # the header badge


async def test_sold_out_and_too_many_are_refused_with_the_reason(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    browser = browsers(shop.host, language="zh-CN")
    sold_out = await add(browser, ids, "LJ-250")
    assert sold_out.status_code == 409
    assert "抱歉，该商品已售罄。" in sold_out.text and "<h1" in sold_out.text  # product page
    too_many = await add(browser, ids, "POT", 3)
    assert too_many.status_code == 409 and "库存不足：仅剩 2 件。" in too_many.text
    cart = await browser.get("/cart")
    assert "购物车是空的" in cart.text


async def test_stepper_changes_quantity_and_refuses_beyond_stock(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    browser = browsers(shop.host)
    await add(browser, ids, "POT")
    variant = ids["POT"][1]
    more = await browser.post(f"/cart/items/{variant}", {"quantity": "1", "step": "1"})
    assert more.status_code == 303
    assert "¥198.00" in text_of((await browser.get("/cart")).text)
    beyond = await browser.post(f"/cart/items/{variant}", {"quantity": "2", "step": "1"})
    assert beyond.status_code == 409 and "only 2 left" in beyond.text
    removed = await browser.post(f"/cart/items/{variant}/remove", {})
    assert removed.status_code == 303
    assert "Your cart is empty" in (await browser.get("/cart")).text


async def test_a_typed_quantity_sent_with_enter_sets_it_and_beyond_stock_says_what_is_left(
        browsers, open_shop):
    """Enter in a form (the phone keyboard's 前往) presses its first submit button: that
    button must set the typed quantity, not step it down by one."""
    shop, ids = await stocked_shop(open_shop)
    browser = browsers(shop.host, language="zh-CN")
    await add(browser, ids, "LJ-50")
    variant = ids["LJ-50"][1]
    cart = await browser.get("/cart")
    form = re.search(rf'<form[^>]*action="/cart/items/{variant}"[^>]*>(.*?)</form>',
                     cart.text, re.S)
    assert "novalidate" in form.group(0)  # the server, not the browser, names the stock
    default = re.search(r'<button[^>]*type="submit"[^>]*>', form.group(1)).group(0)
    step = re.search(r'name="step" value="(-?\d+)"', default).group(1)
    assert step == "0"
    typed = await browser.post(f"/cart/items/{variant}", {"quantity": "3", "step": step})
    assert typed.status_code == 303
    assert 'value="3"' in (await browser.get("/cart")).text
    beyond = await browser.post(f"/cart/items/{variant}", {"quantity": "9", "step": step})
    assert beyond.status_code == 409 and "库存不足：仅剩 5 件。" in beyond.text


# -- checkout ----------------------------------------------------------------------------------
async def test_checkout_shows_field_errors_inline_and_keeps_the_values(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    browser = browsers(shop.host)
    await add(browser, ids, "POT")
    form = await checkout_form(browser)
    form.update({"address.province": "", "address.line1": "", "contact.phone": "12",
                 "action": "place"})
    answer = await browser.post("/checkout", form)
    assert answer.status_code == 422
    assert 'id="f-address-province-error"' in answer.text
    assert 'id="f-address-line1-error"' in answer.text
    assert 'id="f-contact-phone-error"' in answer.text and "6–20 digits" in answer.text
    assert 'value="韩梅梅"' in answer.text  # what was typed stays
    admin = await shop.get("/api/admin/v1/orders")
    assert admin.json()["items"] == []


async def test_checkout_without_a_cart_goes_to_the_cart(browsers, open_shop):
    shop, _ = await stocked_shop(open_shop)
    answer = await browsers(shop.host).get("/checkout")
    assert answer.status_code == 303 and answer.headers["location"] == "/cart"


class FlatRate(ShippingMethod):
    code, name = "flat", "Flat rate"

    async def quote(self, shop, lines, address):
        if address is not None and address.province == "西藏自治区":
            return Quote(fee=2500, eta_days=(5, 9))
        return Quote(fee=800, eta_days=(1, 3))


class TenOff(PriceAdjuster):
    order, code = 100, "coupon"

    async def adjust(self, context):
        if context.coupon_code == "USED":
            raise Conflict("This coupon has been used up")
        return [Adjustment("coupon", -1000, "¥10 off")] if context.coupon_code == "TEN" else []


class Shipping:
    @hookimpl
    def galleria_shipping_methods(self, shop):
        return [FlatRate()]

    @hookimpl
    def galleria_price_adjusters(self, shop):
        return [TenOff()]


async def test_shipping_options_fees_and_discounts_come_from_the_server(
        browsers, open_shop, plugin_host):
    shop, ids = await stocked_shop(open_shop)
    tenant = (await get_shop(shop.slug)).id
    with register_plugin(plugin_host, Shipping, "test_shipping_pages"):
        await enable_plugin(tenant, plugin_host, "test_shipping_pages")
        browser = browsers(shop.host)
        await add(browser, ids, "POT")
        page = await browser.get("/checkout")
        text = text_of(page.text)
        assert "Flat rate" in text and "1–3 days" in text and "¥8.00" in text
        assert "¥107.00" in text  # 99 + 8

        form = await checkout_form(browser, coupon_code="TEN", action="update")
        used = await browser.post("/checkout", {**form, "coupon_code": "USED"})
        assert 'id="f-coupon_code-error"' in used.text and "used up" in used.text
        assert "¥107.00" in text_of(used.text)  # priced without it

        form["address.province"] = "西藏自治区"
        updated = text_of((await browser.post("/checkout", form)).text)
        assert "5–9 days" in updated and "¥25.00" in updated and "¥10 off" in updated
        assert "¥114.00" in updated  # 99 + 25 − 10

        form.update(action="place", shipping_method="flat")  # the radio checked on the page
        placed = await browser.post("/checkout", form)
        assert placed.status_code == 303, placed.text
        number = placed.headers["location"].split("/")[2]
        order = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
        assert (order["shipping_method"], order["shipping_fee"], order["total"]) == (
            "flat", 2500, 11400)
        mine = await browser.get(placed.headers["location"])  # the shopper's order page
        assert re.search(r"data-shipping-method>.*?Flat rate</p>", mine.text)


async def test_placing_goes_to_the_payment_page_once_per_attempt(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    await enable_offline(shop)
    browser = browsers(shop.host)
    await add(browser, ids, "LJ-50", 2)
    await add(browser, ids, "POT")
    form = await checkout_form(browser, payment_method="bank_transfer", action="place",
                               **{"invoice.title": "上海某某有限公司",
                                  "invoice.tax_id": "91310000MA1K000000"})
    placed = await browser.post("/checkout", form)
    assert placed.status_code == 303, placed.text
    location = placed.headers["location"]
    assert re.fullmatch(r"/orders/\d{12}/pay", location)
    number = location.split("/")[2]
    again = await browser.post("/checkout", form)  # sent again: the same order
    assert again.status_code == 303 and again.headers["location"] == location
    orders = (await shop.get("/api/admin/v1/orders")).json()["items"]
    assert [o["number"] for o in orders] == [number]

    pay = await browser.get(location)
    assert pay.status_code == 200
    assert "招商银行 6225 0000 1111" in pay.text and number in pay.text
    assert f'data-status-url="/orders/{number}/status"' in pay.text
    status = await browser.http.get(f"/orders/{number}/status",
                                    headers={"accept": "application/json"})
    assert status.json() == {"number": number, "status": "pending_payment", "paid": False}

    order = await browser.get(f"/orders/{number}")
    text = text_of(order.text)
    assert order.status_code == 200
    assert "龙井茶" in text and "Teapot" in text and "¥175.00" in text
    assert "Pending payment" in text and "上海某某有限公司" in text
    assert 'href="/orders/' + number + '/pay"' in order.text
    assert (await browser.get("/cart")).text.count("data-cart-count") == 0


async def test_cash_on_delivery_goes_straight_to_the_order_page(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    await enable_offline(shop)
    browser = browsers(shop.host, language="zh-CN")
    await add(browser, ids, "POT")
    placed = await browser.post("/checkout", await checkout_form(
        browser, payment_method="cod", action="place"))
    assert placed.status_code == 303
    assert re.fullmatch(r"/orders/\d{12}\?placed=1", placed.headers["location"])
    order = await browser.get(placed.headers["location"])
    # Nothing to pay now: 货到付款 · 待发货, not 待付款.
    assert "货到付款 · 待发货" in order.text and "Teapot" in order.text
    assert "待付款" not in order.text


async def test_a_mainland_address_needs_a_mobile_number(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    await enable_offline(shop)
    browser = browsers(shop.host, language="zh-CN")
    await add(browser, ids, "POT")
    refused = await browser.post("/checkout", await checkout_form(
        browser, payment_method="cod", action="place", **{"address.phone": "0571-8888888"}))
    assert refused.status_code == 422
    assert 'id="f-address-phone-error"' in refused.text
    assert "请输入 11 位手机号，例如 13800138000" in refused.text
    placed = await browser.post("/checkout", await checkout_form(
        browser, payment_method="cod", action="place", **{"address.phone": "+86 139-0013-9000"}))
    assert placed.status_code == 303, placed.text


async def test_stock_that_ran_out_is_named_at_checkout(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    browser = browsers(shop.host)
    await add(browser, ids, "POT", 2)
    form = await checkout_form(browser, action="place")
    tenant = (await get_shop(shop.slug)).id
    async with db.shop_scope(tenant):
        await adjust(tenant, ids["POT"][1], 1, reason="broken in the store")
    answer = await browser.post("/checkout", form)
    assert answer.status_code == 409
    assert "ran out" in answer.text and "POT" in text_of(answer.text)


# -- who sees an order -------------------------------------------------------------------------
async def test_order_page_needs_the_token_and_stays_in_its_shop(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    buyer = browsers(shop.host)
    await add(buyer, ids, "POT")
    placed = await buyer.post("/checkout", await checkout_form(buyer, action="place"))
    number = re.search(r"/orders/(\d+)", placed.headers["location"]).group(1)
    page = await buyer.get(f"/orders/{number}")
    assert page.status_code == 200
    token = re.search(r"access_token=([\w-]+)", page.text).group(1)

    stranger = browsers(shop.host)
    hidden = await stranger.get(f"/orders/{number}")
    assert hidden.status_code == 404 and "error-code" in hidden.text
    assert (await stranger.get(f"/orders/{number}?access_token=wrong")).status_code == 404
    assert (await stranger.get(f"/orders/{number}/pay")).status_code == 404
    bookmarked = await stranger.get(f"/orders/{number}?access_token={token}")
    assert bookmarked.status_code == 200 and "Teapot" in bookmarked.text
    assert (await stranger.get(f"/orders/{number}")).status_code == 200  # kept in session

    other_shop, _ = await stocked_shop(open_shop)
    elsewhere = browsers(other_shop.host)
    assert (await elsewhere.get(f"/orders/{number}?access_token={token}")).status_code == 404


# -- a signed-in shopper -----------------------------------------------------------------------
async def test_signed_in_shopper_checks_out_from_the_address_book(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    tenant = (await get_shop(shop.slug)).id
    shopper = browsers(shop.host)
    await shopper.get("/account/register")
    registered = await shopper.post("/account/register", {
        "name": "李雷", "email": "lilei@example.com", "phone": "",
        "password": "Correct-Horse-9"})
    assert registered.status_code == 303, registered.text
    async with db.shop_scope(tenant):
        customer_id = (await Customer.select(Customer.id).where(
            (Customer.tenant == tenant) & (Customer.email == "lilei@example.com")).first())["id"]
    home = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "北京市",
            "city": "北京市", "line1": "长安街 1 号"}
    office = {**home, "city": "天津市", "province": "天津市", "line1": "南京路 8 号"}
    await add_address(tenant, customer_id, home)
    second = await add_address(tenant, customer_id, office)

    await add(shopper, ids, "POT")
    page = await shopper.get("/checkout")
    assert 'value="长安街 1 号"' in page.text and 'value="lilei@example.com"' in page.text
    other = await shopper.get(f"/checkout?address={second['id']}")
    assert 'value="南京路 8 号"' in other.text
    chosen = dict(re.findall(r'name="(address\.\w+)" data-region-select="\w+"[^>]*>.*?'
                             r'<option value="([^"]+)"[^>]*selected>', other.text, re.S))
    assert chosen == {"address.province": "天津市", "address.city": "天津市"}  # one tap
    form = {"attempt": ATTEMPT_RE.search(other.text).group(1), "action": "place",
            **{name: value for name, value in re.findall(
                r'name="((?:contact|address)\.\w+)"[^>]*value="([^"]*)"', other.text)},
            **chosen, "address.country": "CN"}
    placed = await shopper.post("/checkout", form)
    assert placed.status_code == 303, text_of(placed.text)[:2000]
    number = re.search(r"/orders/(\d+)", placed.headers["location"]).group(1)
    order = (await shop.get(f"/api/admin/v1/orders/{number}")).json()
    assert order["customer_id"] == customer_id and order["address"]["city"] == "天津市"

    # On another device the account opens its order without the link's token.
    laptop = browsers(shop.host)
    assert (await laptop.get(f"/orders/{number}")).status_code == 404
    await laptop.get("/account/sign-in")
    signed_in = await laptop.post("/account/sign-in", {
        "login": "lilei@example.com", "password": "Correct-Horse-9", "next": "/"})
    assert signed_in.status_code == 303, signed_in.text
    mine = await laptop.get(f"/orders/{number}")
    assert mine.status_code == 200 and "南京路 8 号" in mine.text
    assert "access_token=" not in mine.text  # no guest link to hand out


# -- online payment ----------------------------------------------------------------------------
class QrGateway(PaymentGateway):
    """A gateway answering with a QR code (WeChat Pay's Native flow), or with a link to pay
    at when the shopper asks for the `page` scene."""

    code, name, offline, pays_on_delivery, partial_refunds = "qrpay", "QR Pay", False, False, True

    async def start_payment(self, request):
        if request.scene == "page":
            return PaymentAction("redirect", {"url": f"https://pay.example/{request.reference}"})
        return PaymentAction("qr_code", {"qr_code": f"weixin://wxpay/{request.reference}"})


class QrPayments:
    @hookimpl
    def galleria_payment_gateways(self, shop):
        return [QrGateway()]


async def test_payment_page_draws_the_qr_code_and_follows_the_order(
        browsers, open_shop, plugin_host):
    shop, ids = await stocked_shop(open_shop)
    tenant = await get_shop(shop.slug)
    with register_plugin(plugin_host, QrPayments, "test_qr_payments"):
        await enable_plugin(tenant.id, plugin_host, "test_qr_payments")
        browser = browsers(shop.host)
        await add(browser, ids, "POT")
        placed = await browser.post("/checkout", await checkout_form(
            browser, payment_method="qrpay", action="place"))
        pay_url = placed.headers["location"]
        number = pay_url.split("/")[2]
        pay = await browser.get(pay_url)
        assert pay.status_code == 200
        assert 'src="data:image/svg+xml' in pay.text and "data-pay-qr" in pay.text
        assert (await browser.get(pay_url)).status_code == 200  # a reload…
        started = (await shop.get(f"/api/admin/v1/orders/{number}/payments")).json()
        assert len(started["payments"]) == 1  # …shows the same payment again
        link = await browser.get(pay_url + "?scene=page")
        assert 'href="https://pay.example/' + number in link.text

        await apply_update(tenant, plugin_host, PaymentUpdate(
            f"{number}_01", "paid", amount=9900, currency="CNY"), actor="gateway:qrpay")
        status = await browser.http.get(f"/orders/{number}/status")
        assert status.json()["paid"] is True and status.json()["status"] != "pending_payment"
        done = await browser.get(pay_url)  # a paid order has nothing left to pay
        assert done.status_code == 303 and done.headers["location"] == f"/orders/{number}"


async def test_order_page_shows_history_and_tracking(browsers, open_shop, plugin_host):
    shop, ids = await stocked_shop(open_shop)
    tenant = await get_shop(shop.slug)
    browser = browsers(shop.host, language="zh-CN")
    await add(browser, ids, "POT")
    placed = await browser.post("/checkout", await checkout_form(browser, action="place"))
    number = re.search(r"/orders/(\d+)", placed.headers["location"]).group(1)
    for status in ("approved", "fulfilling"):
        await transition(tenant.id, number, status, actor="test")
    shipment = await ship(tenant, plugin_host, number, actor="test", carrier="顺丰速运",
                          tracking_number="SF1234567890")
    await record_tracking(tenant.id, shipment["id"], [TrackingUpdate(
        "in_transit", dt.datetime.now(dt.UTC), description="快件已到达上海转运中心",
        location="上海")], source="test")
    page = text_of((await browser.get(f"/orders/{number}")).text)
    assert "已发货" in page  # the status, in GLOSSARY's Chinese
    assert "顺丰速运" in page and "SF1234567890" in page and "快件已到达上海转运中心" in page
    assert "运输中" in page and "in_transit" not in page  # the scan's status, translated
    assert page.index("已发货") < page.index("已下单")  # the history, newest first
    assert "已审核" not in page and "配货中" not in page  # the shop's internal steps


@pytest.mark.concurrency
async def test_a_double_click_places_one_order(browsers, open_shop):
    shop, ids = await stocked_shop(open_shop)
    browser = browsers(shop.host)
    await add(browser, ids, "POT")
    form = await checkout_form(browser, action="place")
    form["_csrf_token"] = browser.csrf
    first, second = await asyncio.gather(browser.http.post("/checkout", data=form),
                                         browser.http.post("/checkout", data=form))
    assert (first.status_code, second.status_code) == (303, 303), (first.text, second.text)
    assert first.headers["location"] == second.headers["location"]
    orders = (await shop.get("/api/admin/v1/orders")).json()["items"]
    assert [f"/orders/{o['number']}?placed=1" for o in orders] == [first.headers["location"]]


@pytest.mark.concurrency
async def test_one_cart_checked_out_from_two_tabs_places_one_order(browsers, open_shop):
    """Two renderings of the checkout (two attempts) sent at once: one order, and both
    answers take the shopper to it (the second with the order's key in the session)."""
    shop, ids = await stocked_shop(open_shop)
    browser = browsers(shop.host)
    await add(browser, ids, "POT")
    tabs = [await checkout_form(browser, action="place") for _ in range(2)]
    assert tabs[0]["attempt"] != tabs[1]["attempt"]
    for form in tabs:
        form["_csrf_token"] = browser.csrf
    first, second = await asyncio.gather(*(browser.http.post("/checkout", data=form)
                                           for form in tabs))
    assert (first.status_code, second.status_code) == (303, 303), (first.text, second.text)
    assert first.headers["location"] == second.headers["location"]
    orders = (await shop.get("/api/admin/v1/orders")).json()["items"]
    assert [f"/orders/{o['number']}?placed=1" for o in orders] == [first.headers["location"]]
    page = await browser.get(first.headers["location"])
    assert page.status_code == 200 and orders[0]["number"] in page.text
