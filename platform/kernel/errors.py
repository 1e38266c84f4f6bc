"""Typed domain errors. The web layer maps each `kind` to an HTTP status in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """Base of every error the kernel raises on purpose.

    `kind` is one of: invalid, not_found, conflict, forbidden, unauthorized, rate_limited,
    unavailable. `code` is a stable machine name (`slug_taken`), `title` a short summary.
    """

    kind = "invalid"
    code = "invalid"
    title = "Invalid request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None, **extra) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


class ValidationFailed(DomainError):
    kind, code, title = "invalid", "validation_failed", "Validation failed"


class NotFound(DomainError):
    kind, code, title = "not_found", "not_found", "Not found"


class Conflict(DomainError):
    kind, code, title = "conflict", "conflict", "Conflict"


class Forbidden(DomainError):
    kind, code, title = "forbidden", "forbidden", "Forbidden"


class Unauthorized(DomainError):
    kind, code, title = "unauthorized", "unauthorized", "Authentication required"


class RateLimited(DomainError):
    kind, code, title = "rate_limited", "rate_limited", "Too many requests"


class SlugTaken(Conflict):
    code, title = "slug_taken", "Shop address taken"


class EmailTaken(Conflict):
    code, title = "email_taken", "Email already registered"


class ShopSuspended(Forbidden):
    code, title = "shop_suspended", "Shop suspended"


class PluginNotFound(NotFound):
    code, title = "plugin_not_found", "No such plugin"


@dataclass
class Problems:
    """Collects field errors, then raises them together."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.errors.append(FieldError(field_name, message))

    def raise_if_any(self, detail: str = "Some fields are invalid") -> None:
        if self.errors:
            raise ValidationFailed(detail, errors=self.errors)
