"""E-mail through the förbund's SMTP server (the standard library's smtplib, email.message and
email.utils; settings SMTP_* and MAIL_FROM): personal links, reminders and "glömt lösenord".

A message is built in one place (`build`): From, To, Subject, Date and Message-ID headers, the
text as plain text and the same text as an HTML alternative with the links clickable. A link
message holds the link and, if staff typed one, the participant's first name: nothing else about
the person.
"""

from __future__ import annotations

import html
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from survey_app.config import Settings

# The förbund's text until it writes its own (Inställningar shows it in the box to edit).
DEFAULT_TEMPLATE = (
    "Hej {fornamn}!\n\n"
    "Här är din personliga länk till frågorna från {forbund}:\n\n"
    "{lank}\n\n"
    "Du kan göra en paus och fortsätta senare med samma länk. Länken gäller till och med "
    "{sista_dag}. Dina svar behandlas konfidentiellt.\n\n"
    "Har du frågor är du välkommen att höra av dig till oss.\n\n"
    "Vänliga hälsningar\n{forbund}"
)
SUBJECT = "Din länk till frågorna från {forbund}"
REMINDER_PREFIX = "Påminnelse: "
PLACEHOLDERS = ("fornamn", "lank", "sista_dag", "forbund")

_FIRST_NAME = re.compile(r"[ \t]*\{fornamn\}[ \t]*")
_PUNCTUATION = "!?.,:;)"


class MailError(Exception):
    """Sending failed; the message is Swedish and safe to show to staff."""


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    body: str


def _with_first_name(template: str, first_name: str) -> str:
    """Put the first name in the place of {fornamn} with exactly one space before it (none at
    the start of a line) and one after it before a word; without a name, the placeholder and
    the space around it go: "Hej {fornamn}!" gives "Hej Anna!" and "Hej!", and so does the
    older way of writing it, "Hej{fornamn}!"."""

    def fill(match: re.Match[str]) -> str:
        before = template[match.start() - 1] if match.start() > 0 else "\n"
        after = template[match.end()] if match.end() < len(template) else "\n"
        word_before = before != "\n"
        word_after = after != "\n" and after not in _PUNCTUATION
        if not first_name:
            return " " if word_before and word_after else ""
        return (" " if word_before else "") + first_name + (" " if word_after else "")

    return _FIRST_NAME.sub(fill, template)


def render(
    template: str,
    *,
    forbund: str,
    link: str,
    last_day: date | str,
    first_name: str = "",
    reminder: bool = False,
) -> tuple[str, str]:
    """(subject, body) of a link message, exactly as it is sent; an empty template is the
    default text, and an unknown {placeholder} is left as written."""
    body = _with_first_name(template or DEFAULT_TEMPLATE, " ".join(first_name.split()))
    values = {
        "lank": link,
        "sista_dag": last_day.isoformat() if isinstance(last_day, date) else last_day,
        "forbund": forbund,
    }
    for key, value in values.items():
        body = body.replace("{" + key + "}", value)
    subject = SUBJECT.replace("{forbund}", forbund)
    return (REMINDER_PREFIX + subject if reminder else subject), body


_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


def html_body(text: str) -> str:
    """The plain text as HTML: paragraphs at blank lines, line breaks kept, every link a
    link. Everything else is escaped."""

    def line(raw: str) -> str:
        parts, last = [], 0
        for match in _URL.finditer(raw):
            parts.append(html.escape(raw[last : match.start()]))
            url = html.escape(match.group(0))
            parts.append(f'<a href="{url}">{url}</a>')
            last = match.end()
        parts.append(html.escape(raw[last:]))
        return "".join(parts)

    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    inner = "\n".join(
        "<p>" + "<br>\n".join(line(raw) for raw in p.splitlines()) + "</p>" for p in paragraphs
    )
    return (
        '<!doctype html>\n<html lang="sv">\n<head><meta charset="utf-8"></head>\n'
        f"<body>\n{inner}\n</body>\n</html>\n"
    )


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.mail_from)


def build(settings: Settings, letter: Letter, now: datetime | None = None) -> EmailMessage:
    """The message as it goes to the SMTP server."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = letter.to
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    # The sender's own domain, not this machine's name.
    domain = parseaddr(settings.mail_from or "")[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    # Sent by the service: out-of-office replies are not wanted (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.body)
    message.add_alternative(html_body(letter.body), subtype="html")
    return message


def send(settings: Settings, letter: Letter) -> None:
    """Hand the message to the SMTP server, or raise MailError saying why not."""
    if not configured(settings):
        raise MailError(
            "E-post är inte inställt för tjänsten. Be den som sköter tjänstens drift att ställa "
            "in det."
        )
    message = build(settings, letter)
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
