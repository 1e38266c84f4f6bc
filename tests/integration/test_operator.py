"""The operator console as platform staff use it: `galleria operator create`, a sign-in with
password and TOTP code (each code once), shops listed and searched with true figures, and a
shop suspended and resumed with a reason, audited."""

import os
import random
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pyotp
import pytest
from billing_helpers import serve_simulator, session_id

from galleria.auth.operators import create_operator, totp_secret
from galleria.kernel.billing.tables import PlatformAudit

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
PASSWORD = "Operator-Horse-42"


class Visitor:
    def __init__(self, app, host: str, language: str = "zh-CN,zh;q=0.9") -> None:
        address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(address, 40000)),
            base_url=f"http://{host}", headers={"accept": "text/html",
                                                "accept-language": language})

    async def submit(self, form_path: str, action: str, data: dict) -> httpx.Response:
        page = await self.http.get(form_path)
        match = CSRF_RE.search(page.text)
        assert match, f"no form on {form_path}: {page.status_code}"
        return await self.http.post(action, data={"_csrf_token": match.group(1), **data})


@pytest.fixture
async def visitor(app):
    opened = []

    def make(host="localhost", language="zh-CN,zh;q=0.9"):
        opened.append(Visitor(app, host, language))
        return opened[-1]

    yield make
    for b in opened:
        await b.http.aclose()


@pytest.fixture
async def operator(runtime):
    email = f"ops-{uuid.uuid4().hex[:8]}@galleria.example"
    user_id, uri = await create_operator(email, PASSWORD)
    assert uri.startswith("otpauth://totp/")
    return {"email": email, "id": user_id, "totp": pyotp.TOTP(await totp_secret(user_id))}


async def signed_in(visitor, operator):
    b = visitor()
    answer = await b.submit("/operator/login", "/operator/login", {
        "email": operator["email"], "password": PASSWORD, "code": operator["totp"].now()})
    assert answer.status_code == 303 and answer.headers["location"] == "/operator/"
    return b


async def test_signing_in_needs_the_password_and_a_fresh_code(visitor, operator):
    b = visitor()
    assert (await b.http.get("/operator/")).status_code in (302, 303)
    wrong = await b.submit("/operator/login", "/operator/login", {
        "email": operator["email"], "password": PASSWORD, "code": "000000"})
    assert wrong.status_code == 401 and "验证码" in wrong.text
    no_password = await b.submit("/operator/login", "/operator/login", {
        "email": operator["email"], "password": "nope", "code": operator["totp"].now()})
    assert no_password.status_code == 401
    code = operator["totp"].now()
    ok = await b.submit("/operator/login", "/operator/login", {
        "email": operator["email"], "password": PASSWORD, "code": code})
    assert ok.status_code == 303
    assert (await b.http.get("/operator/")).status_code == 200
    replay = await visitor().submit("/operator/login", "/operator/login", {
        "email": operator["email"], "password": PASSWORD, "code": code})
    assert replay.status_code == 401  # a code works once


async def test_a_merchant_is_not_an_operator(visitor, open_shop):
    shop = await open_shop()
    b = visitor()
    answer = await b.submit("/operator/login", "/operator/login", {
        "email": shop.email, "password": shop.password, "code": "123456"})
    assert answer.status_code == 401
    signed = await b.submit("/login", "/login", {"email": shop.email,
                                                 "password": shop.password})
    assert signed.status_code in (200, 303)
    assert (await b.http.get("/operator/")).status_code in (302, 303)  # a merchant session
    on_shop = await visitor(shop.host).http.get("/operator/login")
    assert on_shop.status_code == 404  # the platform host only


async def test_shops_are_listed_searched_suspended_and_resumed(visitor, operator, open_shop):
    shop = await open_shop()
    b = await signed_in(visitor, operator)
    home = await b.http.get(f"/operator/?q={shop.slug}")
    assert home.status_code == 200
    assert f'data-slug="{shop.slug}"' in home.text and "基础版" in home.text
    assert "试用中" in home.text
    detail = await b.http.get(f"/operator/shops/{shop.slug}")
    assert detail.status_code == 200 and "暂停店铺" in detail.text

    no_reason = await b.submit(f"/operator/shops/{shop.slug}",
                               f"/operator/shops/{shop.slug}/suspend", {"reason": ""})
    assert no_reason.status_code == 422
    suspended = await b.submit(f"/operator/shops/{shop.slug}",
                               f"/operator/shops/{shop.slug}/suspend",
                               {"reason": "违规商品，待核实"})
    assert suspended.status_code == 303
    storefront = await shop.client.get("/", headers={"host": shop.host, "accept": "text/html"})
    assert storefront.status_code == 403
    resumed = await b.submit(f"/operator/shops/{shop.slug}",
                             f"/operator/shops/{shop.slug}/resume", {"reason": "已核实"})
    assert resumed.status_code == 303
    storefront = await shop.client.get("/", headers={"host": shop.host})
    assert storefront.status_code == 200
    await shop.shop()
    rows = await PlatformAudit.select().where(PlatformAudit.tenant_id == shop.id).order_by(
        PlatformAudit.id)
    assert [r["action"] for r in rows][-2:] == ["shop.suspended", "shop.resumed"]
    assert rows[-1]["actor"] == f"operator:{operator['id']}"
    page = await b.http.get(f"/operator/shops/{shop.slug}")
    assert "违规商品，待核实" in page.text and "店铺已恢复" in page.text


