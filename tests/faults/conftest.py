"""Fixtures of the fault tests: private servers the tests start, break and stop."""

from __future__ import annotations

import shutil

import pytest
from fault_kit import PrivatePostgres, PrivateRedis


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres()
    reason = cluster.available()
    if reason:
        pytest.skip(f"a private PostgreSQL cannot run here: {reason}")
    cluster.init()
    cluster.start()
    yield cluster
    cluster.destroy()
