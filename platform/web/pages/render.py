"""Rendering helpers for server-side pages (placeholder until the page layer lands)."""

from __future__ import annotations

from litestar import Request, Response


def render_error(request: Request, status: int, title: str, detail: str,
                 headers: dict[str, str] | None = None) -> Response:
    body = f"<!doctype html><title>{status} {title}</title><h1>{title}</h1><p>{detail}</p>"
    return Response(body, status_code=status, media_type="text/html", headers=headers)
