"""Accounts and credentials: passwords, API tokens, staff sign-in, rate limits."""
