"""A local Alibaba Cloud SMS simulator for tests and sandbox mode."""

from galleria_plugins.notify_sms.testing.simulator import AliyunSmsSimulator, SentSms, Template

__all__ = ["AliyunSmsSimulator", "SentSms", "Template"]
