"""``pledge conform URL``: prove, against the running site (and with ``--stores`` its stores),
that every promise of the policy holds. Exit status 0 only when every check passes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.conformance.report.data import report_json
from pledge.conformance.report.page import report_html
from pledge.conformance.report.terminal import report_text
from pledge.conformance.services import RunOptions, conformance_run
from pledge.policy import PolicyError, load


class Command(BaseCommand):
    help = (
        "Visit the site in Chromium as a visitor (and a synthetic customer) would, scan the "
        "stores with --stores, and report each promise of the policy kept or broken."
    )
    # A conformance run is how one finds out what is wrong; it must run on a site whose
    # configuration has problems, and reports them itself.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the site, e.g. https://localhost:8443/")
        parser.add_argument(
            "--policy", type=Path, help="policy file to hold the site to (default: the server's)"
        )
        parser.add_argument("--json", type=Path, metavar="OUT", help="write the JSON report here")
        parser.add_argument("--html", type=Path, metavar="OUT", help="write the HTML report here")
        parser.add_argument("--stores", action="store_true", help="also scan this server's stores")
        parser.add_argument(
            "--http-port", type=int, help="the plain-HTTP port (default: 80 or 8080 by the URL)"
        )
        parser.add_argument(
            "--trust-cert",
            type=Path,
            action="append",
            default=[],
            metavar="PEM",
            help="trust this certificate's key (self-signed sites); repeatable",
        )
        parser.add_argument("--max-pages", type=int, default=200, help="crawl at most this many")
        parser.add_argument(
            "--no-journey",
            action="store_true",
            help="do not register a synthetic customer (its checks are then not applicable)",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="also fail on checks not applicable and on anything left unchecked",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url: str = options["url"]
        if urlsplit(url).scheme not in ("https", "http") or not urlsplit(url).hostname:
            raise CommandError(f"{url!r} is not a web address (https://host:port/)")
        path = (options["policy"] or Path(settings.POLICY_PATH)).resolve()
        try:
            policy = load(path) if options["policy"] else settings.POLICY
        except PolicyError as exc:
            raise CommandError(f"the policy {path} cannot be used:\n{exc}") from None
        report = conformance_run(
            RunOptions(
                url=url,
                policy=policy,
                policy_path=path,
                stores=options["stores"],
                http_port=options["http_port"],
                trusted=tuple(options["trust_cert"]),
                max_pages=options["max_pages"],
                journey=not options["no_journey"],
                strict=options["strict"],
            )
        )
        if options["json"]:
            options["json"].write_text(report_json(report), encoding="utf-8")
        if options["html"]:
            options["html"].write_text(report_html(report), encoding="utf-8")
        self.stdout.write(report_text(report), ending="")
        if report.exit_status:
            sys.exit(report.exit_status)
