"""One visit of the site: crawl as an anonymous visitor, then (where the policy has accounts)
the synthetic customer's journey, then the plain-HTTP probes, all into one ``Visit`` record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from pledge.conformance.browser import Recorder, chromium, jar_of, new_context
from pledge.conformance.checks.notice import NOTICE_PATH
from pledge.conformance.crawler import crawl
from pledge.conformance.journey import Journey
from pledge.conformance.pages import Loader
from pledge.conformance.probes import client_addresses, http_base_for, probe
from pledge.conformance.record import Visit, path_of, same_origin
from pledge.conformance.server import ServerSide

MAX_PROBES = 50


@dataclass(frozen=True)
class VisitPlan:
    url: str
    trusted: list[Path]
    http_port: int | None = None
    max_pages: int = 200
    journey: bool = True


def visit_site(plan: VisitPlan) -> Visit:
    visit = Visit(url=plan.url, started_at=timezone.now())
    visit.http_base = http_base_for(plan.url, plan.http_port)
    visit.client_addresses = client_addresses(plan.url)
    with chromium(plan.trusted) as browser, ServerSide() as server:
        context = new_context(browser)
        recorder = Recorder(visit)
        recorder.attach(context)
        loader = Loader(context.new_page(), recorder, visit, keep_body=NOTICE_PATH.__eq__)
        try:
            crawl(loader, plan.url, max_pages=plan.max_pages)
            if plan.journey:
                Journey(loader, server, visit.base).run()
            loader.settle()
            visit.jar = jar_of(context)
        finally:
            context.close()
    if visit.http_base is not None:
        paths = dict.fromkeys(
            path_of(p.url) or "/"
            for p in visit.pages
            if p.step == "crawl" and same_origin(p.url, plan.url)
        )
        visit.probes = [probe(visit.http_base, path) for path in list(paths)[:MAX_PROBES]]
    visit.finished_at = timezone.now()
    return visit
