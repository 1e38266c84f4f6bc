"""Errors as RFC 9457 problem+json for APIs, and as pages for browsers. One place."""

from __future__ import annotations

import logging
import re
from typing import Any

from asyncpg.exceptions import DataError as PostgresDataError
from litestar import MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from galleria.kernel.errors import DomainError, NotFound
from galleria.kernel.outages import is_outage

log = logging.getLogger("galleria.web")
PROBLEM_JSON = "application/problem+json"
STATUS_BY_KIND = {
    "invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403,
    "unauthorized": 401, "rate_limited": 429, "unavailable": 503,
}
TITLES = {400: "Bad request", 401: "Authentication required", 403: "Forbidden",
          404: "Not found", 405: "Method not allowed", 409: "Conflict",
          413: "Request too large", 415: "Unsupported media type",
          422: "Validation failed", 429: "Too many requests",
          500: "Internal server error", 503: "Service unavailable"}


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/callbacks/", "/schema", "/healthz", "/readyz")):
        return False
    return "text/html" in request.headers.get("accept", "")


def problem_body(status: int, detail: str, *, code: str | None = None,
                 title: str | None = None, errors: list[dict[str, str]] | None = None,
                 **extra: Any) -> dict[str, Any]:
    """The problem+json document."""
    body: dict[str, Any] = {
        "type": f"https://galleria.dev/problems/{code or status}",
        "title": title or TITLES.get(status, "Error"), "status": status, "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem(request: Request, status: int, detail: str, *, code: str | None = None,
            title: str | None = None, errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body = problem_body(status, detail, code=code, title=title, errors=errors, **extra)
    if wants_html(request):
        from galleria.web.pages.render import render_error

        return render_error(request, status, body["title"], detail, headers=headers)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(exc: DomainError) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """A domain error's status, problem+json document and headers (Retry-After)."""
    status = STATUS_BY_KIND.get(exc.kind, 400)
    extra = dict(exc.extra)
    headers = {"Retry-After": str(extra["retry_after"])} if "retry_after" in extra else None
    body = problem_body(
        status, exc.detail, code=exc.code, title=exc.title,
        errors=[{"field": e.field, "message": e.message} for e in exc.errors] or None, **extra)
    return status, body, headers


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    status, body, headers = domain_problem(exc)
    if wants_html(request):
        from galleria.web.pages.render import render_error

        return render_error(request, status, body["title"], body["detail"], headers=headers)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_PATH_RE = re.compile(r"at `\$\.?(.*?)`")


def validation_handler(request: Request, exc: ValidationException) -> Response:
    errors = []
    for item in exc.extra or []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid"))
        key = item.get("key") or ""
        match = _PATH_RE.search(message)
        field = match.group(1) if match else key
        message = _PATH_RE.sub("", message).strip(" -")
        if item.get("source") == "body" and key and not field:
            field = key
        errors.append({"field": field or "body", "message": message})
    detail = "The request body is not valid" if errors else str(exc.detail)
    return problem(request, 422 if errors else 400, detail, code="validation_failed",
                   errors=errors or None)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = exc.detail if exc.detail and exc.detail != TITLES.get(status) else {
        404: f"Nothing at {request.url.path}", 405: f"{request.method} is not allowed here",
    }.get(status, TITLES.get(status, "Error"))
    return problem(request, status, str(detail), headers=getattr(exc, "headers", None))


# Row ids are SERIAL columns (PostgreSQL `integer`): a larger id names nothing, and handing
# it to the database fails (asyncpg refuses it, SQLite past 2**63 overflows) instead.
MAX_ID = 2**31 - 1


def ids_in_range(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """An app guard: an integer path parameter no id column can hold is a 404."""
    for name, value in connection.path_params.items():
        if type(value) is int and not -MAX_ID <= value <= MAX_ID:
            raise NotFound(f"No {name.removesuffix('_id')} {value} here")


def out_of_range_handler(request: Request, exc: Exception) -> Response:
    """A number in the request that no column can hold: the client's mistake, not ours."""
    if isinstance(exc, PostgresDataError) and "out of" not in str(exc) \
            and getattr(exc, "sqlstate", "") != "22003":  # numeric value out of range
        return unexpected_error_handler(request, exc)
    return problem(request, 422, "A number in the request is out of range",
                   code="out_of_range")


def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    if is_outage(exc):  # the database is restarting: a clean 503, try again shortly
        log.warning("%s %s: a server is unreachable (%s)", request.method, request.url.path,
                    type(exc).__name__)
        title = TITLES[503]
        if wants_html(request):
            from galleria.web.pages.render import render_error

            return render_error(request, 503, title, title, headers={"Retry-After": "5"})
        return problem(request, 503, "The service is briefly unavailable (its database is "
                       "not answering); try again in a few seconds.", code="unavailable",
                       headers={"Retry-After": "5"})
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(request, HTTP_500_INTERNAL_SERVER_ERROR,
                   "Something went wrong on our side; it has been logged.",
                   request_id=request.scope.get("state", {}).get("request_id"))


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    OverflowError: out_of_range_handler,  # SQLite: "Python int too large to convert"
    # PostgreSQL 22003, and asyncpg's own "value out of int32 range" for a query argument
    PostgresDataError: out_of_range_handler,
    Exception: unexpected_error_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "ids_in_range", "problem",
           "wants_html"]
