"""``pledge backup create|verify|restore``: encrypted archives of the data, never of the keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.vault.backup.archive import ArchiveBroken
from pledge.vault.backup.services import (
    BackupRefused,
    Created,
    Restored,
    RestoreIncomplete,
    Verified,
    backup_create,
    backup_restore,
    backup_verify,
)
from pledge.vault.backup.snapshot import SnapshotBroken

FAILURES = (ArchiveBroken, BackupRefused, SnapshotBroken, RestoreIncomplete)


def _size(count: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError  # pragma: no cover


def _files(count: int, size: int) -> str:
    return f"{count} partition file{'s' if count != 1 else ''} ({_size(size)})"


class Command(BaseCommand):
    help = "Encrypted backups of the data (never of the keys): create, verify, restore."
    # Operational commands run on a site with warnings too; `pledge check` reports them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="write a new dated, encrypted archive")
        create.add_argument(
            "--output", type=Path, help="directory for the archive (default: DATA_DIR/backups)"
        )
        verify = actions.add_parser("verify", help="decrypt and check an archive, change nothing")
        verify.add_argument("file", type=Path)
        restore = actions.add_parser(
            "restore", help="put an archive's data back and replay later erasures (site stopped)"
        )
        restore.add_argument("file", type=Path)
        restore.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="do not ask for confirmation",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                self._created(backup_create(output_dir=options["output"], actor="cli"))
            elif action == "verify":
                self._verified(backup_verify(path=options["file"]))
            else:
                self._restore(options["file"], interactive=options["interactive"])
        except RestoreIncomplete as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        except FAILURES as exc:
            unchanged = "; nothing was changed" if action == "restore" else ""
            raise CommandError(f"{options.get('file') or 'backup'}: {exc}{unchanged}") from exc

    def _created(self, created: Created) -> None:
        packed = created.packed
        self.stdout.write(
            f"wrote {created.path} ({_size(created.size)} in {created.chunks} sealed chunks): "
            f"the {created.header.vendor} database and "
            f"{_files(packed.partition_files, packed.partition_bytes)}"
        )
        if packed.left_out:
            self.stderr.write(
                f"left out {packed.left_out} files of key material found under the partitions "
                "directory: keys never go into a data backup"
            )
        self.stdout.write(
            "the archive holds no key: back up PLEDGE_KEY_DIR (and the key database) separately"
        )

    def _verified(self, verified: Verified) -> None:
        header, database = verified.header, verified.database
        chunks = f"{verified.chunks} chunk{'s' if verified.chunks != 1 else ''}"
        self.stdout.write(f"{verified.path}: intact, {chunks} authenticated")
        self.stdout.write(f"  made       {header.created_at:%Y-%m-%d %H:%M:%S} UTC")
        self.stdout.write(f"  policy     {header.policy}")
        self.stdout.write(
            f"  database   {database.vendor}, {_size(database.size)}, {database.tables} tables "
            f"({database.check})"
        )
        self.stdout.write(
            f"  partitions {_files(verified.partition_files, verified.partition_bytes)}"
        )
        self.stdout.write(
            f"  journal    erasures after shred-journal entry {header.journal_last} are "
            "replayed on restore"
        )

    def _restore(self, path: Path, *, interactive: bool) -> None:
        if interactive:
            answer = input(
                f"This replaces the data database and partitions with {path.name} and replays "
                "every erasure made since. Stop the site first.\nType 'yes' to continue: "
            )
            if answer.strip() != "yes":
                raise CommandError("restore cancelled; nothing was changed")
        restored: Restored = backup_restore(path=path, actor="cli")
        replayed = restored.replayed
        self.stdout.write(
            f"restored {path.name} (made {restored.header.created_at:%Y-%m-%d %H:%M:%S} UTC)"
        )
        self.stdout.write(
            f"replayed {replayed.erasures} erasures made since: {replayed.full_erasures} "
            f"people, {replayed.category_erasures} categories of a person, "
            f"{replayed.period_erasures} periods; {replayed.records} records and "
            f"{replayed.partitions} partition directories erased again"
        )
