"""The access-log recorder of ``pledge serve``: its last requests counted once at shutdown."""

from __future__ import annotations

import pytest
from tests.traffic.conftest import CHROME

from pledge.audit.models import AuditEvent
from pledge.traffic import recorder as recorder_module
from pledge.traffic.models import DailyCount
from pledge.traffic.recorder import Recorder

pytestmark = pytest.mark.django_db


def test_closing_the_recorder_twice_counts_its_last_requests_once(under, client, monkeypatch):
    # given requests held by the recorder when pledge serve stops
    under("japan-centre")
    live = Recorder(enabled=True)
    monkeypatch.setattr(recorder_module, "_recorder", live)
    for path in ("/", "/privacy/"):
        client.get(path, REMOTE_ADDR="203.0.113.5", HTTP_USER_AGENT=CHROME, secure=True)
    # when serve closes it, and then the exit hook closes it again
    live.close()
    live.close()
    # then the requests are counted, and the run is finished and audited once
    assert DailyCount.objects.get(dimension="site", value="human").views == 2
    (event,) = AuditEvent.objects.filter(action="traffic.access_log_recorded")
    assert event.count == 2
