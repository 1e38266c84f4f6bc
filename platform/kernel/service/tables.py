"""Customer-service tables: tickets (complaints, questions, repair and installation
requests) with their messages, and the shop's FAQ. Shop-owned: every row carries `tenant`
(row-level security on PostgreSQL)."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from galleria.kernel.tenancy.tables import Tenant


class Ticket(Table, tablename="service_ticket"):
    """One conversation between a shopper and the shop: open → waiting (for the shopper)
    → resolved; a repair or installation request carries its appointment."""

    tenant = ForeignKey(Tenant, null=False)
    # question | complaint | return | repair | installation
    kind = Varchar(length=16, default="question")
    status = Varchar(length=16, default="open")  # open | waiting | resolved
    subject = Varchar(length=200)
    customer = Integer(null=True, default=None)  # the shopper's account, if signed in
    order_number = Varchar(length=20, default="")  # "" for a general question
    return_id = Integer(null=True, default=None)  # the return request it follows
    contact = JSON(default="{}")  # {"name", "phone"}
    appointment_date = Varchar(length=10, default="")  # YYYY-MM-DD, the shop's calendar
    time_slot = Varchar(length=16, default="")  # 09:00-12:00 …
    address = JSON(default="{}")  # where the repair or installation happens
    rating = Integer(null=True, default=None)  # 1–5, once resolved
    rating_comment = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    first_reply_at = Timestamptz(null=True, default=None)  # staff's first answer
    resolved_at = Timestamptz(null=True, default=None)


class TicketMessage(Table, tablename="service_ticket_message"):
    tenant = ForeignKey(Tenant, null=False)
    ticket = ForeignKey(Ticket, null=False)
    author = Varchar(length=16)  # customer | staff | system
    actor = Varchar(length=120, default="")  # customer:7, user:3, guest, system
    body = Text(default="")
    attachments = JSON(default="[]")  # https URLs of photos
    created_at = Timestamptz(default=TimestamptzNow())


class FaqEntry(Table, tablename="service_faq"):
    tenant = ForeignKey(Tenant, null=False)
    question = Varchar(length=200)
    answer = Text(default="")
    position = Integer(default=0)
    published = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())





class ChatConversation(Table, tablename="service_chat"):
    """Live chat (在线客服) between one storefront visitor and the shop's staff. Unread
    counts per side; a ticket is opened from it when no one answers in time."""

    tenant = ForeignKey(Tenant, null=False)
    visitor = Varchar(length=40)  # a random key kept in the visitor's session
    customer = Integer(null=True, default=None)
    order_number = Varchar(length=20, default="")  # the order the shopper asks about
    unread_staff = Integer(default=0)
    unread_shopper = Integer(default=0)
    last_shopper_at = Timestamptz(null=True, default=None)
    last_staff_at = Timestamptz(null=True, default=None)
    ticket = Integer(null=True, default=None)  # the ticket opened when unanswered
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ChatMessage(Table, tablename="service_chat_message"):
    tenant = ForeignKey(Tenant, null=False)
    conversation = ForeignKey(ChatConversation, null=False)
    author = Varchar(length=16)  # customer | staff
    actor = Varchar(length=120, default="")
    body = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
SERVICE_TABLES = [Ticket, TicketMessage, FaqEntry, ChatConversation, ChatMessage]
