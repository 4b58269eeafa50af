"""The traffic report, rendered: a terminal table, and HTML with charts as inline SVG.

Both render a ``selectors.Report``, which is already suppressed; nothing here reads counts.
"""

from __future__ import annotations

TITLES = {
    "page": "Pages",
    "referrer": "Referring sites",
    "browser": "Browsers",
    "device": "Devices",
    "country": "Countries",
    "status": "Status",
    "bot": "Bots (requests, distinct clients)",
}
