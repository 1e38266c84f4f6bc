"""The accounts a sandbox simulator knows: what a real provider keeps of each merchant
(an account id, its public key, its shared secrets), one file per simulator.

In sandbox mode a merchant turns a payment method on "in sandbox" with one click: the
plugin makes that shop its own keys (`galleria_sandbox_settings`), records the account
here, and its simulator looks accounts up here. A file, not memory, because the app that
opens an account and the simulator that is asked about it may be different processes (the
demo seeds in one and serves in another, `galleria serve --workers`), and both must agree
after a restart. It lives in `$GALLERIA_VAR_DIR/sandbox/` (readable by the owner only) and
holds sandbox keys only.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class SandboxAccounts:
    """`name`'s accounts (`wechat` → `$GALLERIA_VAR_DIR/sandbox/wechat-accounts.json`)."""

    def __init__(self, name: str, folder: Path | None = None) -> None:
        self.folder = folder or Path(os.environ.get("GALLERIA_VAR_DIR", "var")) / "sandbox"
        self.path = self.folder / f"{name}-accounts.json"

    def get(self, account_id: str) -> dict[str, Any] | None:
        """The account's record, or None for an id this simulator never issued."""
        if not self.path.exists():
            return None
        return json.loads(self.path.read_text() or "{}").get(account_id)

    def add(self, account_id: str, record: dict[str, Any]) -> None:
        """Record (or replace) an account; safe against other processes doing the same."""
        with self._locked():
            accounts = json.loads(self.path.read_text() or "{}") if self.path.exists() else {}
            accounts[account_id] = record
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".accounts-")
            with os.fdopen(handle, "w") as out:
                json.dump(accounts, out)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)  # readers see the old file or the new, whole

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f".{self.path.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class AccountsView(dict):
    """A simulator's `merchants` (or `accounts`) mapping that also knows every account in
    `book`: the ones added in memory (tests, the demo's shared account) come first.
    `load(account_id, record)` turns a record into what the simulator keeps."""

    def __init__(self, book: SandboxAccounts, load: Any) -> None:
        super().__init__()
        self.book, self.load = book, load

    def __missing__(self, key: str) -> Any:
        # Read every time, not kept: an account opened again has new keys.
        record = self.book.get(key)
        if record is None:
            raise KeyError(key)
        return self.load(key, record)

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None


__all__ = ["AccountsView", "SandboxAccounts"]
