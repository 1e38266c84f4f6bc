"""What the fault tests share: real processes (a private redis-server, `galleria worker`,
`galleria serve`) on spare ports of 127.0.0.1, killed and restarted at will, and the
checks that must hold after any fault."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from galleria.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def galleria_command() -> list[str]:
    script = Path(sys.executable).with_name("galleria")
    return [str(script)] if script.exists() else [sys.executable, "-m", "galleria.cli"]


class PrivateRedis:
    """A redis-server of the test's own, without persistence, stopped and started again on
    the same port (what an operator sees when Redis restarts)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class Process:
    """A `galleria` command in its own process group, logging to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen([*galleria_command(), *self.args], cwd=REPO_ROOT,
                                      env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        handle.close()
        return self

    def kill9(self) -> None:
        """What the kernel's OOM killer or a pulled plug does: no clean-up at all."""
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "GALLERIA_DATABASE_URL": settings.database_url,
           "GALLERIA_SECRET_KEY": settings.secret_key, "GALLERIA_VAR_DIR": str(settings.var_dir),
           "GALLERIA_DOMAIN": settings.domain, "PYTHONUNBUFFERED": "1"}
    env.pop("GALLERIA_REDIS_URL", None)
    if settings.admin_database_url:
        env["GALLERIA_ADMIN_DATABASE_URL"] = settings.admin_database_url
    env.update(extra)
    return env


async def wait_for(condition: Callable[[], Awaitable[Any]], seconds: float,
                   what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        await asyncio.sleep(interval)
