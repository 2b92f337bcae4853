"""A real SMTP server on 127.0.0.1 for the tests of sending links (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PORT = _free_port()
SETTINGS = {"smtp_host": "127.0.0.1", "smtp_port": PORT, "mail_from": "noreply@forbund.example"}


class Inbox:
    """What the server received: (recipients, message) per message."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[attr-defined]
        return "250 OK"


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a received message, decoded."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has a plain-text part"
    return str(part.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    """The HTML part of a received message, decoded."""
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the message has an HTML part"
    return str(part.get_content()).replace("\r\n", "\n")


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=PORT)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
