"""Breaking the stores of a running test site, the way a bug or a careless operator would.

Each function does one thing to the site's data or key directory, through Django (for what
must be encrypted) or straight in SQLite (for what an intruder with database access does),
and returns what the report should then name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.conformance.support import django_script
from tests.support.site import Site

VISA = "4111 1111 1111 1111"  # a test number: Visa prefix, 16 digits, Luhn-valid
MASTERCARD = "5555 5555 5555 4444"

_SHOP_RECORDS = f"""
import datetime as dt
from django.conf import settings
from django.utils import timezone
from pledge.accounts.services import customer_register
from pledge.correspondence.models import Direction, Message, Source
from pledge.notices.selectors import notice_current
from pledge.shop.basket import BasketLine
from pledge.shop.models import Order, PaymentMethod, Product
from pledge.shop.services import Delivery, order_place
from pledge.vault.models import SubjectKind
from pledge.vault.services import subject_for_email

# A card number in an encrypted field: a profile written past the form that refuses it.
registered = customer_register(
    name="Kenji Mori", email="kenji@example.org", postal_address="2 Hill Road, card {MASTERCARD}",
    phone="", password="kiwi-lantern-5821", marketing=False,
    notice=notice_current(policy=settings.POLICY),
)
# A card number in a stored message: mail filed past the redaction that removes them.
writer = subject_for_email(email="haruka@example.org", kind=SubjectKind.CORRESPONDENT)
message = Message.objects.create(
    subject=writer, received_at=timezone.now(), direction=Direction.RECEIVED,
    source=Source.ADMIN, headers={{"subject": "my order"}},
    text="Please take the payment from my card {VISA}, expiry 12/29.",
)
# An order completed seven years ago: past the six years the policy keeps orders.
product = Product.objects.order_by("pk").first()
order = order_place(
    lines=[BasketLine(product, 1)],
    delivery=Delivery("Aiko Ueda", "3 Old Lane, York", "GB", "aiko@example.org"),
    payment_method=PaymentMethod.BANK_TRANSFER,
)
Order.objects.filter(pk=order.pk).update(
    status="completed", completed_at=timezone.now() - dt.timedelta(days=7 * 366)
)
print(registered.user.subject_id.hex, message.pk.hex, order.pk.hex)
"""


def shop_records(site: Site) -> tuple[str, str, str]:
    """(profile subject, message, overdue order) ids, as SQLite stores them."""
    subject, message, order = django_script(site, _SHOP_RECORDS).split()
    return subject, message, order


def sha1_password(site: Site) -> str:
    """The operator's password replaced by a salted SHA-1 hash, as an old import might leave."""
    digest = hashlib.sha1(b"salt" + b"kiwi-lantern-5821").hexdigest()  # the point: a weak hash
    site.sql("UPDATE accounts_user SET password = ? WHERE is_staff = 1", (f"sha1$salt${digest}",))
    (pk,) = site.sql("SELECT id FROM accounts_user WHERE is_staff = 1")[0]
    return str(pk)


def alter_audit_event(site: Site) -> int:
    """An intruder drops the append-only triggers and lowers a count; returns the event."""
    site.sql("DROP TRIGGER IF EXISTS audit_auditevent_no_update")
    (sequence,) = site.sql("SELECT max(sequence) FROM audit_auditevent")[0]
    site.sql("UPDATE audit_auditevent SET count = count + 7 WHERE sequence = ?", (sequence,))
    return sequence


def overdue_log_partition(site: Site) -> Path:
    """Web server log lines of the 2015 fiscal year, kept unencrypted long past five years."""
    folder = site.data / "partitions" / "category=user.device.web_logs" / "period=2015"
    folder.mkdir(parents=True)
    table = pa.table(
        {
            "ip": ["203.0.113.9"],
            "time": ["2015-06-01T10:00:00+09:00"],
            "line": [f'"GET /ordering/ HTTP/1.1" 200 "https://shop.example/?card={VISA}"'],
        }
    )
    path = folder / "part-0.parquet"
    pq.write_table(table, path)
    return path


_KEY_IN_BACKUP = """
import shutil
from django.conf import settings
from pledge.vault import master
from pledge.vault.backup.services import backup_create

# Someone keeps a copy of the master key "with the data", then a backup is made.
current = master.current()
partitions = settings.DATA_DIR / "partitions"
partitions.mkdir(exist_ok=True)
stray = partitions / "master-copy.key"
shutil.copy(settings.KEY_DIR / "master" / f"{current.id}.key", stray)
created = backup_create()
stray.unlink()  # the copy is gone from the data directory; the backup keeps it
print(created.path.name, current.id)
"""


