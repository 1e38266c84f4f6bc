"""`galleria worker`: dramatiq worker threads plus the outbox relay, per process."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading

from dramatiq import Worker
from dramatiq.asyncio import get_event_loop_thread
from redis.exceptions import RedisError

from galleria.kernel.outages import is_outage
from galleria.settings import Settings

log = logging.getLogger("galleria.jobs")


def _work(threads: int, relay_interval: float = 1.0) -> None:
    from galleria.jobs.redis_runner import relay_to_broker, setup_broker

    settings = Settings.from_env()
    broker = setup_broker(settings)
    worker = Worker(broker, worker_threads=threads)
    worker.start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    log.info("worker started with %d threads", threads)
    while not stop.wait(relay_interval):
        try:
            get_event_loop_thread().run_coroutine(relay_to_broker())
        except Exception as exc:  # jobs wait in the outbox until both answer again
            if is_outage(exc) or isinstance(exc, RedisError):
                log.warning("relay waits: %s is unreachable (%s)",
                            "Redis" if isinstance(exc, RedisError) else "the database",
                            type(exc).__name__)
            else:
                log.exception("relay pass failed; retrying")
    worker.stop()


def run_worker(processes: int = 1, threads: int = 4) -> int:
    if processes == 1:
        _work(threads)
        return 0
    children = [multiprocessing.Process(target=_work, args=(threads,)) for _ in range(processes)]
    for child in children:
        child.start()

    def stop_children(*_):
        for child in children:
            child.terminate()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop_children)
    for child in children:
        child.join()
    return max(child.exitcode or 0 for child in children)
