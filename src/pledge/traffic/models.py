"""Traffic models: counts, and the bookkeeping of what was read and where it went.

Nothing here identifies a visitor. ``DailyCount`` holds views and visitors per day and group,
never a network address or a hash of one; the raw lines of a policy that keeps logs live
encrypted in Parquet partitions (``pledge.traffic.store``), listed by ``LogFile``.
"""

from __future__ import annotations

import uuid

from django.db import models


class Dimension(models.TextChoices):
    """What a count is grouped by. ``site`` splits people from bots; ``bot`` names the bots."""

    SITE = "site", "site"
    PAGE = "page", "page"
    REFERRER = "referrer", "referring site"
    BROWSER = "browser", "browser"
    DEVICE = "device", "device"
    COUNTRY = "country", "country"
    STATUS = "status", "status"
    BOT = "bot", "bot"


class DailyCount(models.Model):
    """Views and visitors of one group on one day (the day in the policy's time zone).

    ``visitors`` counts distinct visitors of that day (a visitor being a network address and
    browser string under the day's salt); a week or month sums its days. Rows are only ever
    incremented, so a live server and an import can write the same day at once.
    """

    day = models.DateField()
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=300)
    views = models.PositiveBigIntegerField(default=0)
    visitors = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "dimension", "value"], name="traffic_dailycount_unique"
            )
        ]
        indexes = [models.Index(fields=["dimension", "day"], name="traffic_dim_day")]
        verbose_name = "traffic report"
        verbose_name_plural = "traffic report"

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.value}"


class VisitSalt(models.Model):
    """When a day's salt was made and destroyed. The salt itself is a key in the key database."""

    day = models.DateField(unique=True)
    created_at = models.DateTimeField()
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"visit salt {self.day}"


class Origin(models.TextChoices):
    IMPORT = "import", "pledge logs ingest"
    SERVE = "serve", "pledge serve"


class Ingest(models.Model):
    """One run of the pipeline: an import, or one ``pledge serve`` process's own access log."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    sources = models.JSONField(default=list, help_text="File names read ('-' for stdin).")
    lines_read = models.PositiveBigIntegerField(default=0)
    counted = models.PositiveBigIntegerField(default=0, help_text="Lines added to the counts.")
    bots = models.PositiveBigIntegerField(default=0, help_text="Of those, lines from bots.")
    duplicates = models.PositiveBigIntegerField(
        default=0, help_text="Lines already ingested before, skipped."
    )
    rejected = models.PositiveBigIntegerField(
        default=0, help_text="Lines that did not parse (quarantined where logs are kept)."
    )
    refused = models.PositiveBigIntegerField(
        default=0, help_text="Valid lines of days that can no longer be counted."
    )
    errors = models.JSONField(default=list, help_text="Problems reading a whole source.")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_origin_display()} at {self.started_at:%Y-%m-%d %H:%M}"


class Rejection(models.Model):
    """A line that did not parse: where it was and why, never what it said."""

    ingest = models.ForeignKey(Ingest, on_delete=models.CASCADE, related_name="rejections")
    source = models.CharField(max_length=500)
    line_number = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=100)

    class Meta:
        ordering = ["ingest", "source", "line_number"]

    def __str__(self) -> str:
        return f"{self.source}:{self.line_number}: {self.reason}"


class FileKind(models.TextChoices):
    RAW = "raw", "raw log lines"
    QUARANTINE = "quarantine", "lines that did not parse"
    LEDGER = "ledger", "fingerprints of ingested lines"


class LogFile(models.Model):
    """One encrypted Parquet file under ``DATA_DIR/partitions``; a file not listed here is not
    committed (a crash left it) and is never read."""

    path = models.CharField(max_length=400, unique=True, help_text="Relative to partitions/.")
    kind = models.CharField(max_length=12, choices=FileKind.choices)
    category = models.CharField(max_length=80)
    period = models.CharField(max_length=40)
    rows = models.PositiveBigIntegerField()
    size = models.PositiveBigIntegerField(default=0)
    first_at = models.DateTimeField(help_text="Time of the earliest line.")
    last_at = models.DateTimeField(help_text="Time of the latest line.")
    ingest = models.ForeignKey(Ingest, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "period", "first_at"]
        indexes = [models.Index(fields=["kind", "last_at"], name="traffic_logfile_kind_last")]

    def __str__(self) -> str:
        return self.path
