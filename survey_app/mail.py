"""Sending a personal link by e-mail through the förbund's SMTP server (the standard library's
smtplib; settings SMTP_* and MAIL_FROM). The message holds the link and, if staff typed one, the
participant's first name: nothing else about the person."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from survey_app.config import Settings

DEFAULT_TEMPLATE = (
    "Hej{fornamn}!\n\n"
    "Här är din länk till frågorna från {forbund}. Det tar ungefär tio minuter, och du kan "
    "göra en paus och fortsätta senare med samma länk.\n\n"
    "{lank}\n\n"
    "Länken gäller till och med {sista_dag}. Dina svar behandlas konfidentiellt.\n\n"
    "Vänliga hälsningar\n{forbund}"
)
SUBJECT = "Din länk till frågorna från {forbund}"
PLACEHOLDERS = ("fornamn", "lank", "sista_dag", "forbund")


class MailError(Exception):
    """Sending failed; the message is Swedish and safe to show to staff."""


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    body: str


def render(
    template: str, *, forbund: str, link: str, last_day: str, first_name: str = ""
) -> tuple[str, str]:
    """(subject, body) of the invitation; an unknown {placeholder} is left as written."""
    values = {
        "fornamn": f" {first_name.strip()}" if first_name.strip() else "",
        "lank": link,
        "sista_dag": last_day,
        "forbund": forbund,
    }
    body = template
    for key, value in values.items():
        body = body.replace("{" + key + "}", value)
    return SUBJECT.replace("{forbund}", forbund), body


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.mail_from)


def send(settings: Settings, letter: Letter) -> None:
    """Hand the message to the SMTP server, or raise MailError saying why not."""
    if not configured(settings):
        raise MailError("E-post är inte inställt för tjänsten (SMTP_HOST och MAIL_FROM).")
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = letter.to
    message["Subject"] = letter.subject
    message.set_content(letter.body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError("E-postservern tog inte emot adressen.") from error
    except smtplib.SMTPException as error:
        raise MailError(
            f"E-postservern svarade med ett fel ({error.__class__.__name__})."
        ) from error
    except OSError as error:
        raise MailError("Kunde inte nå e-postservern. Försök igen om en stund.") from error
