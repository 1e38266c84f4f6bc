"""HTTP: the Litestar app, storefront pages, merchant console, APIs and gateway callbacks."""
