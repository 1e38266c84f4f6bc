"""The WeChat mini-program storefront (clients/miniprogram, issue 21) against a real server.

A `galleria serve` process on SQLite (or PostgreSQL) with the WeChat login simulator and the
WeChat Pay simulator; then `npx jest` runs the client's API layer under Node through a whole
purchase (test/e2e/purchase.test.ts says what it checks). And `galleria miniprogram build`
writes a shop's DevTools project that typechecks as it is.

Skipped, with the reason, when node/npm are absent or `npm ci` was not run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from faults.fault_kit import (
    REPO_ROOT,
    galleria_command,
    open_shop_over_http,
    process_env,
    serve,
    wait_until_up,
)

from galleria.auth import wechat_login
from galleria.kernel.tenancy.tables import Tenant
from galleria.testing.wechat import WeChatSimulator, WeChatSimUser
from galleria_plugins.payments_wechat import sandbox, signing

CLIENT = REPO_ROOT / "clients" / "miniprogram"
MINI_APPID = sandbox.APPID  # the mini-program WeChat Pay takes payments for
EXPRESS = {"default": "标准快递", "templates": [
    {"name": "标准快递", "first": 1, "first_fee": 1200, "additional": 1, "additional_fee": 600,
     "eta_days": [1, 3]}]}
pytestmark = pytest.mark.skipif(
    not (shutil.which("node") and shutil.which("npx")
         and (CLIENT / "node_modules" / ".bin" / "jest").exists()),
    reason="the mini-program tests need Node and `npm ci` in clients/miniprogram")


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # Ctrl-C stays pytest's


class ToServer(httpx.AsyncHTTPTransport):
    """WeChat Pay's notifications for `{slug}.localhost` go to the served app's port."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host.endswith(".localhost"):
            request.url = request.url.copy_with(host="127.0.0.1", port=self.port)
        return await super().handle_async_request(request)


@contextlib.asynccontextmanager
async def wechat_pay(port: int) -> AsyncIterator:
    """The WeChat Pay simulator with the sandbox merchant, served in this event loop (the
    Node process calls it while the test awaits)."""
    sim = sandbox.sandbox_simulator()
    sim.sender = httpx.AsyncClient(transport=ToServer(port), timeout=10)
    sim.retry_delays = (0.2, 0.5, 1.0)
    server = _Server(uvicorn.Config(sim.app, host="127.0.0.1", port=0, log_level="warning",
                                    lifespan="off"))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    sim.public_url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    try:
        yield sim
    finally:
        await sim.stop()
        server.should_exit = True
        await task
        await sim.sender.aclose()


async def _run(command: list[str], env: dict[str, str], cwd: Path,
               seconds: float = 90) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(process.communicate(), seconds)
    except TimeoutError:
        process.kill()
        raise
    return process.returncode or 0, out.decode(errors="replace")


async def _stock(http: httpx.AsyncClient, port: int, host: str, token: str) -> list[int]:
    admin = {"host": host, "authorization": f"Bearer {token}"}
    answer = await http.post(f"http://127.0.0.1:{port}/api/admin/v1/products", headers=admin,
                             json={
        "name": "对开门冰箱", "description": "一级能效，风冷无霜", "variants": [
            {"sku": "FR-W", "price": 329900, "stock": 5, "options": {"颜色": "白色"}},
            {"sku": "FR-S", "price": 349900, "stock": 1, "options": {"颜色": "银色"}}]})
    assert answer.status_code == 201, answer.text
    # A gift with the fridge (campaigns plugin): the product page shows it (购买即送 冰箱滤芯).
    gift = await http.post(f"http://127.0.0.1:{port}/api/admin/v1/products", headers=admin,
                           json={"name": "冰箱滤芯", "variants": [
                               {"sku": "FR-FILTER", "price": 9900, "stock": 10}]})
    assert gift.status_code == 201, gift.text
    enabled = await http.put(f"http://127.0.0.1:{port}/api/admin/v1/plugins/marketing_campaigns",
                             headers=admin, json={"enabled": True})
    assert enabled.status_code == 200, enabled.text
    given = await http.post(f"http://127.0.0.1:{port}/api/admin/v1/marketing/gifts",
                            headers=admin, json={
        "gift_variant_id": gift.json()["variants"][0]["id"],
        "trigger": {"product_ids": [answer.json()["id"]]}, "safety_stock": 0})
    assert given.status_code == 201, given.text
    return [v["id"] for v in answer.json()["variants"]]


