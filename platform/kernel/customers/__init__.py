"""Shopper accounts of one shop: registration and sign-in (`accounts`), the address book
(`addresses`), bearer and password-reset tokens (`tokens`), order history (`history`) and
the account's cart with the guest-cart merge (`cart_merge`). Tables in `tables.py`, in their
own piccolo app (`piccolo_app.py`)."""
