"""After-sales (售后): unshipped lines cancelled and refunded, returns and exchanges.

Its own area above orders, payments and fulfilment, because it uses all three: what was
shipped (fulfilment), the refund through the original gateway (payments) and the order's
lines and timeline (orders). Its tables stay in the orders app (`orders.aftersales_tables`),
where their migrations were written.
"""
