"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for reading links."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support.site import free_port


@dataclass(frozen=True)
class Received:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "the message has no plain-text body"
        return part.get_content()

    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.body)


class _Keeper:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.arrived:
            self.messages.append(Received(list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class MailServer:
    """``with MailServer() as mail:`` ... ``mail.wait_for(address)``."""

    def __init__(self) -> None:
        self.port = free_port()
        self._keeper = _Keeper()
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> MailServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def env(self) -> dict[str, str]:
        """What ``pledge serve`` needs to send its mail here."""
        return {
            "PLEDGE_SMTP_HOST": "127.0.0.1",
            "PLEDGE_SMTP_PORT": str(self.port),
            "PLEDGE_SMTP_TLS": "none",
        }

    def to(self, address: str) -> list[Received]:
        with self._keeper.arrived:
            return [m for m in self._keeper.messages if address in m.to]

    def wait_for(self, address: str, count: int = 1, timeout: float = 15) -> list[Received]:
        """The first ``count`` messages to ``address``, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._keeper.arrived:
            while True:
                found = [m for m in self._keeper.messages if address in m.to]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(found)} of {count} messages to {address} arrived in {timeout}s"
                    )
                self._keeper.arrived.wait(left)
