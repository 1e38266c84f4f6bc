"""The storefront's pages: what shoppers see (catalogue, cart, checkout, orders, account)."""
