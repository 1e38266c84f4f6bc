"""WeChat Pay API v3 for Galleria shops (direct merchant): Native QR codes, JSAPI /
mini-program and H5 payments, notifications, query, close and refunds.

`plugin.py` holds the hook implementations; `gateway.py` the gateway; `signing.py` and
`client.py` the signing and HTTP layer; `simulator.py` a WeChat Pay stand-in for tests and
the sandbox demo (never imported on production paths).
"""
