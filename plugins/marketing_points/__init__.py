"""Points (积分) and member levels (会员等级): earned when an order completes, redeemed at
checkout within a cap, reversed on refunds, expiring by the shop's rule; levels by
cumulative spend or points with a discount and free shipping.

A first-party plugin written against the public plugin API only, like any third-party one.
"""
