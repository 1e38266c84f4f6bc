"""Test and sandbox aids of the Alipay plugin: a simulator of the open platform gateway.

Not imported on any production path; the sandbox mode (`GALLERIA_SANDBOX=1`) mounts it.
"""

from galleria_plugins.payments_alipay.testing.simulator import AlipaySimulator

__all__ = ["AlipaySimulator"]
