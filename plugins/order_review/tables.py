"""The plugin's table: notes and the contact log of orders in review (shop-owned: `tenant`
first in its index, row-level security on PostgreSQL)."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ReviewNote(Table, tablename="order_review_note"):
    tenant = Integer()
    order_number = Varchar(length=20)
    kind = Varchar(length=16, default="note")  # note | contact
    channel = Varchar(length=16, default="")  # contact: phone | sms | wechat | email | other
    body = Text(default="")
    author = Varchar(length=120, default="")  # "user:7"
    created_at = Timestamptz(default=TimestamptzNow())
