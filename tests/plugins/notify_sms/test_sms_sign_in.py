"""Codes by SMS end to end, through the notify_sms plugin and the Aliyun simulator: a
shopper's phone verified with a texted code, and signing in with a texted code (验证码登录)
— rate-limited, the same answer for known and unknown numbers, five minutes, five tries,
an account opened for a new number where the shop allows it, one shop's code useless in
another."""

from __future__ import annotations

import datetime as dt
import itertools

from sms_helpers import simulator_fixture, sms_settings  # noqa: F401 - the fixture

from galleria.kernel import db
from galleria.kernel.customers.tables import Customer, SignInCode
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing import run_outbox

_numbers = itertools.count(13_700_000_000 + dt.datetime.now().microsecond * 100)


def _phone() -> str:
    return str(next(_numbers))


async def _sms_shop(open_shop, simulator, **settings):
    shop = await open_shop(plugins={"notify_sms": sms_settings(simulator)})
    tenant_id = (await shop.shop()).id
    if settings:
        await Tenant.update({Tenant.settings: settings}).where(Tenant.id == tenant_id)
    return shop, tenant_id


def _code(simulator, phone: str) -> str:
    return simulator.to(phone)[-1].params["code"]


async def _ask(shop, phone, **headers):
    return await shop.client.post("/api/v1/account/sms-code", json={"phone": phone},
                                  headers={"host": shop.host, **headers})


async def _sign_in(shop, phone, code, **headers):
    return await shop.client.post("/api/v1/account/sign-in/sms",
                                  json={"phone": phone, "code": code},
                                  headers={"host": shop.host, **headers})


async def test_a_shoppers_phone_is_verified_with_a_texted_code(open_shop, runtime, simulator):
    shop, _ = await _sms_shop(open_shop, simulator)
    phone = _phone()
    made = await shop.post("/api/v1/account/register", admin=False, json={
        "password": "Correct-Horse-9", "phone": f"+86 {phone}", "name": "韩梅梅"})
    me = {"host": shop.host, "authorization": f"Bearer {made.json()['token']}"}
    asked = await shop.client.post("/api/v1/account/verification", json={"channel": "phone"},
                                   headers=me)
    assert asked.status_code == 202, asked.text
    await run_outbox(runtime.host)
    [sms] = simulator.to(phone)  # Aliyun got 11 digits, the code template, the code alone
    assert sms.template_code == "SMS_1" and sms.params.keys() == {"code"}
    assert sms.text.startswith("【茶小铺】您的验证码为")
    done = await shop.client.post("/api/v1/account/verification/confirm", headers=me,
                                  json={"channel": "phone", "code": sms.params["code"]})
    assert done.status_code == 200 and done.json()["phone_verified"] is True


