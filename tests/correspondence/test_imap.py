"""``pledge mail fetch`` against a real IMAP server: Debian's Dovecot on loopback, over TLS.

The server is started by these tests with a certificate generated for localhost and a
passwd-file user, and stopped after them. Where Dovecot is not installed the tests are skipped
with the reason (install it with ``apt-get install dovecot-imapd``; ``.ci/packages.txt`` lists
it for CI).
"""

from __future__ import annotations

import datetime as dt
import getpass
import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pledge.correspondence.models import Message, Source
from pledge.web.tls import localhost_certificate
from tests.correspondence.conftest import email, subject_of
from tests.support.site import free_port

pytestmark = pytest.mark.django_db

PASSWORD = "a long imap passphrase"


@dataclass(frozen=True)
class Dovecot:
    port: int
    cafile: Path

    def env(self, user: str, **more: str) -> dict[str, str]:
        return {
            "PLEDGE_IMAP_HOST": "localhost",
            "PLEDGE_IMAP_PORT": str(self.port),
            "PLEDGE_IMAP_USER": user,
            "PLEDGE_IMAP_PASSWORD": PASSWORD,
            "PLEDGE_IMAP_CAFILE": str(self.cafile),
            **more,
        }

    def client(self, user: str) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.cafile))
        conn = imaplib.IMAP4_SSL("localhost", self.port, ssl_context=context, timeout=10)
        conn.login(user, PASSWORD)
        return conn

    def append(self, user: str, raw: bytes, *, folder: str = "INBOX", when=None) -> None:
        conn = self.client(user)
        try:
            if folder != "INBOX":
                conn.create(folder)
            stamp = imaplib.Time2Internaldate(when) if when else None
            typ, _ = conn.append(folder, None, stamp, raw)
            assert typ == "OK"
        finally:
            conn.logout()


def _accounts() -> tuple[str, str, int, int]:
    """Who runs Dovecot's processes: as root its own users (it refuses root); else us."""
    if os.geteuid() == 0:
        mail = pwd.getpwnam("dovecot")
        return "dovecot", "dovenull", mail.pw_uid, mail.pw_gid
    user = getpass.getuser()
    return user, user, os.getuid(), os.getgid()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
    )
    if binary is None:
        pytest.skip(
            "IMAP NOT TESTED: Dovecot is not installed (apt-get install dovecot-imapd), so "
            "`pledge mail fetch` was not run against a real server in this test run"
        )
    work = Path(tempfile.mkdtemp(prefix="pledge-dovecot-"))
    work.chmod(0o755)  # Dovecot's unprivileged processes must reach their sockets
    internal, login, uid, gid = _accounts()
    cert, key = localhost_certificate(work / "tls")
    (work / "mail").mkdir()
    if os.geteuid() == 0:
        os.chown(work / "mail", uid, gid)
    users = ("fetch@alps.test", "other@alps.test", "empty@alps.test")
    (work / "passwd").write_text("".join(f"{u}:{{PLAIN}}{PASSWORD}\n" for u in users))
    port = free_port()
    (work / "dovecot.conf").write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {work}/run
state_dir = {work}/state
log_path = {work}/dovecot.log
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = {min(uid, 1)}
mail_location = maildir:{work}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {work}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={work}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"""
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(work / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, process, work)
        yield Dovecot(port=port, cafile=cert)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(work, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen[bytes], work: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            log = (work / "dovecot.log").read_text() if (work / "dovecot.log").exists() else ""
            pytest.fail(f"Dovecot exited at start:\n{output}\n{log}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail("Dovecot did not listen within 20 seconds")


@pytest.mark.clause("JC6")
def test_fetch_reads_new_mail_over_tls_once_and_leaves_the_mailbox_as_it_was(
    alps, dovecot, monkeypatch, capsys
):
    # given two messages in the operator's INBOX, one without our server's stamp
    when = dt.datetime(2021, 7, 1, 9, 0, tzinfo=dt.UTC)
    dovecot.append("fetch@alps.test", email(received=when, message_id="<1@example.jp>"))
    dovecot.append(
        "fetch@alps.test",
        email(message_id="<2@example.jp>", sender="Hiro <hiro@example.com>", date=None,
              attachments=[("quote.txt", "text/plain", b"3 x drum unit")]),
        when=when,
    )  # fmt: skip
    for name, value in dovecot.env("fetch@alps.test").items():
        monkeypatch.setenv(name, value)
    # when mail is fetched
    call_command("mail", "fetch")
    # then both are stored, received when the server says, linked and encrypted
    assert "2 read: 2 stored as 2 copies" in capsys.readouterr().out
    kaori = Message.objects.get(subject=subject_of("kaori@example.jp"))
    hiro = Message.objects.get(subject=subject_of("hiro@example.com"))
    assert {kaori.source, hiro.source} == {Source.IMAP}
    assert kaori.received_at == when and hiro.received_at == when  # INTERNALDATE for Hiro's
    assert hiro.attachments.count() == 1
    # and fetching again reads nothing; a new message is the only one read next time
    call_command("mail", "fetch")
    assert "0 read" in capsys.readouterr().out
    dovecot.append("fetch@alps.test", email(message_id="<3@example.jp>"))
    call_command("mail", "fetch")
    assert "1 read: 1 stored" in capsys.readouterr().out
    # and nothing was marked read, moved or deleted on the server
    conn = dovecot.client("fetch@alps.test")
    conn.select("INBOX", readonly=True)
    _, flags = conn.fetch("1:*", "(FLAGS)")
    conn.logout()
    assert len(flags) == 3 and not any(b"\\Seen" in f for f in flags)


@pytest.mark.clause("JC6")
def test_a_message_over_the_limit_is_reported_by_folder_and_uid(alps, dovecot, monkeypatch, capsys):
    dovecot.append("other@alps.test", email(message_id="<small@example.jp>"), folder="Archive")
    scan = ("scan.bin", "application/octet-stream", os.urandom(300_000))
    big = email(message_id="<big@example.jp>", attachments=[scan])
    dovecot.append("other@alps.test", big, folder="Archive")
    for name, value in dovecot.env("other@alps.test", PLEDGE_IMAP_FOLDERS="Archive").items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CommandError):
        call_command("mail", "fetch", "--max-mb", "0.2")
    err = capsys.readouterr().err
    assert "not imported: Archive UID 2 (UIDVALIDITY" in err and "too large" in err
    assert Message.objects.count() == 1


def test_a_server_whose_certificate_is_not_trusted_is_refused(dovecot, monkeypatch):
    env = dovecot.env("empty@alps.test")
    env.pop("PLEDGE_IMAP_CAFILE")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PLEDGE_IMAP_CAFILE", raising=False)
    with pytest.raises(CommandError, match="certificate is not trusted"):
        call_command("mail", "fetch")


def test_a_wrong_password_is_refused_without_repeating_it(dovecot, monkeypatch):
    for name, value in dovecot.env("empty@alps.test", PLEDGE_IMAP_PASSWORD="wrong-guess").items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CommandError) as refused:
        call_command("mail", "fetch")
    assert "refused the user name or password" in str(refused.value)
    assert "wrong-guess" not in str(refused.value)


def test_settings_come_only_from_the_environment(monkeypatch):
    for name in ("PLEDGE_IMAP_HOST", "PLEDGE_IMAP_USER", "PLEDGE_IMAP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(CommandError, match="set PLEDGE_IMAP_HOST, PLEDGE_IMAP_USER"):
        call_command("mail", "fetch")
