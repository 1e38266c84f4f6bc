"""Marketing: coupons (优惠券) and threshold discounts (满减), as price adjusters.

A first-party plugin written against the public plugin API only, like any third-party one.
"""
