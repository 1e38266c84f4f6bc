"""The kernel's piccolo apps, in migration order: the one list that `galleria migrate`,
piccolo's own CLI and the runtime's engine binding all read.

A kernel area with tables of its own (orders, payments, customers…) is a piccolo app of its
own, so that its migrations are written independently of the others'. Add it here.
"""

from __future__ import annotations

import importlib
from typing import Any

KERNEL_APPS = [
    "galleria.kernel.piccolo_app",
    "galleria.kernel.orders.piccolo_app",
    "galleria.kernel.payments.piccolo_app",
    "galleria.kernel.customers.piccolo_app",
    "galleria.kernel.notifications.piccolo_app",
    "galleria.kernel.fulfilment.piccolo_app",
    "galleria.kernel.review.piccolo_app",
    "galleria.kernel.access.piccolo_app",
    "galleria.kernel.service.piccolo_app",
    "galleria.kernel.reports.piccolo_app",
    "galleria.kernel.shop_keys.piccolo_app",  # last: keys led by the shop, all tables
]


def kernel_tables() -> list[Any]:
    """Every kernel table, app by app in migration order."""
    return [table for module in KERNEL_APPS
            for table in importlib.import_module(module).APP_CONFIG.table_classes]


__all__ = ["KERNEL_APPS", "kernel_tables"]