async def test_signing_in_with_a_texted_code_opens_then_reuses_the_account(
        open_shop, runtime, simulator):
    shop, tenant_id = await _sms_shop(open_shop, simulator)
    phone = _phone()
    asked = await _ask(shop, f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}")
    assert asked.status_code == 202, asked.text
    assert asked.json() == {"detail": "A sign-in code is on its way by SMS.", "phone": phone,
                            "expires_in": 300, "resend_after": 60}
    await run_outbox(runtime.host)
    code = _code(simulator, phone)
    wrong = await _sign_in(shop, phone, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 422 and "4 tries left" in wrong.json()["detail"]
    first = await _sign_in(shop, phone, code, **{"idempotency-key": "sms-1"})
    assert first.status_code == 201, first.text  # a new account for a new number
    assert first.json()["customer"]["phone"] == phone
    assert first.json()["customer"]["phone_verified"] is True
    token = first.json()["token"]
    profile = await shop.client.get("/api/v1/account", headers={
        "host": shop.host, "authorization": f"Bearer {token}"})
    assert profile.status_code == 200 and profile.json()["phone"] == phone
    # A retry of the same request (same key, body) answers the first response again.
    again = await _sign_in(shop, phone, code, **{"idempotency-key": "sms-1"})
    assert again.status_code == 201 and again.json()["token"] == token
    # Without the key, the code is spent.
    spent = await _sign_in(shop, phone, code)
    assert spent.status_code == 422

    # Next time (a minute later, as Aliyun and the shop allow) the same account, 200.
    async with db.shop_scope(tenant_id):
        await SignInCode.update({SignInCode.created_at: SignInCode.created_at
                                 - dt.timedelta(minutes=2)}).where(
            (SignInCode.tenant == tenant_id) & (SignInCode.phone == phone))
    simulator.sent.clear()
    assert (await _ask(shop, phone)).status_code == 202
    await run_outbox(runtime.host)
    second = await _sign_in(shop, phone, _code(simulator, phone))
    assert second.status_code == 200
    assert second.json()["customer"]["id"] == first.json()["customer"]["id"]
    async with db.shop_scope(tenant_id):
        assert await Customer.count().where(
            (Customer.tenant == tenant_id) & (Customer.phone == phone)) == 1


async def test_an_existing_account_signs_in_and_the_answer_does_not_tell_who_has_one(
        open_shop, runtime, simulator):
    shop, _ = await _sms_shop(open_shop, simulator)
    known, unknown = _phone(), _phone()
    made = await shop.post("/api/v1/account/register", admin=False, json={
        "password": "Correct-Horse-9", "phone": f"+86{known}", "name": "李雷"})
    answers = [await _ask(shop, known), await _ask(shop, unknown)]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["detail"] == answers[1].json()["detail"]
    await run_outbox(runtime.host)
    signed = await _sign_in(shop, known, _code(simulator, known))
    assert signed.status_code == 200  # the account registered as +86…, found by its number
    assert signed.json()["customer"]["id"] == made.json()["customer"]["id"]


async def test_codes_are_limited_per_number_expire_and_allow_five_tries(
        open_shop, runtime, simulator):
    shop, tenant_id = await _sms_shop(open_shop, simulator)
    phone = _phone()
    assert (await _ask(shop, phone)).status_code == 202
    soon = await _ask(shop, phone)
    assert soon.status_code == 429 and "Retry-After" in soon.headers
    assert "ask again in" in soon.json()["detail"]
    await run_outbox(runtime.host)
    assert len(simulator.to(phone)) == 1  # the refused request sent nothing
    code = _code(simulator, phone)
    tries = [(await _sign_in(shop, phone, "999999")).json()["detail"] for _ in range(5)]
    assert tries[-1] == "Wrong code; 0 tries left", tries
    locked = await _sign_in(shop, phone, code)
    assert locked.status_code == 422 and "new one" in locked.json()["detail"]

    other = _phone()
    await _ask(shop, other)
    await run_outbox(runtime.host)
    async with db.shop_scope(tenant_id):  # five minutes pass
        await SignInCode.update({SignInCode.expires_at: dt.datetime.now(dt.UTC)
                                 - dt.timedelta(seconds=1)}).where(
            (SignInCode.tenant == tenant_id) & (SignInCode.phone == other))
    expired = await _sign_in(shop, other, _code(simulator, other))
    assert expired.status_code == 422 and "expired" in expired.json()["detail"]

    bad = await _ask(shop, "+1 415 555 0100")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"


async def test_one_shops_code_does_not_sign_in_at_another(open_shop, runtime, simulator):
    first, _ = await _sms_shop(open_shop, simulator)
    second, _ = await _sms_shop(open_shop, simulator)
    phone = _phone()
    await _ask(first, phone)
    await run_outbox(runtime.host)
    elsewhere = await _sign_in(second, phone, _code(simulator, phone))
    assert elsewhere.status_code == 422
    here = await _sign_in(first, phone, _code(simulator, phone))
    assert here.status_code == 201


async def test_closed_signup_texts_no_stranger_and_a_shop_without_sms_says_so(
        open_shop, runtime, simulator):
    shop, _ = await _sms_shop(open_shop, simulator, shopper_signup=False)
    stranger = _phone()
    asked = await _ask(shop, stranger)
    assert asked.status_code == 202  # the same answer…
    await run_outbox(runtime.host)
    assert simulator.to(stranger) == []  # …but no message, and no way in
    refused = await _sign_in(shop, stranger, "123456")
    assert refused.status_code == 422

    plain = await open_shop()
    assert (await _ask(plain, _phone())).status_code == 409
    assert (await _sign_in(plain, _phone(), "123456")).status_code == 409


async def test_the_storefront_offers_code_sign_in_next_to_the_password_in_chinese(
        open_shop, runtime, simulator, app):
    import re

    import httpx

    shop, _ = await _sms_shop(open_shop, simulator)
    plain = await open_shop()
    csrf = re.compile(r'name="_csrf_token" value="([^"]+)"')
    phone = _phone()

    def browser(host):
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{host}",
                                 headers={"accept-language": "zh-CN"})

    async with browser(plain.host) as visitor:
        page = await visitor.get("/account/sign-in")
        assert page.status_code == 200 and "验证码登录" not in page.text
        away = await visitor.get("/account/sign-in/sms")
        assert away.status_code == 303  # no SMS channel: back to the password form
    async with browser(shop.host) as visitor:
        page = await visitor.get("/account/sign-in?next=/account")
        assert 'href="/account/sign-in/sms?next=/account"' in page.text
        form = await visitor.get("/account/sign-in/sms?next=/account")
        assert "获取验证码" in form.text and "新用户验证后将自动注册" in form.text
        token = csrf.search(form.text).group(1)
        bad = await visitor.post("/account/sign-in/sms/send", data={
            "_csrf_token": token, "phone": "12345", "next": "/account"})
        assert bad.status_code == 422 and "请输入中国大陆手机号" in bad.text
        sent = await visitor.post("/account/sign-in/sms/send", data={
            "_csrf_token": token, "phone": phone, "next": "/account"})
        assert sent.status_code == 200
        assert f"验证码已发送至 {phone[:3]}****{phone[-4:]}，5 分钟内有效" in sent.text
        again = await visitor.post("/account/sign-in/sms/send", data={
            "_csrf_token": token, "phone": phone, "next": "/account"})
        assert again.status_code == 429 and "秒后可重新获取" in again.text
        await run_outbox(runtime.host)
        wrong = await visitor.post("/account/sign-in/sms", data={
            "_csrf_token": token, "phone": phone, "code": "12345x", "next": "/account"})
        assert wrong.status_code == 422 and "验证码错误或已过期" in wrong.text
        assert f'value="{phone}"' in wrong.text  # the number stays typed in
        done = await visitor.post("/account/sign-in/sms", data={
            "_csrf_token": token, "phone": phone, "code": _code(simulator, phone),
            "next": "/account"})
        assert done.status_code == 303 and done.headers["location"] == "/account"
        home = await visitor.get("/account")
        assert home.status_code == 200 and phone in home.text


