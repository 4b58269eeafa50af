"""What a demo's data directory holds, counted model by model: ``python -m tests.demo.census``.

Run with the demo's environment (``PLEDGE_DATA_DIR``, ``PLEDGE_KEY_DIR``, ``PLEDGE_POLICY``,
optionally ``DATABASE_URL``); prints one JSON object. It counts with plain queries of its own,
not with the demo's report code, so the test compares two independent counts.
"""

from __future__ import annotations

import json
import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")
    import django

    django.setup()
    from django.db.models import Sum

    from pledge.correspondence.models import Attachment, AttachmentChunk, Message
    from pledge.retention.models import LegalHold
    from pledge.shop.models import Order, OrderLine, Payment
    from pledge.traffic.models import LogFile
    from pledge.vault.models import Subject

    counts = {
        model._meta.label: model.objects.count()
        for model in (Subject, Order, OrderLine, Payment, Message, Attachment, AttachmentChunk)
    }
    counts["traffic partitions"] = LogFile.objects.aggregate(rows=Sum("rows"))["rows"] or 0
    counts["holds"] = LegalHold.objects.count()
    counts["periods"] = sorted(set(LogFile.objects.values_list("period", flat=True)))
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
