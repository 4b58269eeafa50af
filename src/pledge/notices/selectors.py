"""Reading the published notice."""

from __future__ import annotations

from pledge.notices.models import NoticeVersion
from pledge.notices.services import notice_publish
from pledge.policy import Policy

_current: dict[int, NoticeVersion] = {}


def notice_current(*, policy: Policy) -> NoticeVersion:
    """The notice for ``policy``, recorded on first use in this process.

    Rendering is deterministic, so one lookup per process and policy object is enough; the
    record is what consent forms cite.
    """
    key = id(policy)
    if key not in _current or not NoticeVersion.objects.filter(pk=_current[key].pk).exists():
        _current[key] = notice_publish(policy=policy)
    return _current[key]
