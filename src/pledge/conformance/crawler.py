"""Every public page reachable by links from the start page, breadth first.

Public means what an anonymous visitor can reach by following links on the site itself: links
to other sites are recorded (they are not requests the site makes) but not followed, and the
operator admin (``/operator/``) is left out, being no part of the public site. The crawl is
bounded by ``max_pages`` and says so when it stops early, so a partial crawl never reads as a
full one.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urldefrag, urlsplit

from pledge.conformance.pages import Loader
from pledge.conformance.record import same_origin

NOT_PUBLIC = ("/operator/",)


def normalise(url: str) -> str:
    return urldefrag(url)[0]


def public(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not same_origin(url, origin):
        return False
    return not parts.path.startswith(NOT_PUBLIC)


def crawl(loader: Loader, start: str, *, max_pages: int) -> None:
    visit = loader.visit
    queue: deque[str] = deque([normalise(start)])
    seen = set(queue)
    loaded = 0
    while queue:
        if loaded >= max_pages:
            visit.skipped.append(
                f"crawl stopped at {max_pages} pages (--max-pages); {len(queue)} links not followed"
            )
            break
        url = queue.popleft()
        page = loader.goto(url, "crawl")
        loaded += 1
        for link in page.links:
            target = normalise(link)
            if target in seen or not public(target, visit.url):
                continue
            seen.add(target)
            queue.append(target)
    loader.settle()
