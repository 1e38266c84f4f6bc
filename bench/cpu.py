"""CPU accounting for a measurement, from /proc (Linux): the CPU seconds used by the app
server's processes, by the PostgreSQL backends serving it, by the load generator, and by
everything else on the machine in the same interval (other work that competes for the CPUs).
Reading another process's /proc/<pid>/stat needs no privileges; where /proc is missing the
figures are None."""

from __future__ import annotations

import contextlib
import os
import resource
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in task.read_text().split())
    return pids


def machine_busy() -> float | None:
    """CPU seconds all CPUs spent not idle since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / TICK


def own_cpu() -> float:
    """This process and its waited-for children (the wrk runs)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Snapshot:
    app: dict[int, float]
    db: dict[int, float]
    client: float
    busy: float | None


def snapshot(app_pids: list[int], db_pids: list[int]) -> Snapshot:
    def read(pids: list[int]) -> dict[int, float]:
        return {p: c for p in pids if (c := process_cpu(p)) is not None}

    return Snapshot(read(app_pids), read(db_pids), own_cpu(), machine_busy())


@dataclass
class Usage:
    app: float  # CPU seconds
    db: float
    client: float
    other: float | None  # everything else on the machine


def usage(before: Snapshot, after: Snapshot) -> Usage:
    def delta(a: dict[int, float], b: dict[int, float]) -> float:
        return sum(cpu - a.get(pid, 0.0) for pid, cpu in b.items())

    app, db = delta(before.app, after.app), delta(before.db, after.db)
    client = after.client - before.client
    other = None
    if before.busy is not None and after.busy is not None:
        other = max(0.0, after.busy - before.busy - app - db - client)
    return Usage(app, db, client, other)
