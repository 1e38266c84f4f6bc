"""Order review (审单): rules contributed by plugins judge each order once — when it is
paid, or when it is placed if it pays on delivery — and the order is approved, held for
the review queue or rejected.

- `contracts.py`: what rules implement (`ReviewRule`, `Verdict`, `ReviewContext`);
- `runner.py`: the kernel listeners on `order.paid` / `order.placed` that ask the rules,
  combine, record (`tables.OrderReview`) and move the order;
- `queue.py`, `changes.py`, `figures.py`: what the review queue does with held orders;
- `history.py`: the shopper's earlier orders, by customer id or contact phone.
"""
