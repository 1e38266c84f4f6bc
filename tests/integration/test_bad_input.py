"""Bad input is a 400 problem, never a 500, on every route: a NUL character in the query,
the path, a header, a JSON, URL-encoded or multipart body, and JSON nested ~1,000 deep —
on signed-in and anonymous endpoints alike (galleria.web.bad_input)."""

from test_pages import sign_in_console, visitors  # noqa: F401 - the fixture

from galleria.web.bad_input import DEPTH_DETAIL, MAX_JSON_DEPTH, json_depth


def deep_json(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def assert_problem(response, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


async def test_a_nul_in_the_query_path_or_header_is_a_400_problem(open_shop):
    shop = await open_shop()
    assert_problem(await shop.get("/api/admin/v1/orders?payment_method=%00"))
    assert_problem(await shop.get("/api/admin/v1/orders?status=placed%00x"))
    assert_problem(await shop.get("/api/admin/v1/orders/ab%00c"))
    assert_problem(await shop.client.get("/api/v1/products", headers={
        "host": shop.host, "accept-language": "zh\x00"}))
    fine = await shop.get("/api/admin/v1/orders?payment_method=cod")  # the same, without NUL
    assert fine.status_code == 200, fine.text


async def test_a_nul_in_a_json_or_form_body_is_a_400_problem(client, open_shop, visitors):  # noqa: F811
    assert_problem(await client.post("/api/platform/v1/signup", json={
        "shop_name": "Nul\x00shop", "slug": "nul-shop", "email": "a@example.com",
        "password": "Correct-Horse-9"}))
    shop = await open_shop()
    assert_problem(await shop.post("/api/v1/account/register", admin=False, json={
        "email": "nul@example.com", "password": "Correct-Horse-9", "name": "A\x00B"}))
    # URL-encoded page form (through the CSRF check first) and a multipart upload's field
    page = await visitors(shop.host, "zh-CN,zh;q=0.9").submit("/console/login", "/console/login",
                                                               {"email": shop.email + "\x00",
                                                                "password": "x"})
    assert page.status_code == 400
    assert "请求中含有空字符" in page.text  # an error page in the visitor's language
    upload = await shop.post("/api/admin/v1/catalog/import", files={
        "file": ("products.csv", b"sku,name\n", "text/csv")}, data={"note": "a\x00b"})
    assert upload.status_code == 400, upload.text
    # an escaped backslash before u0000 is text, not a NUL
    text = await client.post("/api/platform/v1/signup", json={"shop_name": "\\u0000"})
    assert text.status_code == 422  # other fields missing: validated as usual


async def test_json_nested_a_thousand_deep_is_a_400_problem(client, open_shop):
    for body in (deep_json(1000), b"[" * 1000 + b"]" * 1000, deep_json(MAX_JSON_DEPTH + 1)):
        assert_problem(await client.post("/api/platform/v1/signup", content=body,
                                         headers={"content-type": "application/json"}))
    shop = await open_shop()
    for path in ("/api/v1/checkout/preview", "/api/v1/account/sign-in"):
        assert_problem(await shop.client.post(path, content=deep_json(1000), headers={
            "host": shop.host, "content-type": "application/json"}))
    # without a content type the body is still decoded as JSON by the handler: still refused
    assert_problem(await shop.client.post("/api/v1/checkout/preview", content=deep_json(1000),
                                          headers={"host": shop.host}))


def test_json_depth_ignores_brackets_inside_strings():
    assert str(MAX_JSON_DEPTH) in DEPTH_DETAIL
    assert json_depth(b'{"a": "' + b"[" * 500 + b'"}') == 1
    assert json_depth(b'{"a": "\\"' + b"{" * 100 + b'", "b": [[1]]}') == 3
    assert json_depth(b"[" * 70 + b"]" * 70) == 70


async def test_an_id_no_column_can_hold_is_a_404_after_the_permission_check(open_shop):
    """The app-wide guards run in their order on every route (galleria.web.app
    `every_request_guard`): who may ask first, then the id's range."""
    shop = await open_shop()
    too_big = 2**63 + 7
    assert_problem(await shop.get(f"/api/v1/products/{too_big}", admin=False), 404)
    assert_problem(await shop.get(f"/api/admin/v1/returns/{too_big}", admin=False), 401)
    assert_problem(await shop.get(f"/api/admin/v1/returns/{too_big}"), 404)
    fine = await shop.get("/api/admin/v1/returns")
    assert fine.status_code == 200, fine.text
