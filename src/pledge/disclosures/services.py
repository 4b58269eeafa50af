"""Making a disclosure: checked against the policy, exported encrypted, entered in the register.

Both kinds go the same way. The policy is asked first (``allow``), and a refusal is audited and
quotes it. The data is read for the statutory ``legal-disclosure`` purpose: a subject's
categories through the datamap (``pledge.rights.collect``, under the lock on their row, so an
erasure running at the same moment goes wholly before or after), or raw log lines through the
traffic reader. It leaves only inside an encrypted export whose passphrase is returned once and
kept nowhere. The register row and the audit event record who, why, what and when.

A restricted entry (the law forbids telling the person for now) is audited without the
subject's id, so it cannot show in their copy of their data; the register keeps the link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import ipaddress
import json
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pledge.audit.services import audit_record
from pledge.disclosures.allow import (
    DisclosureRefused,
    categories_for,
    recipient_for,
    web_logs_category,
)
from pledge.disclosures.export import README, export_seal, passphrase_new
from pledge.disclosures.models import Disclosure
from pledge.disclosures.traffic import log_lines
from pledge.policy.schema import Recipient
from pledge.rights.bundle import collected_as_dict
from pledge.rights.collect import subject_collect
from pledge.rights.selectors import subject_by_email
from pledge.vault import crypto, keyring
from pledge.vault.models import Subject
from pledge.vault.purposes import LEGAL_DISCLOSURE

NETWORK_KEY = keyring.KeyRef(category="disclosures.register", name="network")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class Made:
    disclosure: Disclosure
    path: Path
    passphrase: str  # shown once to the operator; never stored


@dataclass(frozen=True, slots=True)
class LegalOrder:
    """What the operator was ordered to hand over, and on what authority."""

    recipient: str
    basis: str
    reference: str
    restricted: bool = False
    actor: str = "cli"


def _number() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"D-{body[:4]}-{body[4:]}"


def _refused(order: LegalOrder, message: str) -> DisclosureRefused:
    audit_record(
        action="disclosure.refused",
        actor=order.actor,
        detail={"recipient": order.recipient[:80], "why": message[:300]},
    )
    return DisclosureRefused(message)


def _checked(order: LegalOrder) -> Recipient:
    if not order.basis.strip() or not order.reference.strip():
        raise _refused(order, "refused: a disclosure needs its legal basis and a reference")
    if "@" in order.reference or len(order.reference) > 120:
        # The reference goes into the audit trail, which holds no personal data in clear.
        raise _refused(
            order,
            "refused: the reference names the order or case (at most 120 "
            "characters), never a person or an address",
        )
    try:
        return recipient_for(settings.POLICY, order.recipient)
    except DisclosureRefused as exc:
        raise _refused(order, str(exc)) from None


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _write(out_dir: Path, number: str, plaintext: bytes) -> tuple[Path, str, str]:
    passphrase = passphrase_new()
    sealed = export_seal(plaintext, passphrase)
    digest = hashlib.sha256(sealed).hexdigest()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"disclosure-{number}.pledge-export"
    path.touch(mode=0o600)
    path.write_bytes(sealed)
    readme = out_dir / f"disclosure-{number}.README.txt"
    readme.write_text(README.format(name=path.name, sha256=digest), encoding="utf-8")
    return path, passphrase, digest


def _about(
    order: LegalOrder, recipient: Recipient, number: str, now: dt.datetime
) -> dict[str, Any]:
    policy = settings.POLICY
    return {
        "register_number": number,
        "controller": policy.controller.name,
        "recipient": recipient.name,
        "legal_basis": order.basis,
        "reference": order.reference,
        "made_at": now.isoformat(),
    }


def subject_disclose(
    *,
    order: LegalOrder,
    email: str,
    out_dir: Path,
    categories: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> Made:
    """Hand over what the recipient may receive of one person's data."""
    now = now or timezone.now()
    recipient = _checked(order)
    try:
        wanted = categories_for(settings.POLICY, recipient, categories)
    except DisclosureRefused as exc:
        raise _refused(order, str(exc)) from None
    subject = subject_by_email(email=email)
    if subject is None:
        raise _refused(order, "no data is linked to that address: nothing to disclose")
    number = _number()
    with transaction.atomic():
        Subject.objects.select_for_update().get(pk=subject.pk)
        collected = subject_collect(
            subject_id=subject.pk, purpose=LEGAL_DISCLOSURE, categories=wanted
        )
        payload = {
            "about": _about(order, recipient, number, now),
            "categories": collected_as_dict(collected)["categories"],
        }
        plaintext = _zip({"data.json": json.dumps(payload, ensure_ascii=False, indent=1)})
        path, passphrase, digest = _write(out_dir, number, plaintext)
        held = [c.id for c in collected.held]
        what = "; ".join(f"{c.name}: {c.count} records" for c in collected.held) or "nothing held"
        disclosure = Disclosure.objects.create(
            number=number, made_at=now, recipient=recipient.id, recipient_name=recipient.name,
            recipient_kind=recipient.kind.value, basis=order.basis, reference=order.reference,
            subject=subject.pk, categories=held, count=collected.count, what=what,
            export_name=path.name, export_sha256=digest, restricted=order.restricted,
            actor=order.actor,
        )  # fmt: skip
        audit_record(
            action="disclosure.made",
            subject=None if order.restricted else subject.pk,
            count=collected.count,
            rule=order.reference[:200],
            actor=order.actor,
            detail={"register": number, "recipient": recipient.id, "categories": held},
        )
    return Made(disclosure, path, passphrase)


