"""Tenancy: host resolution, suspended shops, and that no shop reaches another's data."""

import pytest

from conftest import on_postgres
from galleria.kernel import db
from galleria.kernel.catalog.tables import Product, Variant
from galleria.kernel.tenancy.tables import Tenant

PRODUCT = {"name": "Test tea", "variants": [{"sku": "TEA-1", "price": 1200, "stock": 5}]}


async def test_unknown_host_is_404_problem_for_api_and_page_for_browsers(client):
    api = await client.get("/api/v1/products", headers={"host": "ghost.localhost"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    page = await client.get("/", headers={"host": "ghost.localhost", "accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


async def test_suspended_shop_is_403(client, open_shop):
    shop = await open_shop()
    await Tenant.update({Tenant.status: "suspended"}).where(Tenant.slug == shop.slug)
    try:
        response = await shop.get("/api/v1/products", admin=False)
        assert response.status_code == 403
        assert response.json()["type"].endswith("shop_suspended")
    finally:
        await Tenant.update({Tenant.status: "active"}).where(Tenant.slug == shop.slug)


async def test_a_token_works_only_on_its_own_shop(open_shop):
    a, b = await open_shop(), await open_shop()
    created = await a.post("/api/admin/v1/products", json=PRODUCT)
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    # b's token on a's host, and a's token on b's host: refused alike.
    stolen = await a.client.get(f"/api/admin/v1/products/{product_id}", headers={
        "host": a.host, "authorization": f"Bearer {b.token}"})
    assert stolen.status_code == 401
    # a's product id through b's host and token: not found.
    cross = await b.get(f"/api/admin/v1/products/{product_id}")
    assert cross.status_code == 404
    storefront = await b.get(f"/api/v1/products/{product_id}", admin=False)
    assert storefront.status_code == 404


async def test_same_sku_in_two_shops_is_fine_but_not_twice_in_one(open_shop):
    a, b = await open_shop(), await open_shop()
    assert (await a.post("/api/admin/v1/products", json=PRODUCT)).status_code == 201
    assert (await b.post("/api/admin/v1/products", json=PRODUCT)).status_code == 201
    again = await a.post("/api/admin/v1/products", json=PRODUCT)
    assert again.status_code == 409


async def test_listing_shows_only_the_shops_own_products(open_shop):
    a, b = await open_shop(), await open_shop()
    await a.post("/api/admin/v1/products", json={**PRODUCT, "name": "Only in A"})
    names_b = [p["name"] for p in (await b.get("/api/v1/products", admin=False)).json()["items"]]
    assert "Only in A" not in names_b


async def test_scope_of_one_shop_refuses_another_shop_inside_it(open_shop):
    a, b = await open_shop(), await open_shop()
    tenant_a = (await Tenant.select(Tenant.id).where(Tenant.slug == a.slug).first())["id"]
    tenant_b = (await Tenant.select(Tenant.id).where(Tenant.slug == b.slug).first())["id"]
    with pytest.raises(db.CrossTenantScope):
        async with db.shop_scope(tenant_a), db.shop_scope(tenant_b):
            pass


@pytest.mark.skipif(not on_postgres(), reason="row-level security is PostgreSQL's")
async def test_rls_hides_other_shops_rows_even_without_a_tenant_filter(open_shop):
    a, b = await open_shop(), await open_shop()
    await a.post("/api/admin/v1/products", json={**PRODUCT, "name": "A's secret"})
    await b.post("/api/admin/v1/products", json={**PRODUCT, "name": "B's thing"})
    tenant_b = (await Tenant.select(Tenant.id).where(Tenant.slug == b.slug).first())["id"]
    async with db.shop_scope(tenant_b):
        # A query that forgets `tenant == …`: the policy still admits only shop b's rows.
        names = {row["name"] for row in await Product.select(Product.name)}
        assert "B's thing" in names and "A's secret" not in names
        # Writing another shop's rows is refused as well.
        changed = await Variant.update({Variant.price: 1}).where(
            Variant.sku == "TEA-1").returning(Variant.tenant)
        assert {row["tenant"] for row in changed} == {tenant_b}
    # Outside any shop scope, shop-owned tables show nothing at all.
    assert await Product.select(Product.id).where(Product.name == "A's secret") == []


@pytest.mark.skipif(not on_postgres(), reason="row-level security is PostgreSQL's")
async def test_app_role_is_not_superuser_and_cannot_bypass_rls():
    rows = await Tenant.raw("SELECT rolsuper, rolbypassrls FROM pg_roles "
                            "WHERE rolname = current_user")
    assert rows == [{"rolsuper": False, "rolbypassrls": False}]
    forced = await Tenant.raw("SELECT relname FROM pg_class WHERE relforcerowsecurity "
                              "AND relkind = 'r'")
    assert {"product", "variant", "plugin_state", "api_token", "audit_log",
            "stock_level", "barcode", "category", "product_image"} <= {r["relname"]
                                                                        for r in forced}


async def test_custom_domain_is_served_once_verified(client, app, runtime, open_shop):
    import httpx

    shop = await open_shop()
    host = f"{shop.slug}.shop-example.com"
    added = await shop.post("/api/admin/v1/domains", json={"host": host})
    assert added.status_code == 201, added.text
    # Not verified yet: the host is unknown to the platform, but serves its token.
    assert (await client.get("/api/v1/products", headers={"host": host})).status_code == 404
    well_known = await client.get("/.well-known/galleria-domain", headers={"host": host})
    assert well_known.text == added.json()["verification_token"]
    # Verify through a real HTTP fetch of that URL, routed to this app; the made-up host
    # resolves (in this test's resolver) to a public address, as a real one would.
    async def resolve(name: str) -> list[str]:
        return ["93.184.216.34"] if name == host else []

    runtime.extra["http_transport"] = httpx.ASGITransport(app=app)
    runtime.resolver = resolve
    try:
        verified = await shop.post(f"/api/admin/v1/domains/{host}/verify")
    finally:
        runtime.extra.pop("http_transport")
        del runtime.resolver  # the class default again: the system's resolver
    assert verified.status_code == 200, verified.text
    assert (await client.get("/api/v1/products", headers={"host": host})).status_code == 200
    assert (await client.get("/.well-known/galleria-domain",
                             headers={"host": host})).status_code == 404


async def test_custom_domain_rules(open_shop):
    a, b = await open_shop(), await open_shop()
    for bad in ("localhost", f"x.{a.slug}.localhost", "no spaces.com", "http://x.com"):
        response = await a.post("/api/admin/v1/domains", json={"host": bad})
        assert response.status_code == 422, bad
    host = f"{a.slug}.example.org"
    assert (await a.post("/api/admin/v1/domains", json={"host": host})).status_code == 201
    assert (await b.post("/api/admin/v1/domains", json={"host": host})).status_code == 409
    # b cannot verify a's domain, nor see it.
    assert (await b.post(f"/api/admin/v1/domains/{host}/verify")).status_code == 404
    assert (await b.get("/api/admin/v1/domains")).json()["items"] == []
    unreachable = await a.post(f"/api/admin/v1/domains/{host}/verify")
    assert unreachable.status_code == 422
