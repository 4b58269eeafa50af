"""Raw web server log lines for one IP address and time window, through the traffic reader.

The one place pledge's disclosures reach into a feature app by name: log lines belong to no
subject, so the datamap cannot find them for a person, and only the traffic app knows how to
read its encrypted partitions. Imported when used, so a site without the traffic app still
runs; asking for log lines there is refused with the reason.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

READER_MODULE = "pledge.traffic.selectors"
READER = "log_lines_for_ip"


class TrafficUnavailable(RuntimeError):
    """No traffic reader in this installation."""


def log_lines(*, ip: str, start: dt.datetime, end: dt.datetime) -> list[str]:
    try:
        module = import_module(READER_MODULE)
    except ImportError as exc:
        raise TrafficUnavailable(
            f"disclosing log lines needs the traffic app's reader ({READER_MODULE}), which is "
            f"not installed here ({exc}); nothing was disclosed"
        ) from None
    reader = getattr(module, READER, None)
    if reader is None:
        raise TrafficUnavailable(
            f"{READER_MODULE} has no {READER}(ip=, start=, end=); nothing was disclosed"
        )
    return [str(line).rstrip("\n") for line in reader(ip=ip, start=start, end=end)]
