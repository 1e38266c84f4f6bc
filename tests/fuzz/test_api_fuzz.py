"""A bounded property-based fuzz of the API with schemathesis: every operation of the
storefront, admin and platform APIs, with a real shop (products from a template) and its
admin token, against a served app on the database of the pass (see tests/e2e/conftest.py).

It holds the OpenAPI document to the answers: no 5xx, every status code and content type
documented, every body matching its schema. Bounded: GALLERIA_FUZZ_EXAMPLES cases per
operation and generation mode (default 12), and as many again on ids that exist (a product,
a cart, an order…), derandomized so that a run repeats. Strings may hold NUL bytes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from e2e.conftest import LiveServer, migrate, server_env, serving
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("GALLERIA_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
PASSWORD = "Correct-Horse-9"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    var: Path = tmp_path_factory.mktemp("fuzz")
    env = server_env(var)
    migrate(env)
    with serving(env, var) as server:
        yield server, var


def server_errors(var: Path) -> list[str]:
    """The exceptions the server logged (the last line of each traceback)."""
    lines = (var / "server.log").read_text(errors="replace").splitlines()
    return sorted({line for line in lines if re.match(r"^[\w.]+(Error|Exception)\b", line)})


def open_shop(base: str) -> tuple[str, str]:
    """A shop with a template's products; (its host, its admin token)."""
    slug = f"fuzz-{os.getpid()}"
    answer = httpx.post(f"{base}/api/platform/v1/signup", headers={"host": "localhost"},
                        json={"shop_name": "Fuzz", "slug": slug, "email": f"o@{slug}.example",
                              "password": PASSWORD, "template": "grocery"}, timeout=60)
    assert answer.status_code == 201, answer.text
    return f"{slug}.localhost", answer.json()["admin_token"]


def real_ids(base: str, host: str, token: str) -> dict[str, object]:
    """Ids that exist in the shop (a product, its variant, a cart with a line, an order, a
    category, a webhook endpoint), so that cases reach past "not found" to real answers."""
    shop = httpx.Client(base_url=base, headers={"host": host}, timeout=60)
    admin = {"authorization": f"Bearer {token}"}
    product = shop.get("/api/v1/products").json()["items"][0]["id"]
    variant = shop.get(f"/api/v1/products/{product}").json()["variants"][0]["id"]
    cart = shop.post("/api/v1/carts").json()["id"]
    shop.post(f"/api/v1/carts/{cart}/items", json={"variant_id": variant, "quantity": 1})
    order_cart = shop.post("/api/v1/carts").json()["id"]
    shop.post(f"/api/v1/carts/{order_cart}/items", json={"variant_id": variant, "quantity": 1})
    address = {"name": "李雷", "phone": "13800138000", "country": "CN", "province": "浙江省",
               "city": "杭州市", "line1": "文三路 1 号"}
    placed = shop.post("/api/v1/orders", json={
        "cart_id": order_cart, "contact": {"name": "李雷", "phone": "13800138000"},
        "address": address, "shipping_method": "express", "payment_method": "cod"})
    assert placed.status_code == 201, placed.text
    category = shop.post("/api/admin/v1/categories", headers=admin,
                         json={"slug": "fuzzed", "name": "Fuzzed"}).json()["id"]
    endpoint = shop.post("/api/admin/v1/webhooks", headers=admin, json={
        "url": "https://hooks.example.com/x", "topics": ["order.placed"]}).json()["id"]
    return {"product_id": product, "variant_id": variant, "cart_id": cart,
            "number": placed.json()["number"], "category_id": category,
            "endpoint_id": endpoint, "name": "marketing"}


def test_every_operation_answers_as_its_document_says(served) -> None:
    server, var = served
    base = f"http://127.0.0.1:{server.port}"
    shop_host, token = open_shop(base)
    known = real_ids(base, shop_host, token)
    document = httpx.get(f"{base}/schema/openapi.json", headers={"host": "localhost"}).json()
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60
    for operation in operations:
        path = operation.path
        if not path.startswith("/api/"):
            continue
        headers = {"host": "localhost" if path.startswith("/api/platform/") else shop_host}
        if path.startswith("/api/admin/"):
            headers["authorization"] = f"Bearer {token}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += fuzz(operation, mode, base, headers)
        names = set(re.findall(r"\{(\w+)\}", path))
        if names and names <= set(known):  # again, on things that exist
            failures += fuzz(operation, GenerationMode.POSITIVE, base, headers,
                             {name: known[name] for name in names})
    assert not failures, f"{len(failures)} answers not as documented:\n" + "\n".join(
        sorted(set(failures))[:60]) + "\nserver errors:\n" + "\n".join(server_errors(var))


def fuzz(operation, mode: GenerationMode, base: str, headers: dict[str, str],
         path_parameters: dict[str, object] | None = None) -> list[str]:
    found: list[str] = []
    label = mode.value + (" on real ids" if path_parameters else "")

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        response = case.call(base_url=base, headers=headers, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as failure:
            first = str(failure).strip().splitlines()
            found.append(f"{operation.method.upper()} {operation.path} [{label}] "
                         f"{response.status_code}: {' | '.join(first[:6])[:400]}")

    try:
        run()
    except Unsatisfiable:  # nothing in the operation can be made invalid (no input)
        assert mode is GenerationMode.NEGATIVE, operation.path
    return found
