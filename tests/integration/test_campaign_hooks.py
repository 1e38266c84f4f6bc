"""The extension points the campaigns plugin asked of the kernel, each as a plugin author
sees it: API routes at their own paths, product-page promotions, lines an adjuster adds at
price 0, and the shop scope's commit and rollback callbacks."""

from __future__ import annotations

import datetime as dt
import itertools

import httpx
import pytest
from litestar import get

from galleria.kernel import (
    AddedLine,
    Adjustment,
    PriceAdjuster,
    PricingContext,
    ProductPromoter,
    Promotion,
    Shop,
    before_commit,
    hookimpl,
    on_commit,
    on_rollback,
    shop_scope,
)
from galleria.kernel import current_tenant as db_tenant
from galleria.kernel.tenancy.shops import get_shop
from galleria.testing import enable_plugin, register_plugin

_names = itertools.count(1)


def plugin_name(prefix: str) -> str:
    return f"hooktest_{prefix}_{next(_names)}"


@get("/api/v1/hooktest/echo", operation_id="hooktestEcho")
async def echo(shop: Shop) -> dict[str, str]:
    return {"shop": shop.slug}


@get("/api/admin/v1/hooktest/secret", operation_id="hooktestSecret")
async def secret(shop: Shop) -> dict[str, str]:
    return {"shop": shop.slug}


class WithApi:
    @hookimpl
    def galleria_api_routes(self) -> list:
        return [echo, secret]


async def test_hook_api_routes(plugin_host, runtime, open_shop):
    from galleria.web.app import create_app

    name = plugin_name("api")
    enabling, other = await open_shop(), await open_shop()
    with register_plugin(plugin_host, WithApi(), name):
        app = create_app(runtime.settings, host=plugin_host, embedded_worker=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://localhost") as http:
            path = "/api/v1/hooktest/echo"
            assert (await http.get(path, headers={"host": enabling.host})).status_code == 404
            enabled = await enabling.put(f"/api/admin/v1/plugins/{name}", json={"enabled": True})
            assert enabled.status_code == 200, enabled.text
            answer = await http.get(path, headers={"host": enabling.host})
            assert answer.status_code == 200 and answer.json() == {"shop": enabling.slug}
            assert (await http.get(path, headers={"host": other.host})).status_code == 404
            assert (await http.get(path, headers={"host": "localhost"})).status_code == 404
            admin = "/api/admin/v1/hooktest/secret"
            assert (await http.get(admin, headers={"host": enabling.host})).status_code == 401
            signed = await http.get(admin, headers={"host": enabling.host,
                                                    "authorization": f"Bearer {enabling.token}"})
            assert signed.status_code == 200
            schema = (await http.get("/schema/openapi.json",
                                     headers={"host": enabling.host})).json()
            assert "/api/v1/hooktest/echo" in schema["paths"]


class Stray:
    @hookimpl
    def galleria_api_routes(self) -> list:
        @get("/console/hijack")
        async def hijack() -> str:
            return "no"
        return [hijack]


def test_hook_api_routes_outside_the_api_are_refused(plugin_host, runtime):
    from galleria.web.app import create_app

    with register_plugin(plugin_host, Stray(), plugin_name("stray")), pytest.raises(
            ValueError, match="/console/hijack"):
        create_app(runtime.settings, host=plugin_host, embedded_worker=False)


class Promises(ProductPromoter):
    async def promotions(self, shop, product_id, variant_ids, locale):
        ends = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2, minutes=5)
        return [Promotion(label="限时" if locale.startswith("zh") else "Limited",
                          text=f"{len(variant_ids)} 款", variant_id=variant_ids[0],
                          price=990, ends_at=ends, remaining=7)]


class Broken(ProductPromoter):
    async def promotions(self, shop, product_id, variant_ids, locale):
        raise RuntimeError("a bug in a promoter")


class WithPromoters:
    @hookimpl
    def galleria_product_promotions(self, shop: Shop) -> list:
        return [Broken(), Promises(), "not a promoter"]


async def test_hook_product_promotions(plugin_host, open_shop):
    name = plugin_name("promotions")
    handle = await open_shop()
    shop = await get_shop(handle.slug)
    made = await handle.post("/api/admin/v1/products", json={
        "name": "龙井", "variants": [{"sku": "T-1", "price": 1500, "stock": 3}]})
    path = f"/products/{made.json()['id']}"
    with register_plugin(plugin_host, WithPromoters(), name):
        assert "data-promotions" not in (await handle.get(path, admin=False)).text
        await enable_plugin(shop.id, plugin_host, name)
        page = (await handle.get(path, admin=False)).text
        assert "限时" in page and "1 款" in page and "¥9.90" in page
        assert "距结束" in page and "02:0" in page and "仅剩 7 件" in page  # the countdown


class GiftAdder(PriceAdjuster):
    code = "hooktest_gift"

    def __init__(self, variant_ids: list[int]) -> None:
        self.variant_ids = variant_ids

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        return [Adjustment("gift", 0, "gift", lines=tuple(
            AddedLine(v, 1, keep=1) for v in self.variant_ids))]


