"""Sandbox mode (the demo): the simulated Alipay, mounted by the platform at
`/sandbox/alipay/`, and the settings that point the demo shops at it.

Only `galleria_sandbox_apps` imports this module, and the platform calls that hook only with
`GALLERIA_SANDBOX=1`: production never loads the simulator.

The demo seeds shops in one process and serves them in another, and both must agree on
the keys: the sandbox's key pairs (the demo app's and "Alipay's") are generated once and
kept in `$GALLERIA_VAR_DIR/sandbox/alipay.json` (readable by the owner only). They sign
nothing but sandbox payments.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from galleria.testing import AccountsView, SandboxAccounts
from galleria_plugins.payments_alipay import signing
from galleria_plugins.payments_alipay.testing.simulator import AlipaySimulator, Merchant

NAME = "alipay"
APP_ID = "2021000000000000"  # the demo shops' sandbox app
SELLER_ID = "2088000000000000"


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def sandbox_keys(folder: Path | None = None) -> dict[str, str]:
    """The sandbox's two private keys (PEM), made on first use and kept for the next."""
    folder = folder or Path(os.environ.get("GALLERIA_VAR_DIR", "var")) / "sandbox"
    path = folder / f"{NAME}.json"
    if path.exists():
        return json.loads(path.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    keys = {"app_private_key": _pem(_new()), "alipay_private_key": _pem(_new())}
    # Written whole or not at all: a second process starting meanwhile reads a full file.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{NAME}-")
    with os.fdopen(handle, "w") as out:
        json.dump(keys, out)
    os.chmod(temporary, 0o600)
    try:
        os.link(temporary, path)  # fails if another process won the race: use its keys
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
    return json.loads(path.read_text())


def _new() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sandbox_apps(folder: Path | None = None) -> list[tuple[str, Any, dict[str, Any]]]:
    """`(name, ASGI app, demo shop settings)` for `galleria_sandbox_apps`."""
    keys = sandbox_keys(folder)
    app_key = signing.load_private_key(keys["app_private_key"])
    simulator = AlipaySimulator(
        alipay_private_key=signing.load_private_key(keys["alipay_private_key"]))
    simulator.merchants = AccountsView(SandboxAccounts(NAME, folder), _merchant)
    simulator.add_merchant(APP_ID, app_key.public_key(), SELLER_ID)
    settings = {"app_id": APP_ID, "app_private_key": keys["app_private_key"],
                "alipay_public_key": simulator.alipay_public_key_pem,
                "seller_id": SELLER_ID, "api_base_url": "{sandbox_url}"}
    return [(NAME, simulator.build_app(), settings)]


def open_account(tenant_id: int, sandbox_url: str,
                 folder: Path | None = None) -> dict[str, Any]:
    """A shop's own sandbox app: a new app key pair, recorded where the simulator finds it,
    and the shop's settings that use it (`galleria_sandbox_settings`)."""
    key = _new()
    app_id, seller_id = f"2021{tenant_id:012d}", f"2088{tenant_id:012d}"
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    SandboxAccounts(NAME, folder).add(app_id, {"public_key": public, "seller_id": seller_id})
    alipay_key = signing.load_private_key(sandbox_keys(folder)["alipay_private_key"])
    return {"app_id": app_id, "app_private_key": _pem(key), "seller_id": seller_id,
            "alipay_public_key": alipay_key.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
            "api_base_url": f"{sandbox_url}/{NAME}"}


def _merchant(app_id: str, record: dict[str, Any]) -> Merchant:
    return Merchant(app_id, signing.load_public_key(record["public_key"]), record["seller_id"])
