"""Claims with an owner and a lease: work whose runner died is taken over; work that keeps
failing ends as a dead letter that staff can retry (issue 12, item 1)."""

import asyncio
import datetime as dt

import pytest

from galleria.jobs.tasks import enqueue, relay_once
from galleria.kernel import db, job_leases
from galleria.kernel.dead_letters import ALL_SHOPS, dead_letters, retry
from galleria.kernel.errors import NotFound
from galleria.kernel.events import MAX_ATTEMPTS
from galleria.kernel.events_tables import OutboxDelivery, OutboxEvent
from galleria.kernel.plugins import JobSpec

# Every due row in one pass: rows other tests left behind must not keep this test's row out
# of the relay's batch.
ALL_DUE = 100_000


@pytest.fixture
def short_lease():
    before = job_leases.lease()
    job_leases.set_lease(0.6)
    yield
    job_leases.set_lease(before.total_seconds())


async def _enqueue(job: str, **kwargs) -> int:
    async with db.database().transaction():
        await enqueue(None, job, **kwargs)
    row = await OutboxEvent.select(OutboxEvent.id).where(
        OutboxEvent.topic == "job." + job).order_by(OutboxEvent.id, ascending=False).first()
    return row["id"]


async def _claim_as_dead_runner(event_id: int, receiver: str, *, expired: bool) -> None:
    """What `kill -9` of a worker leaves behind: a claim nobody renews."""
    now = dt.datetime.now(dt.UTC)
    await OutboxDelivery.insert(OutboxDelivery(
        event=event_id, plugin=receiver, owner="gone-host:4242:deadbeef",
        lease_until=now + (dt.timedelta(seconds=-1) if expired else dt.timedelta(minutes=5))))


async def test_a_job_whose_runner_was_killed_runs_once_its_lease_runs_out(runtime):
    calls = []
    jobs = {"lease_probe": JobSpec("lease_probe", lambda marker: calls.append(marker))}
    event_id = await _enqueue("lease_probe", marker="m")
    await _claim_as_dead_runner(event_id, "job", expired=True)
    await relay_once(runtime.host, jobs, limit=ALL_DUE)
    assert calls == ["m"]
    row = await OutboxEvent.select().where(OutboxEvent.id == event_id).first()
    assert row["done_at"] is not None
    assert row["attempts"] == 1 and "stopped mid-run" in row["last_error"]
    await relay_once(runtime.host, jobs, limit=ALL_DUE)
    assert calls == ["m"]  # finished: never again


async def test_a_live_runners_claim_is_left_alone(runtime):
    calls = []
    jobs = {"lease_live": JobSpec("lease_live", lambda: calls.append(1))}
    event_id = await _enqueue("lease_live")
    await _claim_as_dead_runner(event_id, "job", expired=False)
    await relay_once(runtime.host, jobs, limit=ALL_DUE)
    assert calls == []
    row = await OutboxEvent.select().where(OutboxEvent.id == event_id).first()
    assert row["done_at"] is None and row["attempts"] == 0  # still pending, not failed


async def test_an_event_listener_claimed_by_a_killed_runner_is_delivered(runtime):
    from galleria.kernel.events import Listener, deliver, emit

    seen = []
    listeners = {"test.lease": [Listener("lease", "test.lease",
                                         lambda event, host: seen.append(event.id))]}
    async with db.database().transaction():
        await emit(None, "test.lease", {})
    row = await OutboxEvent.select().where(OutboxEvent.topic == "test.lease").first()
    await _claim_as_dead_runner(row["id"], "kernel:lease", expired=True)
    enabled = lambda tenant: frozenset()  # noqa: E731 - no plugin is enabled anywhere
    assert await deliver(row["id"], runtime.host, enabled, listeners=listeners) is True
    assert seen == [row["id"]]


async def test_a_long_job_keeps_its_lease_while_it_runs(runtime, short_lease):
    calls = []

    async def slow():
        calls.append(1)
        await asyncio.sleep(1.5)  # well past the 0.6 s lease: renewal keeps it

    jobs = {"lease_slow": JobSpec("lease_slow", slow)}
    await _enqueue("lease_slow")

    async def second_runner():
        await asyncio.sleep(0.9)
        await relay_once(runtime.host, jobs, limit=ALL_DUE)

    await asyncio.gather(relay_once(runtime.host, jobs, limit=ALL_DUE), second_runner())
    assert calls == [1]


async def test_a_job_that_keeps_failing_is_a_dead_letter_staff_can_retry(runtime):
    fail = [True]

    def flaky():
        if fail[0]:
            raise RuntimeError("the carrier API is down")

    jobs = {"lease_dead": JobSpec("lease_dead", flaky)}
    event_id = await _enqueue("lease_dead")
    await OutboxEvent.update({OutboxEvent.attempts: MAX_ATTEMPTS - 1}).where(
        OutboxEvent.id == event_id)
    await relay_once(runtime.host, jobs, limit=ALL_DUE)
    dead = {row["id"]: row for row in await dead_letters(ALL_SHOPS)}
    assert event_id in dead
    assert "the carrier API is down" in dead[event_id]["last_error"]
    last = dead[event_id]["last_attempt_at"]  # when it last ran, not an hour ahead
    assert abs((last - dt.datetime.now(dt.UTC)).total_seconds()) < 60
    assert event_id in {row["id"] for row in await dead_letters(None)}  # platform work
    assert event_id not in {row["id"] for row in await dead_letters(999_999)}  # no shop's
    with pytest.raises(NotFound):
        await retry(999_999, event_id)  # another shop cannot touch it

    fail[0] = False
    await retry(None, event_id)
    await relay_once(runtime.host, jobs, limit=ALL_DUE)
    row = await OutboxEvent.select().where(OutboxEvent.id == event_id).first()
    assert row["done_at"] is not None
    assert event_id not in {row["id"] for row in await dead_letters(ALL_SHOPS)}


def _cli(settings, *args: str):
    import os
    import subprocess
    import sys

    from conftest import REPO_ROOT

    env = {**os.environ, "GALLERIA_DATABASE_URL": settings.database_url,
           "GALLERIA_SECRET_KEY": settings.secret_key, "GALLERIA_VAR_DIR": str(settings.var_dir)}
    return subprocess.run([sys.executable, "-m", "galleria.cli", "jobs", *args], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


async def test_operators_list_and_retry_dead_jobs_from_the_command_line(runtime, settings):
    event_id = await _enqueue("lease_cli")
    await OutboxEvent.update({OutboxEvent.attempts: MAX_ATTEMPTS,
                              OutboxEvent.last_error: "SMTPServerDisconnected: gone"}).where(
        OutboxEvent.id == event_id)
    listed = await asyncio.to_thread(_cli, settings, "dead")
    assert listed.returncode == 0, listed.stderr
    assert str(event_id) in listed.stdout and "job.lease_cli" in listed.stdout
    assert "SMTPServerDisconnected: gone" in listed.stdout
    retried = await asyncio.to_thread(_cli, settings, "retry", str(event_id), "999999999")
    assert retried.returncode == 1 and "not dead jobs: 999999999" in retried.stderr
    assert "Traceback" not in retried.stderr
    row = await OutboxEvent.select().where(OutboxEvent.id == event_id).first()
    assert row["attempts"] == 0
