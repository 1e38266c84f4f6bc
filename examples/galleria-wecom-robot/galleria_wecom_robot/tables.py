"""The plugin's table: one row per paid order of a shop that enabled the plugin."""

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table


class WecomRobotEntry(Table, tablename="wecom_robot_entry"):
    tenant = Integer()  # the shop; first in every index, and row-level security on it
    order_number = Varchar(length=32)
    amount = Integer()  # minor units (fen)
    currency = Varchar(length=3)
    created_at = Timestamptz()
