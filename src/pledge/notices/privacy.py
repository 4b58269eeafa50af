"""The notices app holds no personal data: only the texts it published."""

from pledge.datamap.registry import NoPersonalData, declare
from pledge.notices.models import NoticeVersion

declare(NoPersonalData(NoticeVersion, reason="the texts of the notices the site has published"))
