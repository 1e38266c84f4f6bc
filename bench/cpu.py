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


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (state first)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_cpu(pid: int) -> float | None:
    fields = _stat(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / TICK


def parent(pid: int) -> int | None:
    fields = _stat(pid)
    return None if fields is None else int(fields[1])


def reaped_cpu(pid: int) -> float | None:
    """CPU seconds of `pid`'s children that exited and were waited for (cutime + cstime):
    for the PostgreSQL postmaster, every backend that has ended."""
    fields = _stat(pid)
    return None if fields is None else (int(fields[13]) + int(fields[14])) / TICK


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


REAPED = 0  # Snapshot.db's key for the backends that have ended (the postmaster's count)


def snapshot(app_pids: list[int], db_pids: list[int]) -> Snapshot:
    """`db_pids`: the PostgreSQL backends serving the app now. Their postmaster's count of
    the backends that have ended is kept beside them, so that a backend the app's pool
    closes during a measurement (asyncpg closes connections idle for 5 minutes) is
    counted, not lost: it was, and the database's CPU per order of such a round read a
    third low."""
    def read(pids: list[int]) -> dict[int, float]:
        return {p: c for p in pids if (c := process_cpu(p)) is not None}

    db = read(db_pids)
    postmaster = next((p for p in map(parent, db_pids) if p), None)
    if postmaster is not None and (reaped := reaped_cpu(postmaster)) is not None:
        db[REAPED] = reaped
    return Snapshot(read(app_pids), db, own_cpu(), machine_busy())


@dataclass
class Usage:
    app: float  # CPU seconds
    db: float
    client: float
    other: float | None  # everything else on the machine


def usage(before: Snapshot, after: Snapshot) -> Usage:
    def delta(a: dict[int, float], b: dict[int, float]) -> float:
        return sum(cpu - a.get(pid, 0.0) for pid, cpu in b.items())

    app = delta(before.app, after.app)
    if REAPED in before.db and REAPED in after.db:  # ended backends: in the postmaster's count
        db = sum(after.db.values()) - sum(before.db.values())
    else:
        db = delta(before.db, after.db)
    client = after.client - before.client
    other = None
    if before.busy is not None and after.busy is not None:
        other = max(0.0, after.busy - before.busy - app - db - client)
    return Usage(app, db, client, other)
