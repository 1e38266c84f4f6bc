"""The OpenAPI document, true to the answers: every operation lists the problem responses it
can give, as application/problem+json with the Problem schema (see galleria.web.problems).

Which problems an operation can give is derived from what the route is, when the route is
registered (`ProblemResponses.receive_route`), not written by hand on ~90 handlers:
- every API route is guarded by its host (a shop's host, or the platform's): 404 on the other
  host or an unknown shop, and 404 for an id that is not there;
- on a shop's host, a suspended shop answers 403;
- a route that takes input (a body, path, query or header parameters): 400 for a request
  that cannot be read, 422 for one that breaks the rules (`errors` says which field);
- the admin API (`galleria.web.permission_guard`): 401 without a valid token, 403 without
  the scope;
- a shopper's routes (those that depend on the signed-in `customer`): 401 without a valid
  sign-in;
- every write (POST, PUT, PATCH, DELETE): 409 for a state that does not allow it or an
  Idempotency-Key reused with another body;
- routes behind a rate limit (`RATE_LIMITED`): 429 with Retry-After;
- routes that ask another provider (`PROVIDER_BACKED`): 503 when it cannot be reached.
A status a handler gives beyond these is declared on it with `responses=`, which wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypedDict

from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Operation, Schema
from litestar.params import Body, KwargDefinition
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from galleria.kernel.checkout.details import ADDRESS_FIELDS
from galleria.web.context import platform_host_only, shop_host_only
from galleria.web.problems import PROBLEM_JSON, TITLES

API_PREFIXES = ("/api/",)
ADMIN_API = "/api/admin/"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Where the limiter counts attempts (signup per address; shopper sign-in, codes, resets).
RATE_LIMITED = ("/api/platform/v1/signup", "/api/v1/account/")
PROVIDER_BACKED = ("/api/v1/account/wechat/",)  # asks WeChat's servers
# Arguments Litestar fills from the connection or from dependencies, not from the request.
NOT_INPUT = {"request", "state", "scope", "socket", "self", "cls"}


class FieldProblem(TypedDict):
    field: str
    message: str


class _ProblemCore(TypedDict):
    type: str
    title: str
    status: int
    detail: str


class Problem(_ProblemCore, total=False):
    """RFC 9457 problem details. Some problems carry more members (`retry_after`,
    `request_id`, the SKUs that ran out…); `errors` lists the fields a 422 is about.
    (Not `NotRequired[...]`: under postponed annotations Python 3.11 loses it.)"""

    errors: list[FieldProblem]


WHY = {
    400: "The request could not be read (malformed body or parameter)",
    401: "Authentication required or not valid",
    403: "Not allowed: the token's scope, the shopper, or a suspended shop",
    404: "Not found here, or not on this host",
    409: "Conflicts with the current state, or an Idempotency-Key reused with another body",
    422: "Validation failed; `errors` lists the fields",
    429: "Too many attempts; see Retry-After",
    503: "A provider this needs cannot be reached; try again",
}


def problem_spec(status: int) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, generate_examples=False,
                        description=WHY.get(status, TITLES.get(status, "Problem")))


def host_guards(handler: HTTPRouteHandler) -> set[Any]:
    """The handler's host guards (Litestar wraps sync guards; `func` is the guard itself)."""
    guards = {getattr(guard, "func", guard) for guard in handler.resolve_guards()}
    return guards & {shop_host_only, platform_host_only}


def takes_input(route: HTTPRoute, handler: HTTPRouteHandler) -> bool:
    if route.path_parameters:
        return True
    dependencies = set(handler.resolve_dependencies())
    return any(name not in NOT_INPUT and name not in dependencies
               for name in handler.parsed_fn_signature.parameters)


def problem_statuses(route: HTTPRoute, handler: HTTPRouteHandler) -> set[int]:
    """The problem statuses the route can answer with, from its path, guards and inputs."""
    path = route.path_format
    statuses = {404}
    if shop_host_only in host_guards(handler):
        statuses.add(403)
    if takes_input(route, handler):
        statuses |= {400, 422}
    if path.startswith(ADMIN_API):
        statuses |= {401, 403}
    dependencies = handler.resolve_dependencies()
    # Shoppers' routes (and plugins' API routes, whose `api` may ask for the shopper):
    # sign-in and after.
    if "customer" in dependencies or "api" in dependencies:
        statuses |= {401, 403}
    if set(handler.http_methods) & WRITES:
        statuses.add(409)
        if path.startswith(RATE_LIMITED):
            statuses.add(429)
    if path.startswith(PROVIDER_BACKED):
        statuses.add(503)
    return statuses


class ProblemResponses(ReceiveRoutePlugin):
    """Adds the derived problem responses to each API route's handlers as they register
    (before the OpenAPI plugin, which builds the document from them)."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or not route.path_format.startswith(API_PREFIXES):
            return
        for handler in route.route_handlers:
            if not host_guards(handler):
                continue
            declared: Mapping[int, ResponseSpec] = handler.responses or {}
            derived = {status: problem_spec(status)
                       for status in sorted(problem_statuses(route, handler))}
            handler.responses = {**derived, **declared}


def file_answer(media_type: str, description: str) -> dict[int, ResponseSpec]:
    """`responses=` for a handler whose success is a file (a CSV export): a string body of
    `media_type`, not Litestar's schema-less default."""
    return {200: ResponseSpec(data_container=str, media_type=media_type, description=description,
                              generate_examples=False)}


def text_object(fields: Mapping[str, tuple[bool, int]], description: str,
                *, extra: Mapping[str, Schema] | None = None) -> KwargDefinition:
    """The documented schema of a body member the kernel checks field by field (`fields`:
    name → (required, max length)), so that each problem is reported under its field. Put
    it in `Annotated[dict[str, Any], ...]`; msgspec ignores it, Litestar documents it."""
    properties = {name: Schema(type=OpenAPIType.STRING, max_length=length)
                  for name, (_, length) in fields.items()}
    return KwargDefinition(description=description, schema_extra={
        "properties": {**properties, **(extra or {})},
        "required": [name for name, (required, _) in fields.items() if required],
        "additional_properties": False})


# As galleria.kernel.checkout.details.check_address and check_contact check them.
ADDRESS = text_object(ADDRESS_FIELDS, "A delivery address; `country` is ISO 3166 alpha-2.")
_saved = text_object(ADDRESS_FIELDS, "An address of the shopper's address book.",
                     extra={"is_default": Schema(type=OpenAPIType.BOOLEAN)})
SAVED_ADDRESS = Body(description=_saved.description, schema_extra=_saved.schema_extra)  # a body
CONTACT = text_object({"name": (True, 60), "phone": (False, 32), "email": (False, 254)},
                      "Who to reach about the order: a phone number or an email.")


def also_served_as(*media_types: str) -> type[Operation]:
    """An Operation class for a handler whose success answer comes in other media types too
    (`?format=xlsx`): the document lists each of them for the success status."""

    @dataclass
    class MultiMediaOperation(Operation):
        extra_media: ClassVar[tuple[str, ...]] = media_types

        def __post_init__(self) -> None:
            for status, response in (self.responses or {}).items():
                content: Any = getattr(response, "content", None)
                if status.startswith("2") and content:
                    first = next(iter(content.values()))
                    for media in self.extra_media:
                        content.setdefault(media, first)

    return MultiMediaOperation


__all__ = ["ADDRESS", "CONTACT", "SAVED_ADDRESS", "Problem", "ProblemResponses", "also_served_as",
           "file_answer", "problem_spec", "problem_statuses", "text_object"]
