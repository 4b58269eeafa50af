"""The business's email as an mbox file: orders, answers, dispatch notices, questions.

Per order: the customer's email to the orders address (now and then with a colleague in Cc or
a purchase order attached), the answer with the reference and how to pay, sometimes a note
that a transfer was made, and the dispatch notice. Questions arrive at the general address,
some in Japanese, some with a photo, and are answered. Messages the business received carry
its mail server's ``Received`` stamp; its own have the date they were sent.

The bytes are the same for a seed: MIME boundaries and Message-IDs are numbered, not random.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.header
import email.utils
import random
from dataclasses import dataclass
from pathlib import Path

from pledge.demo.history import History
from pledge.demo.people import Person
from pledge.demo.story import Enquiry, OrderStory, Story


@dataclass(frozen=True, slots=True)
class MailWritten:
    path: Path
    messages: int


@dataclass(frozen=True, slots=True)
class _Own:
    general: str
    orders: str
    name: str
    domain: str

    def name_orders(self) -> str:
        return _person_header(self.name, self.orders)


def _address(person: Person) -> str:
    return _person_header(person.name, person.email)


def _fake_pdf(rng: random.Random, number: int) -> bytes:
    body = rng.randbytes(1200).hex().upper()
    return (
        f"%PDF-1.4\n% purchase order {number}\n1 0 obj << /Length 2400 >> stream\n{body}\n"
        "endstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    ).encode("ascii")


def _fake_photo(rng: random.Random) -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(6000) + b"\xff\xd9"


def _header(value: str) -> str:
    """A header value as RFC 2047 wants it: as is in ASCII, else encoded words."""
    return value if value.isascii() else email.header.Header(value, "utf-8").encode()


def _person_header(name: str, address: str) -> str:
    return email.utils.formataddr((name, address), charset="utf-8")


class _Mbox:
    """Appends messages to an mbox file, written by hand: the standard library's message
    objects cost ten times more than the rest of the demo's mail, and number their MIME
    boundaries at random."""

    def __init__(self, path: Path, own: _Own, zone: dt.tzinfo) -> None:
        self.handle = path.open("wb")
        self.own, self.zone, self.count = own, zone, 0

    def close(self) -> None:
        self.handle.close()

    def add(
        self,
        *,
        sender: str,
        to: list[str],
        subject: str,
        body: str,
        at: dt.datetime,
        received: bool,
        cc: list[str] | None = None,
        reply_to: str = "",
        attachment: tuple[str, str, bytes] | None = None,
    ) -> str:
        """Append one message; its Message-ID."""
        self.count += 1
        local = at.astimezone(self.zone)
        host = "mail.example" if received else self.own.domain
        message_id = f"<demo.{self.count}.{local:%Y%m%d%H%M%S}@{host}>"
        headers = []
        if received:
            stamp = email.utils.format_datetime(local + dt.timedelta(seconds=4))
            headers.append(
                f"Received: from mail.example (mail.example [192.0.2.25])\n"
                f" by mx.{self.own.domain} with ESMTPS; {stamp}"
            )
        headers += [
            f"Message-ID: {message_id}",
            f"Date: {email.utils.format_datetime(local)}",
            f"From: {sender}",
            f"To: {', '.join(to)}",
            *([f"Cc: {', '.join(cc)}"] if cc else []),
            f"Subject: {_header(subject)}",
            *([f"In-Reply-To: {reply_to}", f"References: {reply_to}"] if reply_to else []),
            "MIME-Version: 1.0",
        ]
        text = body.replace("\nFrom ", "\n>From ")
        plain = [
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: " + ("7bit" if text.isascii() else "8bit"),
        ]
        if attachment is None:
            parts = [*headers, *plain, "", text]
        else:
            name, kind, data = attachment
            boundary = f"=_demo_{self.count:06d}"
            encoded = base64.encodebytes(data).decode("ascii")
            parts = [
                *headers,
                f'Content-Type: multipart/mixed; boundary="{boundary}"',
                "",
                f"--{boundary}",
                *plain,
                "",
                text,
                f"--{boundary}",
                f"Content-Type: {kind}",
                "Content-Transfer-Encoding: base64",
                f'Content-Disposition: attachment; filename="{name}"',
                "",
                encoded,
                f"--{boundary}--",
            ]
        envelope = email.utils.parseaddr(sender)[1] or "unknown"
        when = at.astimezone(dt.UTC).strftime("%a %b %d %H:%M:%S %Y")
        message = "\n".join(parts).rstrip("\n")
        self.handle.write(f"From {envelope} {when}\n{message}\n\n".encode())
        return message_id


def _order_mails(mbox: _Mbox, rng: random.Random, order: OrderStory, own: _Own) -> None:
    person = order.person
    lines = "\n".join(f"  {i.quantity} x {i.name}" for i in order.items)
    cc = [_address(order.colleague)] if order.colleague else None
    attachment = None
    if order.purchase_order:
        attachment = (
            f"purchase-order-{order.number}.pdf",
            "application/pdf",
            _fake_pdf(rng, order.number),
        )
    first = mbox.add(
        sender=_address(person),
        to=[own.orders],
        cc=cc,
        received=True,
        at=order.placed_at,
        subject=f"Order: {order.items[0].name}" + (" and more" if len(order.items) > 1 else ""),
        body=(
            f"Hello,\n\nI would like to order:\n{lines}\n\nPlease send it to:\n{person.name}\n"
            f"{person.address}\nTel. {person.phone}\n\nI will pay by "
            f"{'PayPal' if order.method == 'paypal' else 'bank transfer'}.\n\n"
            f"Best regards,\n{person.name}\n"
        ),
        attachment=attachment,
    )
    how = (
        f"by PayPal to {own.orders}, quoting the reference as the invoice number"
        if order.method == "paypal"
        else "by bank transfer to our account (details on the ordering page), quoting the reference"
    )
    mbox.add(
        sender=own.name_orders(),
        to=[_address(person)],
        received=False,
        at=order.answered_at,
        subject=f"Re: Order {order.reference}",
        reply_to=first,
        body=(
            f"Dear {person.name},\n\nThank you for your order {order.reference}:\n{lines}\n"
            f"  Postage ({order.postage_method}): {order.postage:,.0f} yen\n"
            f"  Total: {order.total:,.0f} yen\n\nPlease pay {how}.\n\n{own.name}\n"
        ),
    )
    if order.tells_payment and order.paid_at is not None:
        mbox.add(
            sender=_address(person),
            to=[own.orders],
            received=True,
            at=order.paid_at + dt.timedelta(hours=rng.uniform(10, 20)),
            subject=f"Re: Order {order.reference}",
            reply_to=first,
            body=f"Hello,\n\nI have made the bank transfer today.\n\n{person.name}\n",
        )
    if order.dispatched_at is not None:
        mbox.add(
            sender=own.name_orders(),
            to=[_address(person)],
            received=False,
            at=order.dispatched_at,
            subject=f"Dispatched: order {order.reference}",
            body=(
                f"Dear {person.name},\n\nYour order {order.reference} left today by "
                f"{order.postage_method}. Tracking number: "
                f"{rng.randrange(10**11, 10**12)}.\n\n{own.name}\n"
            ),
        )


def _enquiry_mails(mbox: _Mbox, rng: random.Random, enquiry: Enquiry, own: _Own) -> None:
    person = enquiry.person
    attachment = ("print.jpg", "image/jpeg", _fake_photo(rng)) if enquiry.photo else None
    first = mbox.add(
        sender=_address(person),
        to=[own.general],
        received=True,
        at=enquiry.at,
        subject=enquiry.subject,
        body=f"{enquiry.body}\n\n{person.name}\n",
        attachment=attachment,
    )
    if enquiry.answered_at is not None:
        mbox.add(
            sender=_person_header(own.name, own.general),
            to=[_address(person)],
            received=False,
            at=enquiry.answered_at,
            subject=f"Re: {enquiry.subject}",
            reply_to=first,
            body=(
                f"Dear {person.name},\n\nThank you for your message. We will look into it "
                f"and write again within a few days.\n\n{own.name}\n"
            ),
        )


def mailbox_write(
    *, rng: random.Random, story: Story, general: str, orders: str, name: str, path: Path
) -> MailWritten:
    """Write the story's mail, oldest first, as one mbox file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    own = _Own(general, orders, name, general.rpartition("@")[2])
    history: History = story.history
    mbox = _Mbox(path, own, history.zone)
    events: list[tuple[dt.datetime, int, object]] = [(o.placed_at, 0, o) for o in story.orders]
    events += [(e.at, 1, e) for e in story.enquiries]
    try:
        for _, _, event in sorted(events, key=lambda item: (item[0], item[1])):
            if isinstance(event, OrderStory):
                _order_mails(mbox, rng, event, own)
            else:
                assert isinstance(event, Enquiry)
                _enquiry_mails(mbox, rng, event, own)
    finally:
        mbox.close()
    return MailWritten(path, mbox.count)
