"""After-sales reactions (registered in galleria.kernel.reactions): cancelled lines are
refunded through the original gateway by a listener, so that a refund that fails is retried
and one that runs twice refunds once."""

from __future__ import annotations

from galleria.kernel.aftersales import cancellation
from galleria.kernel.events import Listener

LISTENERS = [Listener("refund_cancellation", cancellation.TOPIC,
                      cancellation.refund_cancellation)]

__all__ = ["LISTENERS"]
