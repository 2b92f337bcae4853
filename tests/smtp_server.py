"""A real SMTP server on 127.0.0.1 for the tests of sending links (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message

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
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        )
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=PORT)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
