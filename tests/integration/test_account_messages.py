"""Account messages through the shop's channels: a verification code that proves an email
(once, within its tries) and a password-reset link that works, both by real mail."""

from __future__ import annotations

import re

from test_notifications import FlakySms, _shop, smtp  # noqa: F401 - the fixture

from galleria.testing import enable_plugin, register_plugin, run_outbox


async def _register(shop, **who):
    answer = await shop.post("/api/v1/account/register", admin=False, json={
        "password": "Correct-Horse-9", "name": "Han Meimei", **who})
    assert answer.status_code == 201, answer.text
    return {"authorization": f"Bearer {answer.json()['token']}"}


async def _post(shop, path, bearer, **body):
    return await shop.client.post(path, json=body, headers={"host": shop.host, **bearer})


def _code(mail) -> str:
    # "code for Shop shop-64-632308 is 042042": not the six digits a slug may end in
    return re.search(r"\bis (\d{6})\b", mail.get_body(("plain",)).get_content()).group(1)


async def test_an_emailed_code_verifies_the_email_once_and_guessing_is_cut_off(
        open_shop, runtime, smtp):  # noqa: F811
    shop, _ = await _shop(open_shop, runtime, smtp, locale="en")
    me = await _register(shop, email="meimei@example.com")
    asked = await _post(shop, "/api/v1/account/verification", me, channel="email")
    assert asked.status_code == 202, asked.text
    await run_outbox(runtime.host)
    [mail] = smtp.to("meimei@example.com")
    code = _code(mail)
    assert code in mail["Subject"]
    wrong = await _post(shop, "/api/v1/account/verification/confirm", me, channel="email",
                        code="000000" if code != "000000" else "111111")
    assert wrong.status_code == 422 and "4 tries left" in wrong.json()["detail"]
    right = await _post(shop, "/api/v1/account/verification/confirm", me, channel="email",
                        code=code)
    assert right.status_code == 200 and right.json()["email_verified"] is True
    again = await _post(shop, "/api/v1/account/verification/confirm", me, channel="email",
                        code=code)
    assert again.status_code == 422  # used
    verified = await _post(shop, "/api/v1/account/verification", me, channel="email")
    assert verified.status_code == 409

    other = await _register(shop, email="lilei@example.com")
    await _post(shop, "/api/v1/account/verification", other, channel="email")
    await run_outbox(runtime.host)
    guesses = [(await _post(shop, "/api/v1/account/verification/confirm", other,
                            channel="email", code="999999")).json()["detail"]
               for _ in range(5)]
    assert guesses[-1].endswith("0 tries left"), guesses
    real = _code(smtp.to("lilei@example.com")[0])
    locked = await _post(shop, "/api/v1/account/verification/confirm", other,
                         channel="email", code=real)
    assert locked.status_code == 422 and "new one" in locked.json()["detail"]


async def test_a_phone_code_goes_by_sms_and_a_shop_without_sms_says_so(open_shop, runtime,
                                                                       smtp):  # noqa: F811
    shop, tenant_id = await _shop(open_shop, runtime, smtp)
    me = await _register(shop, phone="13800138000")
    refused = await _post(shop, "/api/v1/account/verification", me, channel="phone")
    assert refused.status_code == 409 and "cannot send codes by phone" in refused.text
    with register_plugin(runtime.host, FlakySms(), "account_sms") as sms:
        await enable_plugin(tenant_id, runtime.host, "account_sms")
        asked = await _post(shop, "/api/v1/account/verification", me, channel="phone")
        assert asked.status_code == 202
        await run_outbox(runtime.host)
        [message] = sms.sent
        assert message.recipient == "13800138000"
        code = re.search(r"验证码是 (\d{6})", message.text).group(1)  # not the slug's digits
        assert "验证码" in message.text  # the shop speaks Chinese
        done = await _post(shop, "/api/v1/account/verification/confirm", me,
                           channel="phone", code=code)
        assert done.json()["phone_verified"] is True


async def test_a_reset_link_arrives_by_mail_and_sets_a_new_password(open_shop, runtime,
                                                                   smtp):  # noqa: F811
    shop, _ = await _shop(open_shop, runtime, smtp, locale="en")
    await _register(shop, email="meimei@example.com")
    asked = await shop.post("/api/v1/account/password-reset", admin=False,
                            json={"login": "meimei@example.com"})
    assert asked.status_code == 202
    await run_outbox(runtime.host)
    [mail] = smtp.to("meimei@example.com")
    link = re.search(r"(http\S+/account/reset\?token=(\S+))",
                     mail.get_body(("plain",)).get_content())
    assert link.group(1).startswith(f"http://{shop.host}/account/reset")
    reset = await shop.post("/api/v1/account/password-reset/confirm", admin=False,
                            json={"token": link.group(2), "password": "Another-Horse-77"})
    assert reset.status_code == 204, reset.text
    signed = await shop.post("/api/v1/account/sign-in", admin=False, json={
        "login": "meimei@example.com", "password": "Another-Horse-77"})
    assert signed.status_code == 200
    assert "Another-Horse" not in mail.as_string().replace(link.group(2), "")


async def test_the_account_page_verifies_the_email_with_the_mailed_code(
        open_shop, runtime, smtp, app):  # noqa: F811
    import httpx

    shop, _ = await _shop(open_shop, runtime, smtp, locale="en")
    csrf = re.compile(r'name="_csrf_token" value="([^"]+)"')
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{shop.host}",
                                 headers={"accept-language": "en"}) as browser:
        form = await browser.get("/account/register")
        token = csrf.search(form.text).group(1)
        made = await browser.post("/account/register", data={
            "_csrf_token": token, "email": "page@example.com", "password": "Correct-Horse-9",
            "name": "Page"})
        assert made.status_code == 303, made.text
        home = await browser.get("/account")
        assert 'href="/account/verify?channel=email"' in home.text
        page = await browser.get("/account/verify?channel=email")
        sent = await browser.post("/account/verify/send", data={
            "_csrf_token": csrf.search(page.text).group(1), "channel": "email"})
        assert sent.status_code == 303
        await run_outbox(runtime.host)
        code = _code(smtp.to("page@example.com")[0])
        page = await browser.get(sent.headers["location"])
        assert "We sent a six-digit code to page@example.com" in page.text
        wrong = await browser.post("/account/verify", data={
            "_csrf_token": csrf.search(page.text).group(1), "channel": "email",
            "code": "12345x"})
        assert wrong.status_code == 422 and "wrong or has expired" in wrong.text
        done = await browser.post("/account/verify", data={
            "_csrf_token": csrf.search(page.text).group(1), "channel": "email", "code": code})
        assert done.status_code == 303
        home = await browser.get("/account")
        assert "Verified" in home.text and "/account/verify?channel=email" not in home.text
