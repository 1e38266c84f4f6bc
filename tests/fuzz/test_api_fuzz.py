"""A bounded property-based fuzz of the API with schemathesis: every operation of the
storefront, admin and platform APIs, with a real shop (products from a template) and its
admin token, against a served app on the database of the pass (see tests/e2e/conftest.py).

It holds the OpenAPI document to the answers: no 5xx, every status code and content type
documented, every body matching its schema. Bounded: GALLERIA_FUZZ_EXAMPLES cases per
operation and generation mode (default 12), derandomized so that a run repeats.
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


def test_every_operation_answers_as_its_document_says(served) -> None:
    server, var = served
    base = f"http://127.0.0.1:{server.port}"
    shop_host, token = open_shop(base)
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
    assert not failures, f"{len(failures)} answers not as documented:\n" + "\n".join(
        sorted(set(failures))[:60]) + "\nserver errors:\n" + "\n".join(server_errors(var))


def fuzz(operation, mode: GenerationMode, base: str, headers: dict[str, str]) -> list[str]:
    found: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        response = case.call(base_url=base, headers=headers, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as failure:
            first = str(failure).strip().splitlines()
            found.append(f"{operation.method.upper()} {operation.path} [{mode.value}] "
                         f"{response.status_code}: {' | '.join(first[:6])[:400]}")

    try:
        run()
    except Unsatisfiable:  # nothing in the operation can be made invalid (no input)
        assert mode is GenerationMode.NEGATIVE, operation.path
    return found
