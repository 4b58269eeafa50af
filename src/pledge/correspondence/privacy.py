"""The correspondence archive's personal data, declared to the datamap.

Every copy, attachment and chunk belongs to one subject and is encrypted under their key for
``user.correspondence``, so erasure shreds that key and deletes the rows; retention counts from
when the message was received. The policy decides the rest: under alps a five-year minimum
keep and deletion only on a written request after it (AL7); under japan-centre two years.
"""

from pledge.correspondence.models import (
    CORRESPONDENCE,
    Attachment,
    AttachmentChunk,
    FetchState,
    Fingerprint,
    Message,
)
from pledge.datamap.registry import Holder, NoPersonalData, Strategy, declare

declare(
    Holder(
        Message,
        category=CORRESPONDENCE,
        strategy=Strategy.SHRED,
        subject="subject_id",
        anchor="received_at",
        description="Emails and enquiries, one copy per correspondent: all of it encrypted.",
    ),
    Holder(
        Attachment,
        category=CORRESPONDENCE,
        strategy=Strategy.SHRED,
        subject="subject_id",
        anchor="message__received_at",
        description="Attachments of those copies: names and types encrypted.",
    ),
    Holder(
        AttachmentChunk,
        category=CORRESPONDENCE,
        strategy=Strategy.SHRED,
        subject="subject_id",
        anchor="attachment__message__received_at",
        description="Attachment contents in encrypted chunks.",
    ),
    NoPersonalData(
        Fingerprint,
        reason=(
            "keyed digests of messages already imported, linked to no one; they keep an "
            "erased person's mail from coming back when an old mailbox is imported again"
        ),
    ),
    NoPersonalData(
        FetchState,
        reason="which UID of the operator's own IMAP folders was read last",
    ),
)
