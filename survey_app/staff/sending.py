"""Sending a just-created personal link by e-mail or SMS. Flushes nothing itself and never
commits; the request commits.

A failed send is not a rejected request: the failure is kept on the invitation and in the audit
log (staff see it, and it is evidence of what was tried), so the request commits it as well.
That is why these functions return the reason a link was not sent instead of raising.
"""

from __future__ import annotations

from survey_app import mail, sms
from survey_app.clock import last_day
from survey_app.config import Settings
from survey_app.models import Invitation, Participation
from survey_app.models._types import utcnow
from survey_app.privacy import audit


def link_letter(
    participation: Participation, url: str, invitation: Invitation, first_name: str
) -> tuple[str, str]:
    """(subject, body) of the e-mail with this link, exactly as it is sent (and previewed)."""
    forbund = participation.insats.forbund
    return mail.render(
        forbund.email_template,
        forbund=forbund.name,
        link=url,
        last_day=last_day(invitation.expires_at),
        first_name=first_name,
    )


def email_link(
    settings: Settings,
    participation: Participation,
    invitation: Invitation,
    url: str,
    address: str,
    first_name: str,
    *,
    remind: bool,
) -> str | None:
    """Send the link to `address`. None when it was sent, else why not ("Inte skickat: …").

    The address is kept only when reminders are wanted, and only while the link is pending
    (followup/reminders.py); without reminders an address kept earlier goes."""
    subject, body = link_letter(participation, url, invitation, first_name)
    try:
        mail.send(settings, mail.Letter(address, subject, body))
    except mail.MailError as error:
        return _failed(invitation, "link_email_failed", error)
    _sent(invitation)
    if remind:
        invitation.email = address
    elif invitation.email is not None:
        invitation.email = None
    audit.record("link_emailed", object_type="invitation", object_id=invitation.id)
    return None


def sms_link(
    gateway: sms.SmsGateway,
    invitation: Invitation,
    url: str,
    phone: str,
    *,
    remind: bool,
) -> str | None:
    """Send the link's text to the mobile number `phone` (validated by the form). None when it
    was sent, else why not ("Inte skickat: …"). The number is kept only when reminders are
    wanted, and only while the link is pending (followup/reminders.py)."""
    number = sms.mobile_number(phone) or ""
    try:
        gateway.send(number, sms.link_text(url, last_day(invitation.expires_at)))
    except sms.SmsError as error:
        return _failed(invitation, "link_sms_failed", error)
    _sent(invitation)
    if remind:
        invitation.phone = number
    audit.record("link_sms_sent", object_type="invitation", object_id=invitation.id)
    return None


def _sent(invitation: Invitation) -> None:
    invitation.sent_at = utcnow()
    invitation.send_error = None


def _failed(invitation: Invitation, action: str, error: Exception) -> str:
    invitation.send_error = str(error)[:200]
    audit.record(action, object_type="invitation", object_id=invitation.id)
    return f"Inte skickat: {error}"