async def test_plan_override_and_trial_extension(visitor, operator, open_shop):
    shop = await open_shop()
    b = await signed_in(visitor, operator)
    answer = await b.submit(f"/operator/shops/{shop.slug}", f"/operator/shops/{shop.slug}/plan",
                            {"plan": "ultimate", "reason": "战略合作"})
    assert answer.status_code == 303
    assert (await shop.get("/api/admin/v1/billing")).json()["plan"] == "ultimate"
    before = (await shop.get("/api/admin/v1/billing")).json()["trial_ends_at"]
    answer = await b.submit(f"/operator/shops/{shop.slug}",
                            f"/operator/shops/{shop.slug}/trial", {"days": "30",
                                                                    "reason": "节日活动"})
    assert answer.status_code == 303
    assert (await shop.get("/api/admin/v1/billing")).json()["trial_ends_at"] > before
    bad = await b.submit(f"/operator/shops/{shop.slug}", f"/operator/shops/{shop.slug}/trial",
                         {"days": "400", "reason": "x"})
    assert bad.status_code == 422


async def test_mrr_counts_a_new_monthly_subscription(app, runtime, visitor, operator,
                                                     open_shop):
    sim, server, task, sender = await serve_simulator(app, runtime)
    try:
        b = await signed_in(visitor, operator)
        mrr = re.compile(r'id="figure-mrr">¥([\d,]+\.\d\d)<')

        async def figure() -> float:
            return float(mrr.search((await b.http.get("/operator/")).text).group(1)
                         .replace(",", ""))

        before = await figure()
        shop = await open_shop()
        started = await shop.post("/api/admin/v1/billing/checkout", json={"plan": "pro"})
        sim.complete_checkout(session_id(started.json()["url"]))
        await sim.settle()
        assert await figure() == pytest.approx(before + 299.00)
    finally:
        await sim.settle()
        server.should_exit = True
        await task
        await sender.aclose()


def test_the_cli_makes_an_operator(settings, migrated):
    # In a process of its own, as an operator runs it: the command opens and closes a
    # runtime, which in this process would close the suite's database pool.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GALLERIA_")}
    env.update({"GALLERIA_DATABASE_URL": settings.database_url,
                "GALLERIA_SECRET_KEY": settings.secret_key,
                "GALLERIA_VAR_DIR": str(settings.var_dir)})
    if settings.admin_database_url:
        env["GALLERIA_ADMIN_DATABASE_URL"] = settings.admin_database_url
    email = f"cli-{time.time_ns()}@galleria.example"
    galleria = str(Path(sys.executable).with_name("galleria"))  # the installed command
    result = subprocess.run([galleria, "operator", "create", email],
                            env=env, input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "otpauth://totp/" in result.stdout and email.split("@")[0] in result.stdout


async def test_an_operator_views_a_console_read_only_with_a_banner_and_an_audit_entry(
        app, visitor, operator, open_shop):
    shop = await open_shop()
    b = await signed_in(visitor, operator)
    answer = await b.submit(f"/operator/shops/{shop.slug}", f"/operator/shops/{shop.slug}/view",
                            {"reason": "商家来电求助"})
    assert answer.status_code == 303
    target = httpx.URL(answer.headers["location"])
    assert target.host == f"{shop.slug}.localhost" and target.path == "/console/view-as"
    console = visitor(shop.host)
    landed = await console.http.get(f"{target.path}?{target.query.decode()}")
    assert landed.status_code == 303 and landed.headers["location"] == "/console/"
    dashboard = await console.http.get("/console/")
    assert dashboard.status_code == 200
    assert 'id="impersonation-banner"' in dashboard.text and "只读" in dashboard.text
    page = await console.http.get("/console/products")
    csrf = CSRF_RE.search(page.text).group(1)
    refused = await console.http.post("/console/products/new", data={
        "_csrf_token": csrf, "name": "不该出现"})
    assert refused.status_code == 403
    # The ticket worked once, and only as a view of that shop.
    again = await visitor(shop.host).http.get(f"{target.path}?{target.query.decode()}")
    assert again.headers["location"].startswith("/console/login")
    await shop.shop()
    rows = await PlatformAudit.select().where(PlatformAudit.tenant_id == shop.id)
    assert any(r["action"] == "shop.impersonated" for r in rows)


async def test_the_console_refuses_a_product_over_the_limit_in_chinese(visitor, open_shop):
    """Not the operator's, but the same browser: the merchant's console at the limit."""
    from billing_helpers import import_products

    shop = await open_shop()
    assert (await import_products(shop, 50, "满额")).status_code == 200
    b = visitor(shop.host)
    signed = await b.submit("/console/login", "/console/login", {
        "email": shop.email, "password": shop.password, "next": "/console/"})
    assert signed.status_code == 303
    dashboard = await b.http.get("/console/")
    assert "套餐额度即将用完：已用 50 / 50 件商品" in dashboard.text
    refused = await b.submit("/console/products/new", "/console/products/new", {
        "name": "第五十一件", "description": "", "status": "published", "category": "",
        "v-0-options": "", "v-0-sku": "FIFTY-ONE", "v-0-price": "9.90", "v-0-stock": "1",
        "v-0-weight": "", "v-0-barcodes": "", "v-0-active": "on"})
    assert refused.status_code == 422
    assert "基础版最多 50 件商品，本店已有 50。请在「套餐与账单」中升级以添加更多。" in refused.text
    billing = await b.http.get("/console/billing")
    assert billing.status_code == 200 and "选择专业版" in billing.text
