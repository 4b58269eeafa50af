"""``pledge mail import PATH`` and ``pledge mail fetch``: correspondence into the archive.

``import`` reads a Maildir (with its Maildir++ subfolders), an mbox file, or a folder of
``.eml`` files (searched recursively). ``fetch`` reads the IMAP folders named in
``PLEDGE_IMAP_FOLDERS`` over TLS (see ``pledge.correspondence.imap`` for the variables).

Each message is linked to everyone in its From, To and Cc but the policy's own addresses and
stored once per person, encrypted under their key; card numbers are removed first. Running
either again imports nothing twice. A message that cannot be imported is reported with its
location in the source (where it still is) and the reason, on standard error; the command
then exits with status 1 so that a scheduled fetch is noticed. Notes about messages that were
imported (a wrong charset, no Message-ID, MIME defects) go to standard output.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.correspondence.imap import ImapError, ImapSettings
from pledge.correspondence.importing import ImportReport
from pledge.correspondence.services import mailbox_fetch, mailbox_import
from pledge.correspondence.sources import DEFAULT_MAX_BYTES, NotAMailbox


class Command(BaseCommand):
    help = "Correspondence: import a mailbox, or fetch new mail over IMAP."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        imp = actions.add_parser(
            "import", help="import a Maildir, an mbox file, or a folder of .eml files"
        )
        imp.add_argument("path", type=Path)
        fetch = actions.add_parser("fetch", help="fetch new mail over IMAP with TLS")
        fetch.add_argument(
            "--folder",
            action="append",
            dest="folders",
            help="a folder to read (repeatable; default: $PLEDGE_IMAP_FOLDERS or INBOX)",
        )
        for sub in (imp, fetch):
            sub.add_argument(
                "--max-mb",
                type=float,
                default=DEFAULT_MAX_BYTES / (1024 * 1024),
                help="messages larger than this are reported, not imported (default: 100)",
            )
            sub.add_argument("--quiet", action="store_true", help="no notes, only problems")

    def handle(self, *args: Any, **options: Any) -> None:
        max_bytes = int(options["max_mb"] * 1024 * 1024)
        quiet = options["quiet"]

        def report(kind: str, location: str, words: str) -> None:
            if kind == "problem":
                self.stderr.write(f"not imported: {location}: {words}")
            elif not quiet:
                self.stdout.write(f"note: {location}: {words}")

        try:
            if options["action"] == "import":
                result = mailbox_import(path=options["path"], max_bytes=max_bytes, report=report)
            else:
                config = ImapSettings.from_environment()
                if options["folders"]:
                    config = dataclasses.replace(config, folders=tuple(options["folders"]))
                result = mailbox_fetch(config=config, max_bytes=max_bytes, report=report)
        except (NotAMailbox, ImapError) as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"{exc.filename or ''}: {exc.strerror or exc}") from None
        self._finish(result)

    def _finish(self, result: ImportReport) -> None:
        self.stdout.write(result.summary())
        if result.problems:
            raise CommandError(
                f"{result.problems} message{'s' if result.problems != 1 else ''} not imported: "
                "see the locations above",
                returncode=1,
            )
