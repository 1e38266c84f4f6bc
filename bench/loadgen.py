"""A bounded, local HTTP load generator: `wrk` when installed (`apt-get install wrk`), else
an httpx.AsyncClient loop. Either sends GET requests to 127.0.0.1 only, cycling through a
list of (Host header, path) targets with N concurrent keep-alive connections for a fixed
number of seconds, and reports requests/s and latency percentiles.

wrk is preferred: it is written in C and needs a fraction of a core, where the httpx loop
needs a whole core of this 2-core machine and so slows the server it measures.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LUA = r"""
-- Cycle through "host path" lines of the file named by the first script argument.
local targets = {}
local index = 0

function init(args)
  for line in io.lines(args[1]) do
    local host, path = line:match("^(%S+) (%S+)$")
    if host then targets[#targets + 1] = {host, path} end
  end
  index = tonumber(args[2] or "0") % #targets
end

function request()
  index = index % #targets + 1
  local t = targets[index]
  return wrk.format("GET", t[2], {["Host"] = t[1]})
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
"""


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers, timeouts and socket errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def client_name(prefer: str = "auto") -> str:
    if prefer == "auto":
        return "wrk" if shutil.which("wrk") else "httpx"
    return prefer


def run(port: int, targets: list[tuple[str, str]], *, connections: int, seconds: float,
        client: str = "auto") -> Result:
    if client_name(client) == "wrk":
        return _run_wrk(port, targets, connections, seconds)
    return asyncio.run(_run_httpx(port, targets, connections, seconds))


def _run_wrk(port: int, targets: list[tuple[str, str]], connections: int,
             seconds: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="galleria-wrk-") as tmp:
        script, listing = Path(tmp) / "targets.lua", Path(tmp) / "targets.txt"
        script.write_text(LUA)
        listing.write_text("".join(f"{host} {path}\n" for host, path in targets))
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                   "--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}",
                   "--", str(listing), "0"]
        # wrk stops by itself after -d; the timeout is a second fence.
        out = subprocess.run(command, capture_output=True, text=True, check=True,
                             timeout=seconds + 60).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Result(data["requests"], data["duration_us"] / 1e6, data["p50_us"] / 1000,
                  data["p90_us"] / 1000, data["p99_us"] / 1000, errors)


async def _run_httpx(port: int, targets: list[tuple[str, str]], connections: int,
                     seconds: float) -> Result:
    import httpx

    latencies: list[float] = []
    errors = 0
    counter = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 timeout=10.0) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                host, path = targets[counter % len(targets)]
                counter += 1
                t0 = time.perf_counter()
                try:
                    response = await client.get(path, headers={"host": host})
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 \
            if latencies else 0.0

    return Result(len(latencies), elapsed, pct(50), pct(90), pct(99), errors)