async def test_order_progress_reaches_the_shopper_and_the_shop_by_sms(open_shop, runtime,
                                                                      simulator):
    shopper, merchant = _phone(), _phone()
    shop, _ = await _sms_shop(open_shop, simulator, notification_phone=f"+86 {merchant}")
    created = await shop.post("/api/admin/v1/products", json={"name": "龙井", "variants": [
        {"sku": f"TEA-{shopper}", "price": 2800, "stock": 5}]})
    cart = (await shop.post("/api/v1/carts", admin=False)).json()["id"]
    await shop.post(f"/api/v1/carts/{cart}/items", admin=False, json={
        "variant_id": created.json()["variants"][0]["id"], "quantity": 2})
    placed = await shop.post("/api/v1/orders", admin=False, json={
        "cart_id": cart, "contact": {"name": "李雷", "phone": f"+86 {shopper}"},
        "address": {"name": "李雷", "phone": shopper, "country": "CN", "province": "浙江省",
                    "city": "杭州市", "district": "西湖区", "line1": "文三路 90 号"},
        "payment_method": "wechat_pay"})
    assert placed.status_code == 201, placed.text
    number = placed.json()["number"]
    await run_outbox(runtime.host)
    [to_shopper] = simulator.to(shopper)
    [to_shop] = simulator.to(merchant)
    for sms in (to_shopper, to_shop):
        assert sms.template_code == "SMS_2"
        assert sms.params == {"number": number, "status": "已下单"}
    assert to_shopper.text == f"【茶小铺】您的订单{number}已下单。"
