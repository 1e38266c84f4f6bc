"""Product reviews (商品评价): after delivery, the buyer rates each product of the order (1–5
stars, text, photos) and the shop (描述相符, 物流服务, 服务态度); the merchant replies and
moderates (hide with a reason; a sensitive-word list holds a review for a person); product
pages show the average, the counts per star and the published reviews.

A first-party plugin written against the public plugin API only, like any third-party one.
"""
