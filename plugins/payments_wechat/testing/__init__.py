"""Test and sandbox aids of the WeChat Pay plugin: a simulator of the v3 API with its checks.

Not imported on any production path; the sandbox mode (`GALLERIA_SANDBOX=1`) mounts it.
"""

from galleria_plugins.payments_wechat.testing.simulator import Refusal, WeChatPaySimulator

__all__ = ["Refusal", "WeChatPaySimulator"]
