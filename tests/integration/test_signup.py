"""Self-service signup through the API: validation, conflicts, atomicity, rate limits."""

import pytest

from conftest import unique_slug
from galleria.kernel.tenancy.tables import PlatformUser, Tenant

GOOD = {"shop_name": "Tea Corner", "email": "a@b.example", "password": "Long-enough-9",
        "template": "grocery"}


async def test_signup_opens_a_shop_from_a_template(client):
    slug = unique_slug("tea")
    response = await client.post("/api/platform/v1/signup", json={**GOOD, "slug": slug,
                                                                   "email": f"o@{slug}.example"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["shop"]["slug"] == slug
    assert body["shop"]["storefront_url"] == f"http://{slug}.localhost/"
    assert body["shop"]["console_url"] == f"http://{slug}.localhost/console/"
    token = body["admin_token"]
    products = await client.get("/api/v1/products?limit=100", headers={"host": f"{slug}.localhost"})
    assert products.status_code == 200
    assert len(products.json()["items"]) >= 12  # the grocery template's catalog
    plugins = await client.get("/api/admin/v1/plugins", headers={
        "host": f"{slug}.localhost", "authorization": f"Bearer {token}"})
    assert plugins.status_code == 200
    enabled = {p["name"] for p in plugins.json()["items"] if p["enabled"]}
    assert "reviews" in enabled  # the template turns buyers' reviews on


async def test_templates_are_listed(client):
    response = await client.get("/api/platform/v1/templates")
    names = {t["name"] for t in response.json()["items"]}
    assert {"grocery", "appliances", "blank"} <= names


@pytest.mark.parametrize(("field", "value", "problem_field"), [
    ("slug", "ab", "slug"), ("slug", "Bad_Slug", "slug"), ("slug", "admin", "slug"),
    ("slug", "-edge", "slug"), ("email", "not-an-email", "email"),
    ("password", "short", "password"), ("password", "aaaaaaaaaaaa", "password"),
    ("template", "nope", "template"), ("shop_name", "  ", "shop_name"),
])
async def test_bad_input_is_a_422_naming_the_field(client, field, value, problem_field):
    body = {**GOOD, "slug": unique_slug("bad"), field: value}
    response = await client.post("/api/platform/v1/signup", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert problem_field in [e["field"] for e in problem["errors"]]


async def test_malformed_bodies_are_4xx_not_500(client):
    for payload in (b"{not json", b"[]", b'{"slug": 5}'):
        response = await client.post("/api/platform/v1/signup", content=payload,
                                     headers={"content-type": "application/json"})
        assert 400 <= response.status_code < 500, (payload, response.text)
        assert response.json()["status"] == response.status_code


async def test_taken_slug_is_409_and_nothing_half_created(client):
    slug = unique_slug("dup")
    first = await client.post("/api/platform/v1/signup", json={
        **GOOD, "slug": slug, "email": f"first@{slug}.example"})
    assert first.status_code == 201
    users_before = await PlatformUser.count()
    second = await client.post("/api/platform/v1/signup", json={
        **GOOD, "slug": slug, "email": f"second@{slug}.example"})
    assert second.status_code == 409
    assert second.json()["type"].endswith("slug_taken")
    assert await PlatformUser.count() == users_before
    assert await Tenant.count().where(Tenant.slug == slug) == 1


async def test_existing_email_needs_its_password(client):
    slug = unique_slug("own")
    email = f"owner@{slug}.example"
    assert (await client.post("/api/platform/v1/signup", json={
        **GOOD, "slug": slug, "email": email})).status_code == 201
    wrong = await client.post("/api/platform/v1/signup", json={
        **GOOD, "slug": unique_slug("own2"), "email": email, "password": "Another-pass-7"})
    assert wrong.status_code == 409
    second_shop = await client.post("/api/platform/v1/signup", json={
        **GOOD, "slug": unique_slug("own3"), "email": email})
    assert second_shop.status_code == 201


async def test_signup_is_idempotent_with_a_key(client):
    slug = unique_slug("idem")
    body = {**GOOD, "slug": slug, "email": f"o@{slug}.example", "template": "blank"}
    headers = {"idempotency-key": f"key-{slug}"}
    first = await client.post("/api/platform/v1/signup", json=body, headers=headers)
    again = await client.post("/api/platform/v1/signup", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    other = await client.post("/api/platform/v1/signup", json={**body, "shop_name": "Other"},
                              headers=headers)
    assert other.status_code == 409


async def test_signup_is_only_on_the_platform_host(client):
    response = await client.post("/api/platform/v1/signup", json={**GOOD, "slug": unique_slug()},
                                 headers={"host": "nosuchshop.localhost"})
    assert response.status_code == 404


async def test_signup_is_rate_limited_per_ip(client, runtime):
    import dataclasses

    from galleria.auth.ratelimit import MemoryLimiter

    saved = runtime.settings, runtime.limiter
    runtime.settings = dataclasses.replace(runtime.settings, signup_rate_limit=2)
    runtime.limiter = MemoryLimiter()
    try:
        codes = []
        for _ in range(3):
            response = await client.post("/api/platform/v1/signup", json={
                **GOOD, "slug": "x", "email": "bad"})  # invalid, but counted all the same
            codes.append(response.status_code)
        assert codes == [422, 422, 429]
        assert response.headers["retry-after"].isdigit()
    finally:
        runtime.settings, runtime.limiter = saved


async def test_a_template_logo_becomes_the_shops_logo(client, open_shop):
    shop = await open_shop(template="grocery")
    from galleria.kernel.tenancy.tables import Tenant

    row = await Tenant.select(Tenant.logo).where(Tenant.slug == shop.slug).first()
    assert row["logo"].startswith("shops/") and row["logo"].endswith(".png")
    image = await client.get(f"/media/{row['logo']}", headers={"host": shop.host})
    assert image.status_code == 200 and image.content[:4] == b"\x89PNG"
