"""Text messages (SMS) through Alibaba Cloud SMS (dysmsapi): a first-party notification
channel plugin."""
