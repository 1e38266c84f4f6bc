"""What a review-queue plugin calls, exported by `galleria.kernel` as `review_queue`:

    from galleria.kernel import review_queue
    await review_queue.approve(shop, host, number, actor="user:7", note="called, fine")
"""

from galleria.kernel.review.changes import edit_address, switch_to_cash_on_delivery
from galleria.kernel.review.figures import review_figures as figures
from galleria.kernel.review.queue import approve, held_orders, reject, review_of
from galleria.kernel.review.runner import AUTOMATIC

__all__ = ["AUTOMATIC", "approve", "edit_address", "figures", "held_orders", "reject",
           "review_of", "switch_to_cash_on_delivery"]