def _network(ip: str) -> str:
    return crypto.mac(keyring.get_or_create(NETWORK_KEY), str(ipaddress.ip_address(ip)).encode())


def log_lines_disclose(
    *,
    order: LegalOrder,
    ip: str,
    start: dt.datetime,
    end: dt.datetime,
    out_dir: Path,
    now: dt.datetime | None = None,
) -> Made:
    """Hand over the raw web server log lines of one IP address in one time window."""
    now = now or timezone.now()
    recipient = _checked(order)
    try:
        category = web_logs_category(settings.POLICY)
        categories_for(settings.POLICY, recipient, [category])
    except DisclosureRefused as exc:
        raise _refused(order, str(exc)) from None
    try:
        address = str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        raise _refused(order, f"refused: {ip!r} is not an IP address") from None
    if not start < end:
        raise _refused(order, "refused: the time window ends before it starts")
    lines = log_lines(ip=address, start=start, end=end)
    number = _number()
    window = f"{start.astimezone(dt.UTC):%Y-%m-%d %H:%M} to {end.astimezone(dt.UTC):%Y-%m-%d %H:%M}"
    about = {**_about(order, recipient, number, now), "ip": address,
             "from": start.isoformat(), "to": end.isoformat(), "lines": len(lines)}  # fmt: skip
    plaintext = _zip(
        {"about.json": json.dumps(about, indent=1), "log-lines.txt": "\n".join(lines) + "\n"}
    )
    with transaction.atomic():
        path, passphrase, digest = _write(out_dir, number, plaintext)
        disclosure = Disclosure.objects.create(
            number=number, made_at=now, recipient=recipient.id, recipient_name=recipient.name,
            recipient_kind=recipient.kind.value, basis=order.basis, reference=order.reference,
            network_fingerprint=_network(address), window_start=start, window_end=end,
            categories=[category], count=len(lines),
            what=f"{len(lines)} web server log lines of one IP address, {window} UTC",
            export_name=path.name, export_sha256=digest, restricted=order.restricted,
            actor=order.actor,
        )  # fmt: skip
        audit_record(
            action="disclosure.made",
            category=category,
            count=len(lines),
            rule=order.reference[:200],
            actor=order.actor,
            detail={"register": number, "recipient": recipient.id, "window": True},
        )
    return Made(disclosure, path, passphrase)
