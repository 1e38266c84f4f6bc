"""The web layer: problem+json, health, OpenAPI, security headers, request ids."""


async def test_unknown_path_is_problem_json(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


async def test_wrong_method_is_405_problem(client):
    response = await client.delete("/api/platform/v1/templates")
    assert response.status_code == 405
    assert response.json()["title"] == "Method not allowed"


async def test_health_and_readiness(client, settings):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"] == "ok"
    if settings.redis_url:
        assert checks["redis"] == "ok"


async def test_openapi_is_served_on_every_host(client, open_shop):
    shop = await open_shop()
    for host in ("localhost", shop.host):
        response = await client.get("/schema/openapi.json", headers={"host": host})
        assert response.status_code == 200
        paths = response.json()["paths"]
        assert "/api/platform/v1/signup" in paths
        assert "/api/admin/v1/products" in paths


async def test_security_headers_and_request_id(client):
    response = await client.get("/healthz", headers={"x-request-id": "abc123"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-request-id"] == "abc123"
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32


async def test_admin_api_needs_a_token(open_shop):
    shop = await open_shop()
    response = await shop.get("/api/admin/v1/plugins", admin=False)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    bad = await shop.client.get("/api/admin/v1/plugins", headers={
        "host": shop.host, "authorization": "Bearer gal_forged"})
    assert bad.status_code == 401


async def test_product_roundtrip_and_validation(open_shop):
    shop = await open_shop()
    created = await shop.post("/api/admin/v1/products", json={
        "name": "冰箱 BCD-520", "attributes": {"型号": "BCD-520"},
        "variants": [{"sku": "FR-520-W", "price": 459900, "stock": 3,
                      "options": {"颜色": "白"},
                      "barcodes": [{"code": "6900000000014"},
                                   {"code": "6900000000021", "units": 4}]}],
    })
    assert created.status_code == 201, created.text
    product = (await shop.get(f"/api/admin/v1/products/{created.json()['id']}")).json()
    variant = product["variants"][0]
    assert variant["stock"] == {"on_hand": 3, "reserved": 0, "available": 3}
    assert {"code": "6900000000021", "units": 4} in variant["barcodes"]
    assert product["currency"] == "CNY"

    float_price = await shop.post("/api/admin/v1/products", json={
        "name": "x", "variants": [{"sku": "X-1", "price": 12.5}]})
    assert float_price.status_code == 422
    assert float_price.json()["errors"][0]["field"] == "variants[0].price"
    no_variants = await shop.post("/api/admin/v1/products", json={"name": "x", "variants": []})
    assert no_variants.status_code == 422
    dup_barcode = await shop.post("/api/admin/v1/products", json={
        "name": "y",
        "variants": [{"sku": "Y-1", "price": 1, "barcodes": [{"code": "6900000000014"}]}]})
    assert dup_barcode.status_code == 409
    missing = await shop.get("/api/admin/v1/products/999999")
    assert missing.status_code == 404


async def test_storefront_pagination(open_shop):
    shop = await open_shop()
    for i in range(5):
        await shop.post("/api/admin/v1/products", json={
            "name": f"P{i}", "variants": [{"sku": f"P-{i}", "price": 100 + i, "stock": i}]})
    seen, cursor = [], None
    while True:
        url = "/api/v1/products?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = (await shop.get(url, admin=False)).json()
        seen += [item["name"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == ["P4", "P3", "P2", "P1", "P0"]
    bad = await shop.get("/api/v1/products?cursor=%%%", admin=False)
    assert bad.status_code == 422
    too_many = await shop.get("/api/v1/products?limit=1000", admin=False)
    assert too_many.status_code in (400, 422)


async def test_api_calls_and_probes_create_no_sessions(client, open_shop):
    shop = await open_shop()
    for response in (await client.get("/healthz"), await shop.get("/api/v1/products",
                                                                   admin=False)):
        assert "session" not in response.headers.get("set-cookie", "")


async def test_idempotent_replays_are_stored_sealed(client):
    from conftest import unique_slug
    from galleria.kernel.events_tables import IdempotencyRecord

    slug = unique_slug("seal")
    response = await client.post("/api/platform/v1/signup", headers={"idempotency-key": slug},
                                 json={"shop_name": "S", "slug": slug, "template": "blank",
                                       "email": f"o@{slug}.example", "password": "Long-enough-9"})
    token = response.json()["admin_token"]
    stored = await IdempotencyRecord.select(IdempotencyRecord.body).where(
        IdempotencyRecord.key == slug).first()
    assert token not in stored["body"]


async def test_api_docs_ui_is_served_from_our_own_static_files(client):
    page = await client.get("/schema/")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    bundle = await client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200


async def test_each_request_leaves_one_access_log_line(client, caplog):
    import json
    import logging

    with caplog.at_level(logging.INFO, logger="galleria.access"):
        response = await client.get("/healthz", headers={"x-request-id": "line-42"})
    lines = [record.getMessage() for record in caplog.records
             if record.name == "galleria.access" and "line-42" in record.getMessage()]
    assert response.status_code == 200
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert (entry["path"], entry["status"], entry["request_id"]) == ("/healthz", 200, "line-42")


def test_the_app_writes_its_log_lines_without_a_thread_of_its_own(settings):
    """Written by the thread that logs them. Handed to a logging thread instead (Litestar's
    default queue listener), the lines fought the event loop for the GIL under load: a
    sixth of a flash sale's CPU (docs/performance.md, 13)."""
    import logging
    import threading
    from logging.handlers import QueueHandler

    from galleria.web.app import create_app

    root, litestar = logging.getLogger(), logging.getLogger("litestar")
    kept = root.handlers[:], litestar.handlers[:]
    threads = threading.active_count()
    try:
        create_app(settings)
        handlers = root.handlers + litestar.handlers
        assert not [h for h in handlers if isinstance(h, QueueHandler)]
        assert [h for h in root.handlers if type(h) is logging.StreamHandler]
        assert threading.active_count() == threads
    finally:
        root.handlers[:], litestar.handlers[:] = kept