async def test_a_purchase_through_the_mini_program_api_layer(migrated, client, tmp_path):
    settings = migrated
    with WeChatSimulator().serve() as wechat:
        extra = {"GALLERIA_WECHAT_API_BASE": wechat.base_url,
                 "GALLERIA_SIGNUP_RATE_LIMIT": "100"}
        server, port = serve(settings, tmp_path / "serve.log", **extra)
        http = httpx.AsyncClient(timeout=30, base_url=f"http://127.0.0.1:{port}")
        try:
            await asyncio.to_thread(wait_until_up, port, server, 90)
            slug = f"mini-{port}"
            host = f"{slug}.localhost"
            token = await open_shop_over_http(http, slug)
            white, silver = await _stock(http, port, host, token)
            shop_id = (await Tenant.select(Tenant.id).where(Tenant.slug == slug).first())["id"]
            wechat.add_app(MINI_APPID, "mini-secret")
            await wechat_login.save_wechat_app(shop_id, "wechat_mini", appid=MINI_APPID,
                                               secret="mini-secret")
            person = WeChatSimUser("mp1", unionid=f"union-mp-{port}", nickname="韩梅梅")
            shipping = await http.put("/api/admin/v1/plugins/shipping", headers={
                "host": host, "authorization": f"Bearer {token}"}, json={
                "enabled": True,
                "settings": {"templates": json.dumps(EXPRESS, ensure_ascii=False)}})
            assert shipping.status_code == 200, shipping.text
            async with wechat_pay(port) as pay:
                enabled = await http.put("/api/admin/v1/plugins/payments_wechat", headers={
                    "host": host, "authorization": f"Bearer {token}"}, json={
                    "enabled": True, "settings": sandbox.sandbox_settings(pay.public_url)})
                assert enabled.status_code == 200, enabled.text
                env = {**os.environ,
                       "MP_BASE_URL": f"http://127.0.0.1:{port}", "MP_HOST": host,
                       "MP_LOGIN_CODE": wechat.mini_program_code(MINI_APPID, person),
                       "MP_PAY_SIM": pay.public_url,
                       "MP_MERCHANT_PUBLIC_KEY": signing.public_pem(
                           signing.load_private_key(sandbox.MERCHANT_PRIVATE_KEY)),
                       "MP_VARIANTS": f"{white},{silver}"}
                code, out = await _run([str(CLIENT / "node_modules" / ".bin" / "jest"),
                                        "--selectProjects", "e2e", "--ci"],
                                       env, CLIENT)
                assert code == 0, f"{out}\n--- server log ---\n{server.tail()}"
                assert "1 passed" in out, out
                # The client named no payer: the shop paid as the sign-in's openid.
                assert {trade.openid for trade in pay.trades.values()} == {
                    wechat.openid(MINI_APPID, person)}
            assert "jscode2session" in wechat.calls  # the sign-in reached "WeChat"
        finally:
            await http.aclose()
            server.stop()


async def test_the_build_for_a_shop_is_a_devtools_project_that_typechecks(
        migrated, open_shop, tmp_path):
    shop = await open_shop()
    for body in ({"slug": "big", "name": "大家电"},
                 {"slug": "fridge", "name": "冰箱", "parent": "big"}):
        made = await shop.post("/api/admin/v1/categories", json=body)
        assert made.status_code == 201, made.text
    out = tmp_path / "build"
    env = process_env(migrated)
    made = subprocess.run([*galleria_command(), "miniprogram", "build", "--shop", shop.slug,
                           "--appid", "wx0123456789abcdef", "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    project = json.loads((out / "project.config.json").read_text())
    assert project["appid"] == "wx0123456789abcdef"
    assert project["miniprogramRoot"] == "miniprogram/"
    app = json.loads((out / "miniprogram" / "app.json").read_text())
    assert [tab["text"] for tab in app["tabBar"]["list"]] == ["首页", "分类", "购物车", "我的"]
    row = await Tenant.select(Tenant.name, Tenant.theme_color).where(
        Tenant.slug == shop.slug).first()
    assert app["window"]["navigationBarTitleText"] == row["name"]
    assert app["tabBar"]["selectedColor"] == row["theme_color"]
    config = (out / "miniprogram" / "shop.ts").read_text()
    assert f"http://{shop.slug}.localhost:8000" in config  # GALLERIA_DOMAIN=localhost
    assert '"name": "冰箱", "slug": "fridge", "parent_id": ' in config  # the 分类 tab's tree
    assert not (out / "node_modules").exists() and not (out / "test").exists()
    package = json.loads((out / "package.json").read_text())
    assert set(package["devDependencies"]) == {"typescript", "miniprogram-api-typings"}

    # Typechecks with no edits (the packages a developer gets with `npm ci` there).
    (out / "node_modules").symlink_to(CLIENT / "node_modules")
    checked = subprocess.run([str(CLIENT / "node_modules" / ".bin" / "tsc"), "--noEmit", "-p",
                              str(out)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    again = subprocess.run([*galleria_command(), "miniprogram", "build", "--shop", shop.slug,
                            "--appid", "wx0123456789abcdef", "--out", str(out)],
                           env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "is not empty" in again.stderr
    bad = subprocess.run([*galleria_command(), "miniprogram", "build", "--shop", shop.slug,
                          "--appid", "123", "--out", str(tmp_path / "other")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "not a mini-program AppID" in bad.stderr
