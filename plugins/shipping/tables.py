"""The shipping plugin's tables: same-city delivery slots and their bookings.

Shop-owned (a `tenant` column, row-level security on PostgreSQL). A slot's row counts its
bookings; booking is one conditional UPDATE (`booked < capacity`), so concurrent shoppers
never overbook the last place, on either database.
"""

from piccolo.columns import Boolean, Date, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class DeliverySlot(Table, tablename="shipping_delivery_slot"):
    tenant = Integer()
    day = Date()  # in the shop's time zone
    slot = Integer()  # 1-based position in the shop's same-city slot list
    booked = Integer(default=0)


class SlotBooking(Table, tablename="shipping_slot_booking"):
    tenant = Integer()
    order_number = Varchar(length=20)
    day = Date()
    slot = Integer()
    released = Boolean(default=False)  # the order was cancelled: its place is free again
    created_at = Timestamptz(default=TimestamptzNow())