async def test_added_lines_are_reserved_with_the_order_and_keep_their_safety_level(
        plugin_host, open_shop):
    handle = await open_shop()
    shop = await get_shop(handle.slug)
    made = await handle.post("/api/admin/v1/products", json={"name": "茶", "variants": [
        {"sku": "T-1", "price": 1500, "stock": 5}, {"sku": "G-1", "price": 100, "stock": 2}]})
    tea, gift = (v["id"] for v in made.json()["variants"])

    class Adds:
        @hookimpl
        def galleria_price_adjusters(self, shop: Shop) -> list:
            return [GiftAdder([gift, 987654321])]  # a variant of no shop is left out

    name = plugin_name("adds")
    with register_plugin(plugin_host, Adds(), name):
        await enable_plugin(shop.id, plugin_host, name)

        async def place():
            cart = (await handle.post("/api/v1/carts", admin=False)).json()["id"]
            await handle.post(f"/api/v1/carts/{cart}/items", admin=False,
                              json={"variant_id": tea, "quantity": 1})
            return await handle.post("/api/v1/orders", admin=False, json={
                "cart_id": cart, "contact": {"name": "李雷", "phone": "13800138000"},
                "address": {"name": "李雷", "phone": "13800138000", "country": "CN",
                            "province": "浙江省", "city": "杭州市", "line1": "文三路 90 号"},
                "payment_method": "cod"})

        first = await place()
        assert first.status_code == 201, first.text
        lines = (await handle.get(f"/api/admin/v1/orders/{first.json()['number']}")).json()
        assert sorted((line["sku"], line["unit_price"]) for line in lines["lines"]) == [
            ("G-1", 0), ("T-1", 1500)]
        second = await place()  # 1 gift left, and 1 must stay: refused, nothing kept
        assert second.status_code == 409 and second.json()["type"].endswith("/out_of_stock")
        product = (await handle.get(f"/api/admin/v1/products/{made.json()['id']}")).json()
        assert [v["stock"]["reserved"] for v in product["variants"]] == [1, 1]


async def test_shop_scope_runs_commit_and_rollback_callbacks(open_shop):
    shop = await get_shop((await open_shop()).slug)
    ran: list[str] = []

    async def note(what: str) -> None:
        ran.append(what)

    async with shop_scope(shop.id):
        on_commit(lambda: note("committed"))
        on_rollback(lambda: note("rolled back"))
    assert ran == ["committed"]
    with pytest.raises(RuntimeError):
        async with shop_scope(shop.id):
            on_commit(lambda: note("committed 2"))
            on_rollback(lambda: note("rolled back 2"))
            raise RuntimeError("the order failed after the gate")
    assert ran == ["committed", "rolled back 2"]
    with pytest.raises(RuntimeError, match="shop scope"):
        on_rollback(lambda: note("nowhere"))

    async def last() -> None:  # inside the transaction: its error rolls everything back
        assert db_tenant() == shop.id
        ran.append("before commit")
        raise RuntimeError("the hot row said no")

    ran.clear()
    with pytest.raises(RuntimeError, match="hot row"):
        async with shop_scope(shop.id):
            before_commit(last)
            on_commit(lambda: note("committed 3"))
            on_rollback(lambda: note("rolled back 3"))
    assert ran == ["before commit", "rolled back 3"]


class Slow(PriceAdjuster):
    code = "hooktest_slow"

    def __init__(self, essential: bool) -> None:
        self.essential = essential

    async def adjust(self, context: PricingContext) -> list[Adjustment]:
        raise TimeoutError("the gate did not answer")


@pytest.mark.parametrize("essential", [False, True])
async def test_an_essential_adjuster_that_fails_refuses_instead_of_being_skipped(
        plugin_host, open_shop, essential):
    handle = await open_shop()
    shop = await get_shop(handle.slug)
    made = await handle.post("/api/admin/v1/products", json={"name": "茶", "variants": [
        {"sku": "T-1", "price": 1500, "stock": 5}]})

    class WithSlow:
        @hookimpl
        def galleria_price_adjusters(self, shop: Shop) -> list:
            return [Slow(essential)]

    name = plugin_name("slow")
    with register_plugin(plugin_host, WithSlow(), name):
        await enable_plugin(shop.id, plugin_host, name)
        cart = (await handle.post("/api/v1/carts", admin=False)).json()["id"]
        await handle.post(f"/api/v1/carts/{cart}/items", admin=False,
                          json={"variant_id": made.json()["variants"][0]["id"], "quantity": 1})
        preview = await handle.post("/api/v1/checkout/preview", admin=False,
                                    json={"cart_id": cart})
    if essential:
        assert preview.status_code == 409
        assert preview.json()["type"].endswith("/pricing_unavailable")
    else:
        assert preview.status_code == 200 and preview.json()["total"] == 1500
