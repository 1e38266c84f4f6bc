"""Alipay (支付宝): page pay, wap pay and QR payments with RSA2 signatures, refunds, and a
local simulator of the gateway for tests and the sandbox demo."""
