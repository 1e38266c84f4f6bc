"""The outbox and both job runners."""

import asyncio
import os
import subprocess
import sys
import time

import pytest

from conftest import REPO_ROOT
from galleria.jobs.tasks import enqueue, relay_once
from galleria.kernel import db
from galleria.kernel.events import emit, pending_event_ids
from galleria.kernel.events_tables import OutboxEvent
from galleria.kernel.plugins import JobSpec


class Boom(Exception):
    pass


async def test_rolled_back_event_is_never_delivered_and_committed_one_runs_once(runtime):
    calls = []
    jobs = {"count": JobSpec("count", lambda marker: calls.append(marker))}
    with pytest.raises(Boom):
        async with db.database().transaction():
            await enqueue(None, "count", marker="rolled-back")
            raise Boom
    async with db.database().transaction():
        await enqueue(None, "count", marker="committed")
    await relay_once(runtime.host, jobs, limit=100_000)
    await relay_once(runtime.host, jobs, limit=100_000)  # the relay running twice changes nothing
    assert calls.count("committed") == 1
    assert "rolled-back" not in calls


@pytest.mark.concurrency
async def test_two_relays_at_once_deliver_once(runtime):
    calls = []

    async def slow(marker):
        await asyncio.sleep(0.05)
        calls.append(marker)

    jobs = {"slow": JobSpec("slow", slow)}
    async with db.database().transaction():
        await enqueue(None, "slow", marker="race")
    await asyncio.gather(relay_once(runtime.host, jobs, limit=100_000),
                         relay_once(runtime.host, jobs, limit=100_000))
    assert calls == ["race"]


async def test_failing_job_is_retried_later_with_backoff(runtime):
    attempts = []

    def flaky(marker):
        attempts.append(marker)
        if len(attempts) == 1:
            raise RuntimeError("first try fails")

    jobs = {"flaky": JobSpec("flaky", flaky)}
    async with db.database().transaction():
        await enqueue(None, "flaky", marker="m")
    await relay_once(runtime.host, jobs, limit=100_000)
    row = await OutboxEvent.select().where(OutboxEvent.topic == "job.flaky").first()
    assert row["attempts"] == 1 and "first try fails" in row["last_error"]
    assert row["id"] not in await pending_event_ids()  # not due until its backoff passes
    await OutboxEvent.update({OutboxEvent.next_attempt_at: row["created_at"]}).where(
        OutboxEvent.id == row["id"])
    await relay_once(runtime.host, jobs, limit=100_000)
    assert attempts == ["m", "m"]
    done = await OutboxEvent.select(OutboxEvent.done_at).where(OutboxEvent.id == row["id"]).first()
    assert done["done_at"] is not None


async def test_kernel_listener_gets_each_event_once_and_is_retried_when_it_raises(runtime):
    from galleria.kernel.events import Listener, deliver

    seen = []

    def listen(event, host):
        seen.append(event.payload["n"])
        if len(seen) == 1:
            raise RuntimeError("listener down")

    listeners = {"test.ping": [Listener("ping", "test.ping", listen)]}
    async with db.database().transaction():
        await emit(None, "test.ping", {"n": 7})
    row = await OutboxEvent.select().where(OutboxEvent.topic == "test.ping").first()
    enabled = lambda tenant: frozenset()  # noqa: E731 - no plugin is enabled anywhere
    assert await deliver(row["id"], runtime.host, enabled, listeners=listeners) is False
    assert await deliver(row["id"], runtime.host, enabled, listeners=listeners) is True
    assert await deliver(row["id"], runtime.host, enabled, listeners=listeners) is True
    assert seen == [7, 7]  # failed once, then delivered, then never again


async def test_delayed_work_waits_until_due(runtime):
    import datetime as dt

    calls = []
    jobs = {"later": JobSpec("later", lambda: calls.append(1))}
    async with db.database().transaction():
        await enqueue(None, "later", delay=dt.timedelta(hours=1))
    await relay_once(runtime.host, jobs, limit=100_000)
    assert calls == []


@pytest.mark.skipif(not os.environ.get("GALLERIA_TEST_REDIS"), reason="needs Redis")
async def test_redis_worker_process_delivers_outbox_rows(settings, runtime, tmp_path):
    """A real `galleria worker` process on Redis picks up an event and finishes its row."""
    async with db.database().transaction():
        await emit(None, "customer.registered", {"customer_id": 0, "email": "", "phone": ""})
    row = await OutboxEvent.select(OutboxEvent.id).order_by(
        OutboxEvent.id, ascending=False).first()
    env = {**os.environ, "GALLERIA_DATABASE_URL": settings.database_url,
           "GALLERIA_REDIS_URL": settings.redis_url, "GALLERIA_SECRET_KEY": settings.secret_key,
           "GALLERIA_VAR_DIR": str(settings.var_dir)}
    # Output to a file: a pipe nobody reads fills up and blocks the worker's next log line.
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "galleria.cli", "worker", "--threads",
                                   "2"], cwd=REPO_ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        done = None
        while time.monotonic() < deadline:
            done = (await OutboxEvent.select(OutboxEvent.done_at).where(
                OutboxEvent.id == row["id"]).first())["done_at"]
            if done:
                break
            await asyncio.sleep(0.3)
        assert done is not None, "the worker did not deliver the event:\n" + (
            tmp_path / "worker.log").read_text()[-3000:]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
