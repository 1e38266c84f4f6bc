"""Payments: payment and refund records, and the gateway contract (contracts.py)."""
