"""Typed shapes of the after-sales API (cancel-lines, returns, tickets), and the problem
responses each endpoint documents, so the OpenAPI document says what really comes back."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from galleria.web.problems import PROBLEM_JSON


class FieldProblem(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, as every error of the API is."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = []


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """`responses=` for a handler: each status a problem+json body."""
    meaning = {400: "Malformed request", 401: "Not signed in", 403: "Not allowed",
               404: "No such order or request in this shop",
               409: "Conflicts with the order's or request's state",
               422: "Validation failed (errors name the fields)"}
    return {status: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON,
                                 description=meaning.get(status, "Error"))
            for status in statuses}


class LineQuantity(msgspec.Struct, forbid_unknown_fields=True):
    variant_id: int
    quantity: Annotated[int, msgspec.Meta(ge=1, le=100000)]


class CancelLinesBody(msgspec.Struct, forbid_unknown_fields=True):
    lines: Annotated[list[LineQuantity], msgspec.Meta(min_length=1, max_length=200)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


def lines_of(items: list[Any]) -> list[dict[str, int]]:
    return [{"variant_id": item.variant_id, "quantity": item.quantity} for item in items]


__all__ = ["CancelLinesBody", "LineQuantity", "Problem", "lines_of", "problems"]