def key_in_backup(site: Site) -> tuple[str, str]:
    """(archive name, master key id): a backup made while a master key copy lay in the data."""
    archive, key_id = django_script(site, _KEY_IN_BACKUP).split()
    return archive, key_id


def undeclared_note(site: Site) -> None:
    site.sql("INSERT INTO undeclared_note (text) VALUES (?)", (f"Customer card {VISA} for later",))


_MARKETING_CONSENT = """
from django.conf import settings
from pledge.accounts.models import ConsentRecord
from pledge.notices.selectors import notice_current
from pledge.vault.models import SubjectKind
from pledge.vault.services import subject_create

# A mailing-list import from an old shop system: consent to marketing, on a site that has none.
subject = subject_create(kind=SubjectKind.CUSTOMER, email="yuki@example.org")
record = ConsentRecord.objects.create(
    subject=subject, purpose="marketing", given=True, form="newsletter",
    notice=notice_current(policy=settings.POLICY),
)
print(record.pk)
"""


def marketing_consent(site: Site) -> str:
    """A stored consent to marketing, as an imported mailing list leaves; returns its id."""
    return django_script(site, _MARKETING_CONSENT).strip()


COUNTED_ADDRESS = "198.51.100.23"


def visitors_counted_by_address(site: Site) -> str:
    """Visit counts grouped by the visitor's network address, as a "top visitors" table added
    to the statistics would keep them; returns the address."""
    site.sql(
        "INSERT INTO traffic_dailycount (day, dimension, value, views, visitors) "
        "VALUES (?, 'ip', ?, 14, 1)",
        ("2025-05-14", COUNTED_ADDRESS),
    )
    return COUNTED_ADDRESS


_IMPORTED_CONSENT = """
from django.conf import settings
from pledge.accounts.models import ConsentRecord
from pledge.accounts.services import customer_register
from pledge.notices.selectors import notice_current

# A customer who left the marketing box unticked, then found on an old mailing list and
# "imported" as consenting.
notice = notice_current(policy=settings.POLICY)
registered = customer_register(
    name="Sora Endo", email="sora@example.org", postal_address="4 Mill Street, Leeds",
    phone="", password="plum-harbour-3307", marketing=False, notice=notice,
)
registered.user.is_active = True
registered.user.save()
record = ConsentRecord.objects.create(
    subject=registered.user.subject, purpose="marketing", given=True,
    form="mailing-list-import", notice=notice,
)
print(record.pk)
"""


def imported_consent(site: Site) -> str:
    """A consent to marketing written from an imported mailing list; returns its id."""
    return django_script(site, _IMPORTED_CONSENT).strip()


_ERASED_AGAINST_THE_RULES = """
import datetime as dt
from decimal import Decimal
from django.utils import timezone
from pledge.correspondence.models import Direction, Message, Source
from pledge.datamap import erasure
from pledge.shop.ledger import LineItem, order_enter
from pledge.shop.models import Order, PaymentMethod
from pledge.shop.services import payment_record

# A customer who ordered by e-mail last month and paid by bank transfer...
order = order_enter(
    order=Order(placed_at=timezone.now() - dt.timedelta(days=30), shipping_country="JP",
                postage_method="Yamato", postage=Decimal("800"),
                payment_method=PaymentMethod.BANK_TRANSFER, currency="JPY"),
    lines=[LineItem("Toner cartridge TN-243", 1, Decimal("6000"))],
    email="mei@example.jp", name="Mei Ito", address="1-2-3 Umeda, Osaka", actor="operator",
)
payment_record(order=order, method=PaymentMethod.BANK_TRANSFER, amount=order.total,
               reference="TRANSFER 0001", payer_name="ITO MEI")
Message.objects.create(
    subject=order.subject, received_at=timezone.now() - dt.timedelta(days=30),
    direction=Direction.RECEIVED, source=Source.ADMIN, headers={"subject": "order"},
    text="Please send one TN-243 toner cartridge.",
)
# ...asks to be forgotten, and a version of the erasure that lost its exemptions obliges.
erasure._kept = lambda *args, **kwargs: None
erasure.subject_erase(subject_id=order.subject_id, reason="erasure request by e-mail",
                      actor="operator")
print(order.subject_id.hex)
"""


def erased_against_the_rules(site: Site) -> str:
    """A customer's payment records and month-old e-mail erased on request by an erasure that
    ignored the exemptions; returns the subject id."""
    return django_script(site, _ERASED_AGAINST_THE_RULES).strip()
