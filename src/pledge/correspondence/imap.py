"""Reading the operator's mailbox over IMAP, always over TLS, never changing it.

Settings come from the environment, so no password is ever written into a file of pledge's:
``PLEDGE_IMAP_HOST``, ``PLEDGE_IMAP_PORT`` (993), ``PLEDGE_IMAP_USER``, ``PLEDGE_IMAP_PASSWORD``,
``PLEDGE_IMAP_FOLDERS`` (comma-separated, default ``INBOX``), ``PLEDGE_IMAP_TLS`` (``ssl``, the
default, for port 993; or ``starttls``) and ``PLEDGE_IMAP_CAFILE`` (a CA bundle to trust for a
server with its own certificate). The server's certificate is always verified.

Folders are opened read-only and bodies fetched with ``BODY.PEEK``, so nothing is marked read,
moved or deleted. ``FetchState`` remembers the last UID read per folder, so a fetch reads only
what is new; when the server renumbers a folder (a new UIDVALIDITY) the folder is read again and
the fingerprints recognise what was already imported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import imaplib
import os
import re
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pledge.correspondence.choices import Source
from pledge.correspondence.models import FetchState
from pledge.correspondence.sources import Envelope

FETCH_BATCH = 50
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


class ImapError(RuntimeError):
    """The mailbox could not be read; the message says why, without the password."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    user: str
    password: str
    port: int = 993
    folders: tuple[str, ...] = ("INBOX",)
    tls: str = "ssl"
    cafile: str | None = None

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> ImapSettings:
        env = os.environ if environ is None else environ
        missing = [
            name
            for name in ("PLEDGE_IMAP_HOST", "PLEDGE_IMAP_USER", "PLEDGE_IMAP_PASSWORD")
            if not env.get(name)
        ]
        if missing:
            raise ImapError(f"set {', '.join(missing)} in the environment to fetch mail")
        tls = env.get("PLEDGE_IMAP_TLS", "ssl")
        if tls not in ("ssl", "starttls"):
            raise ImapError(
                "PLEDGE_IMAP_TLS must be 'ssl' or 'starttls': mail is never read in clear"
            )
        folders = tuple(f.strip() for f in env.get("PLEDGE_IMAP_FOLDERS", "INBOX").split(","))
        return cls(
            host=env["PLEDGE_IMAP_HOST"],
            user=env["PLEDGE_IMAP_USER"],
            password=env["PLEDGE_IMAP_PASSWORD"],
            port=int(env.get("PLEDGE_IMAP_PORT") or (993 if tls == "ssl" else 143)),
            folders=tuple(f for f in folders if f),
            tls=tls,
            cafile=env.get("PLEDGE_IMAP_CAFILE") or None,
        )

    @property
    def account(self) -> str:
        return hashlib.sha256(f"{self.user}\0{self.host}\0{self.port}".encode()).hexdigest()


def connect(config: ImapSettings, *, timeout: float = 30) -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=config.cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        if config.tls == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                config.host, config.port, ssl_context=context, timeout=timeout
            )
        else:
            conn = imaplib.IMAP4(config.host, config.port, timeout=timeout)
            conn.starttls(ssl_context=context)
    except ssl.SSLCertVerificationError as exc:
        raise ImapError(
            f"{config.host}:{config.port}: the server's certificate is not trusted "
            f"({exc.verify_message}); set PLEDGE_IMAP_CAFILE to the CA that issued it"
        ) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"{config.host}:{config.port}: cannot connect over TLS ({exc})") from None
    try:
        conn.login(config.user, config.password)
    except imaplib.IMAP4.error:
        disconnect(conn)
        raise ImapError(f"{config.host}: the server refused the user name or password") from None
    return conn


def folder_batches(
    conn: imaplib.IMAP4, config: ImapSettings, folder: str, *, max_bytes: int
) -> Iterator[tuple[list[Envelope], Callable[[], None]]]:
    """New messages of one folder, oldest first, in batches.

    Each batch comes with ``done``, to be called once the batch is imported and committed: only
    then does the folder's state move past it, so a fetch that dies half-way reads the rest
    (and nothing less) next time.
    """
    typ, data = conn.select(_quoted(folder), readonly=True)
    if typ != "OK":
        raise ImapError(f"folder {folder!r} cannot be opened: {_words(data)}")
    validity = _uidvalidity(conn, folder)
    state, _ = FetchState.objects.get_or_create(
        account=config.account, folder=folder, defaults={"uidvalidity": validity}
    )
    if state.uidvalidity != validity:
        state.uidvalidity, state.last_uid = validity, 0
        state.save(update_fields=["uidvalidity", "last_uid", "updated_at"])
    typ, data = conn.uid("SEARCH", None, f"UID {state.last_uid + 1}:*")
    if typ != "OK":
        raise ImapError(f"folder {folder!r} cannot be searched: {_words(data)}")
    uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > state.last_uid)
    for start in range(0, len(uids), FETCH_BATCH):
        batch = uids[start : start + FETCH_BATCH]
        sizes = _sizes(conn, batch)
        wanted = [u for u in batch if sizes.get(u, 0) <= max_bytes]
        fetched = _bodies(conn, wanted) if wanted else {}
        envelopes = []
        for uid in batch:
            if uid in wanted and uid not in fetched:
                continue  # expunged between SEARCH and FETCH: nothing to import
            raw, delivered = fetched.get(uid, (None, None))
            location = f"{folder} UID {uid} (UIDVALIDITY {validity})"
            envelopes.append(Envelope(raw, location, Source.IMAP, sizes.get(uid, 0), delivered))

        def done(last: int = batch[-1]) -> None:
            state.last_uid = last
            state.save(update_fields=["last_uid", "updated_at"])

        yield envelopes, done


def _sizes(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    typ, data = conn.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
    if typ != "OK":
        raise ImapError(f"sizes could not be fetched: {_words(data)}")
    sizes = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        uid, size = _UID.search(line or b""), _SIZE.search(line or b"")
        if uid and size:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _bodies(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, tuple[bytes, dt.datetime | None]]:
    typ, data = conn.uid("FETCH", ",".join(map(str, uids)), "(UID INTERNALDATE BODY.PEEK[])")
    if typ != "OK":
        raise ImapError(f"messages could not be fetched: {_words(data)}")
    found = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        head, raw = item
        uid = _UID.search(head)
        if uid:
            found[int(uid.group(1))] = (raw, _internaldate(head))
    return found


def _internaldate(head: bytes) -> dt.datetime | None:
    match = _INTERNALDATE.search(head)
    if not match:
        return None
    try:
        return dt.datetime.strptime(match.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _uidvalidity(conn: imaplib.IMAP4, folder: str) -> int:
    _, data = conn.response("UIDVALIDITY")
    for item in data or []:
        if item and item.isdigit():
            return int(item)
    raise ImapError(f"folder {folder!r}: the server gave no UIDVALIDITY")


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _words(data: list[bytes] | None) -> str:
    return b" ".join(d for d in data or [] if isinstance(d, bytes)).decode("ascii", "replace")


def disconnect(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()
