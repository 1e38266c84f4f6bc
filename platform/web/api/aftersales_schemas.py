"""Typed shapes of the after-sales API (cancel-lines, returns, tickets), and the problem
responses each endpoint documents, so the OpenAPI document says what really comes back."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from galleria.web.openapi import Problem
from galleria.web.problems import PROBLEM_JSON


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """`responses=` for a handler: each status a problem+json body."""
    meaning = {400: "Malformed request", 401: "Not signed in", 403: "Not allowed",
               404: "No such order or request in this shop",
               409: "Conflicts with the order's or request's state",
               422: "Validation failed (errors name the fields)"}
    return {status: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON,
                                 description=meaning.get(status, "Error"),
                                 generate_examples=False)
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


class ReturnLine(msgspec.Struct):
    variant_id: int
    sku: str
    name: str
    unit_price: int
    quantity: int
    received: int = 0
    restocked: int = 0


class ReturnStep(msgspec.Struct, omit_defaults=True):
    status: str
    at: str
    note: str = ""
    actor: str | None = None


class Photo(msgspec.Struct):
    """A photo stored by the shop: `key` is what a request names in its `photos`; `url`
    the picture (re-encoded JPEG, at most 2400 px), `thumb_url` its 400 px thumbnail."""

    key: str
    url: str
    thumb_url: str


class ReturnView(msgspec.Struct):
    """A return or exchange request: `status` is requested, approved, rejected,
    shipped_back, received, refunding, refunded or replacement_shipped."""

    id: int
    order_number: str
    kind: str
    status: str
    lines: list[ReturnLine]
    reason: str
    note: str
    photos: list[Photo]
    return_address: str
    reject_reason: str
    carrier: str
    tracking_number: str
    refund_amount: int
    currency: str
    shop_pays_return_shipping: bool
    timeline: list[ReturnStep]
    created_at: str | None
    updated_at: str | None


class ReturnList(msgspec.Struct):
    items: list[ReturnView]


def return_view(shown: dict[str, Any]) -> ReturnView:
    return msgspec.convert(shown, ReturnView)


class ReturnBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: Annotated[str, msgspec.Meta(max_length=16)]
    lines: Annotated[list[LineQuantity], msgspec.Meta(min_length=1, max_length=200)]
    reason: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    note: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    photos: Annotated[list[Annotated[str, msgspec.Meta(max_length=255)]],
                      msgspec.Meta(max_length=9)] = []  # keys answered by the photo upload


class TrackingBody(msgspec.Struct, forbid_unknown_fields=True):
    carrier: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    tracking_number: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ApproveBody(msgspec.Struct, forbid_unknown_fields=True):
    return_address: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class RejectBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class ReceiveLine(msgspec.Struct, forbid_unknown_fields=True):
    variant_id: int
    quantity: Annotated[int, msgspec.Meta(ge=0, le=100000)]
    restock: bool = True


class ReceiveBody(msgspec.Struct, forbid_unknown_fields=True):
    lines: Annotated[list[ReceiveLine], msgspec.Meta(max_length=200)] = []


class RefundBody(msgspec.Struct, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(ge=1)] | None = None


class ProductTermsBody(msgspec.Struct, forbid_unknown_fields=True):
    returnable: bool = True
    warranty_months: Annotated[int, msgspec.Meta(ge=0, le=240)] = 0
    warranty_covers: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class ProductTerms(msgspec.Struct):
    product_id: int
    returnable: bool
    warranty_months: int
    warranty_covers: str


class TicketMessageView(msgspec.Struct, omit_defaults=True):
    id: int
    author: str
    body: str
    attachments: list[str]
    created_at: str | None
    actor: str | None = None


class TicketView(msgspec.Struct, omit_defaults=True):
    """A ticket: `status` open, waiting (for the shopper) or resolved; `kind` question,
    complaint, return, repair or installation."""

    id: int
    kind: str
    status: str
    subject: str
    messages: list[TicketMessageView]
    order_number: str | None = None
    return_id: int | None = None
    appointment_date: str | None = None
    time_slot: str | None = None
    address: dict[str, Any] | None = None
    rating: int | None = None
    rating_comment: str = ""
    created_at: str | None = None
    updated_at: str | None = None
    resolved_at: str | None = None
    customer_id: int | None = None
    contact: dict[str, Any] | None = None
    first_reply_at: str | None = None


class TicketList(msgspec.Struct):
    items: list[TicketView]


def ticket_view(shown: dict[str, Any]) -> TicketView:
    return msgspec.convert(shown, TicketView)


Attachments = Annotated[list[Annotated[str, msgspec.Meta(max_length=500)]],
                        msgspec.Meta(max_length=6)]


class TicketBody(msgspec.Struct, forbid_unknown_fields=True):
    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    kind: Annotated[str, msgspec.Meta(max_length=16)] = "question"
    order_number: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    attachments: Attachments = []


class MessageBody(msgspec.Struct, forbid_unknown_fields=True):
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    attachments: Attachments = []


class ResolveBody(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class RatingBody(msgspec.Struct, forbid_unknown_fields=True):
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=500)] = ""


class TicketFigures(msgspec.Struct):
    total: int
    open: int
    waiting: int
    resolved: int
    unanswered: int
    first_reply_minutes_avg: float | None
    first_reply_minutes_max: float | None
    resolve_minutes_avg: float | None
    rating_avg: float | None


class FaqView(msgspec.Struct):
    id: int
    question: str
    answer: str
    position: int
    published: bool


class ServiceContact(msgspec.Struct):
    phone: str  # "" when the shop shows none
    hours: str


class ServiceContactBody(msgspec.Struct, forbid_unknown_fields=True):
    phone: Annotated[str, msgspec.Meta(max_length=40)]
    hours: Annotated[str, msgspec.Meta(max_length=60)] = ""


class FaqList(msgspec.Struct):
    items: list[FaqView]


class FaqBody(msgspec.Struct, forbid_unknown_fields=True):
    question: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    answer: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    position: Annotated[int, msgspec.Meta(ge=0, le=10000)] = 0
    published: bool = True


class ServiceRequestBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: Annotated[str, msgspec.Meta(max_length=16)]
    appointment_date: Annotated[str, msgspec.Meta(max_length=10)]
    time_slot: Annotated[str, msgspec.Meta(max_length=16)]
    body: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    address: dict[str, Any] | None = None


class ServicePoint(msgspec.Struct):
    city: str
    name: str
    address: str
    phone: str
    hours: str


class ServicePointList(msgspec.Struct):
    items: list[ServicePoint]
    time_slots: list[str]


class ContactBody(msgspec.Struct, forbid_unknown_fields=True):
    channel: Annotated[str, msgspec.Meta(max_length=16)]
    outcome: Annotated[str, msgspec.Meta(max_length=16)]
    note: Annotated[str, msgspec.Meta(max_length=400)] = ""
