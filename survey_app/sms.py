"""Sending a personal link by SMS: a pluggable gateway, with no provider built in.

A deployment that has an SMS provider registers a factory under a name and sets SMS_GATEWAY to
it (e.g. in a small module imported by its wsgi file):

    from survey_app import sms
    sms.register("minleverantor", lambda settings: MinLeverantor(api_key=...))

Without one, staff copy the ready SMS text or show the QR code. The number is used for the one
message and not stored, unless staff ask for reminders: then it is kept on the link while the
link is pending, and `flask send-reminders` reminds through the same gateway
(followup/reminders.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Protocol

from survey_app.config import Settings


class SmsError(Exception):
    """Sending failed; the message is Swedish and safe to show to staff."""


class SmsGateway(Protocol):
    def send(self, to: str, text: str) -> None:
        """Send `text` to the number `to` (+467…), or raise SmsError saying why not."""


GATEWAYS: dict[str, Callable[[Settings], SmsGateway]] = {}


def register(name: str, factory: Callable[[Settings], SmsGateway]) -> None:
    GATEWAYS[name] = factory


def gateway(settings: Settings) -> SmsGateway | None:
    factory = GATEWAYS.get(settings.sms_gateway) if settings.sms_gateway else None
    return factory(settings) if factory is not None else None


MOBILE = re.compile(r"^(?:\+46|0046|0)(7\d{8})$")


def mobile_number(text: str) -> str | None:
    """A Swedish mobile number in international form (+467…), or None."""
    digits = re.sub(r"[\s\-()]", "", text or "")
    match = MOBILE.match(digits)
    return f"+46{match.group(1)}" if match else None


def link_text(url: str, last_day: date, reminder: bool = False) -> str:
    """The ready text of a personal link, for an SMS or to copy. It names no person and no
    insats."""
    return (
        ("Påminnelse: " if reminder else "")
        + "Hej! Här är din personliga länk till frågorna om hur du har det: "
        f"{url} Länken gäller till och med {last_day.isoformat()}. "
        "Hör av dig till oss om du behöver hjälp."
    )
