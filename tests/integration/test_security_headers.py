"""Content-Security-Policy on every response (Stripe's origins only on the card payment
page), and cookies marked `Secure` when the request came over HTTPS — directly or through a
trusted proxy's X-Forwarded-Proto (galleria.web.csp)."""

import re
from pathlib import Path

import httpx
from test_shopping_pages import add, browsers, checkout_form, stocked_shop  # noqa: F401
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from galleria.kernel import PaymentAction, PaymentGateway, hookimpl, storage
from galleria.kernel.storage import S3Storage
from galleria.kernel.tenancy.shops import get_shop
from galleria.testing import enable_plugin, register_plugin
from galleria.web.csp import policy_header

REPO = Path(__file__).resolve().parents[2]


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


async def test_every_response_has_a_policy_admitting_this_origin_only(client, open_shop):
    shop = await open_shop()
    for response in (await client.get("/", headers={"accept": "text/html"}),
                     await shop.get("/api/admin/v1/orders"),
                     await client.get("/nothing-here-but-a-problem/api/x")):
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"][0] == "'self'" and len(policy["script-src"]) == 2
        assert policy["script-src"][1].startswith("'nonce-")
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
        assert "stripe" not in response.headers["content-security-policy"]
    again = directives(await client.get("/", headers={"accept": "text/html"}))
    assert again["script-src"] != policy["script-src"]  # a fresh nonce per response


class CardGateway(PaymentGateway):
    """A card gateway that, like Stripe in production, has the page load Stripe.js."""

    code, name, offline, pays_on_delivery, partial_refunds = "card", "Card", False, False, True

    async def start_payment(self, request):
        return PaymentAction("client_secret", {"client_secret": f"pi_1_secret_{request.reference}",
                                               "publishable_key": "pk_test_1"})


class CardPayments:
    @hookimpl
    def galleria_payment_gateways(self, shop):
        return [CardGateway()]


async def test_only_the_card_payment_page_admits_stripe(browsers, open_shop, plugin_host):  # noqa: F811
    shop, ids = await stocked_shop(open_shop)
    tenant = await get_shop(shop.slug)
    with register_plugin(plugin_host, CardPayments, "test_card_payments"):
        await enable_plugin(tenant.id, plugin_host, "test_card_payments")
        browser = browsers(shop.host)
        await add(browser, ids, "POT")
        checkout = await browser.get("/checkout")
        placed = await browser.post("/checkout", await checkout_form(
            browser, payment_method="card", action="place"))
        pay = await browser.get(placed.headers["location"])
        assert pay.status_code == 200
        assert '<script src="https://js.stripe.com/v3/"></script>' in pay.text
        policy = directives(pay)
        assert "https://js.stripe.com" in policy["script-src"]
        assert "https://js.stripe.com" in policy["frame-src"]
        assert "https://api.stripe.com" in policy["connect-src"]
        order = await browser.get(placed.headers["location"].removesuffix("/pay"))
        for other in (checkout, order):
            assert "stripe" not in other.headers["content-security-policy"]


async def test_the_api_explorer_runs_its_set_up_with_the_nonce_only(client):
    page = await client.get("/schema")
    assert page.status_code == 200
    nonce = directives(page)["script-src"][1].removeprefix("'nonce-").removesuffix("'")
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.text)
    assert inline and all(f"nonce='{nonce}'" in attributes for attributes in inline)


def test_product_images_on_a_cdn_are_admitted():
    saved = storage.storage()
    storage.configure(S3Storage(endpoint="https://s3.example.com", bucket="media",
                                access_key="a", secret_key="s",
                                public_url="https://img.example-cdn.com/shop-media"))
    try:
        policy = dict(part.split(" ", 1) for part in policy_header("n").split("; "))
    finally:
        storage.configure(saved)
    assert policy["img-src"].split() == ["'self'", "data:", "blob:",
                                         "https://img.example-cdn.com"]
    assert "example-cdn" not in policy_header("n")  # the local disk again: this origin


def test_no_template_or_plugin_page_has_an_inline_script_or_handler():
    """The policy would block them: scripts are static files (data blocks are fine)."""
    offenders = []
    files = [*REPO.glob("platform/**/*.html"), *REPO.glob("plugins/**/*.html"),
             *REPO.glob("plugins/**/*.py")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?P<attrs>[^>]*)>", text):
            attrs = match.group("attrs")
            if "src=" not in attrs and not re.search(r"application/(ld\+)?json", attrs):
                offenders.append(f"{path.relative_to(REPO)}: {match.group(0)}")
        offenders += [f"{path.relative_to(REPO)}: {m.group(0)}"
                      for m in re.finditer(r"\son(click|submit|load|change|input)=", text)]
    assert offenders == []


def set_cookies(response: httpx.Response) -> list[str]:
    cookies = response.headers.get_list("set-cookie")
    assert cookies, "the page sets no cookie to check"
    return cookies


async def test_cookies_are_secure_over_https_and_through_a_trusted_proxy(app):
    async def signup_page(transport, base_url, **headers) -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as browser:
            return await browser.get("/signup", headers={"accept": "text/html", **headers})

    direct = httpx.ASGITransport(app=app)
    plain = await signup_page(direct, "http://localhost")
    assert not any("secure" in c.lower() for c in set_cookies(plain))  # the local demo
    https = await signup_page(direct, "https://localhost")
    assert all(re.search(r";\s*Secure", c) for c in set_cookies(https))

    proxied = ProxyHeadersMiddleware(app, trusted_hosts="127.0.0.1")  # as `galleria serve`
    behind_proxy = await signup_page(httpx.ASGITransport(app=proxied, client=("127.0.0.1", 1)),
                                     "http://localhost", **{"x-forwarded-proto": "https"})
    assert all(re.search(r";\s*Secure", c) for c in set_cookies(behind_proxy))
    forged = await signup_page(httpx.ASGITransport(app=proxied, client=("203.0.113.7", 1)),
                               "http://localhost", **{"x-forwarded-proto": "https"})
    assert not any("secure" in c.lower() for c in set_cookies(forged))  # not our proxy


async def test_a_sandbox_simulators_page_may_style_itself_inline_and_nothing_else_may():
    """The simulators are mounted under /sandbox/: the mount rewrites `path` to the part
    below it before the response starts, so the exception is judged by the path as sent."""
    from galleria.web.csp import add_security_policy

    async def policy(scope: dict) -> dict[str, list[str]]:
        message = {"type": "http.response.start", "status": 200, "headers": []}
        await add_security_policy(message, scope)
        header = dict(message["headers"])[b"content-security-policy"].decode()
        return {name: values for name, *values in (p.split() for p in header.split(";"))}

    simulator = await policy({"type": "http", "path": "/pay/W1",
                              "raw_path": b"/sandbox/wechat/pay/W1", "state": {}})
    assert "'unsafe-inline'" in simulator["style-src"]
    assert not any(v.startswith("'nonce-") for v in simulator["style-src"])  # would void it
    assert "'unsafe-inline'" not in simulator["script-src"]
    shop_page = await policy({"type": "http", "path": "/pay/W1", "raw_path": b"/pay/W1",
                              "state": {}})
    assert "'unsafe-inline'" not in shop_page["style-src"]
