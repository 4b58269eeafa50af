"""What a demo made, in words and counts, and what to try next.

The counts under "Stored" are read back from the database after the imports (one line per
datamap holder that holds anything, labelled as ``pledge sweep --dry-run`` labels it), so they
say what is there, not what the generator meant to make.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from pledge.datamap import registry
from pledge.policy import Policy
from pledge.policy.calendar import deadline
from pledge.retention.models import LegalHold
from pledge.traffic import periods
from pledge.traffic.models import FileKind, LogFile

STORE_LABEL = "traffic partitions"


@dataclass
class DemoReport:
    policy: Policy
    start: dt.date
    end: dt.date
    seed: int
    directory: Path
    files: list[tuple[Path, str]] = field(default_factory=list)  # path, what it is
    made: list[str] = field(default_factory=list)  # lines saying what was imported
    stored: dict[str, int] = field(default_factory=dict)  # holder label: rows
    periods: list[tuple[str, int, dt.datetime | None]] = field(default_factory=list)
    holds: list[LegalHold] = field(default_factory=list)
    first_ledger_due: dt.datetime | None = None
    erasures: list[tuple[str, str]] = field(default_factory=list)  # address, what it shows
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase: seconds

    def render(self) -> str:
        zone = _zone(self.policy.time_zone)

        def local(moment: dt.datetime) -> dt.datetime:
            return moment.astimezone(zone)

        out = [
            f"pledge demo: {self.policy.title} (policy {self.policy.id}), "
            f"{self.start} to {self.end - dt.timedelta(days=1)}, seed {self.seed}, "
            f"made in {self.seconds:.0f} s ("
            + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.timings.items())
            + ")",
            "",
            f"Files in {self.directory}:",
            *(f"  {path.relative_to(self.directory)}  {what}" for path, what in self.files),
            "",
            "Imported through the commands' own services:",
            *(f"  {line}" for line in self.made),
            "",
            "Stored now (rows per holder, as pledge sweep --dry-run labels them):",
            *(f"  {label:<34} {count:>9,}" for label, count in self.stored.items()),
        ]
        if self.periods:
            out += [
                "",
                "Web server log periods (one key each; the key goes when the period is due):",
            ]
            finish = self.end
            for period, rows, due in self.periods:
                when = f"due {local(due):%Y-%m-%d}" if due else "kept"
                note = (
                    "  already due: the next sweep destroys its key"
                    if (due and local(due).date() <= finish)
                    else ""
                )
                out.append(f"  {period}  {rows:>9,} lines  {when}{note}")
        for hold in self.holds:
            out += [
                "",
                f"Legal hold: {hold.reason} (reference {hold.reference}), on one "
                f"customer's records until {local(hold.expires_at):%Y-%m-%d}.",
            ]
        out += ["", *self.next_steps()]
        return "\n".join(out) + "\n"

    def next_steps(self) -> list[str]:
        env = {
            "PLEDGE_POLICY": str(settings.POLICY_PATH),
            "PLEDGE_DATA_DIR": str(settings.DATA_DIR),
        }
        if os.environ.get("PLEDGE_KEY_DIR"):
            env["PLEDGE_KEY_DIR"] = str(settings.KEY_DIR)
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        zone = _zone(self.policy.time_zone)
        later = dt.date(self.end.year + 5, 4, 15)
        steps = [
            ("pledge sweep --dry-run", "what is due today, and why"),
            (f"pledge sweep --dry-run --now {later}", "what is due then, and what comes next"),
        ]
        if self.first_ledger_due is not None:
            first = self.first_ledger_due.astimezone(zone).date()
            steps.append((f"pledge sweep --dry-run --now {first}", "the first orders go"))
        for hold in self.holds:
            after = hold.expires_at.astimezone(zone).date() + dt.timedelta(days=1)
            steps.append((f"pledge sweep --dry-run --now {after}", "the legal hold has ended"))
        steps.append((f"pledge sweep --now {later}", "do it: keys destroyed, rows deleted"))
        steps.append(("pledge logs stats --bucket month", "the traffic report (it stays)"))
        if self.policy.accounts.registration:
            steps.append(("pledge marketing list", "whose marketing consent stands"))
        else:
            steps.append(("pledge stats orders", "countries shipped to, postage methods"))
        steps.append(("pledge audit verify", "the trail of all of it"))
        width = max(len(command) for command, _ in steps) + 2
        lines = ["Next, with the same environment:", f"  export {exports}"]
        if os.environ.get("DATABASE_URL"):
            lines.append("  (and DATABASE_URL as it is set now)")
        lines += [f"  {command:<{width}}{what}" for command, what in steps]
        if self.erasures:
            lines.append("Erasure requests in writing, answered as of today:")
        for address, what in self.erasures:
            lines += [f"  pledge rights erase --email {address}", f"      {what}"]
        return lines


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def census(policy: Policy) -> dict[str, int]:
    """Rows per holder (those holding any), and log lines in the partitions."""
    counts = {}
    for holder in registry.holders(policy):
        rows = holder.model._default_manager.count()
        if rows:
            counts[holder.label] = rows
    for store in registry.store_holders():
        lines = store.store.count()
        if lines:
            counts[STORE_LABEL if store.store.name == STORE_LABEL else store.label] = lines
    return counts


def log_periods(policy: Policy) -> list[tuple[str, int, dt.datetime | None]]:
    """Each period of raw log lines: its label, lines, and when its key is destroyed."""
    if not policy.web_logs.keep:
        return []
    rows: dict[str, int] = {}
    for period, count in LogFile.objects.filter(kind=FileKind.RAW).values_list("period", "rows"):
        rows[period] = rows.get(period, 0) + count
    return [(p, rows[p], periods.period_due(p, policy)) for p in sorted(rows)]


def first_due(policy: Policy, category: str, anchors: list[dt.datetime]) -> dt.datetime | None:
    """The earliest due date of records anchored at ``anchors`` under ``category``'s rule."""
    declared = policy.category(category)
    if declared is None or not anchors:
        return None
    return deadline(min(anchors), declared.retention, policy.time_zone).due_at
