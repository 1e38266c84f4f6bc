"""The Alibaba Cloud SMS simulator over real HTTP (fixture `simulator`)."""

from __future__ import annotations

import pytest
from sms_helpers import KEY_ID, SECRET, SIGN, TEMPLATES

from galleria.testing import serve_asgi
from galleria_plugins.notify_sms.testing import AliyunSmsSimulator


@pytest.fixture
def simulator():
    sim = AliyunSmsSimulator(access_keys={KEY_ID: SECRET}, sign_names={SIGN},
                             templates=dict(TEMPLATES))
    with serve_asgi(sim.app) as url:
        sim.url = url
        yield sim
