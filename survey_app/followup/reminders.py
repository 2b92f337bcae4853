"""Reminders for personal links sent by e-mail or SMS and not yet answered: `flask
send-reminders`.

At most one reminder per interval (REMINDER_INTERVAL_DAYS) and link, never after the link has
expired, never for a revoked or answered one. Tokens are not stored, so a reminder carries a new
link for the same occasion (the old one stops working) with the old link's last day. It goes
the way the link went when staff asked for reminders: by e-mail (mail.py), by SMS through the
same gateway as links (sms.py), or both. Each send is recorded on the link and in the audit log;
a failed send changes nothing but the reason and is tried again at the next run. Running it
twice in a row sends nothing twice. The address and number are kept only for this and deleted as
soon as the link is answered, revoked, replaced or expired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from survey_app import mail, sms
from survey_app.clock import last_day
from survey_app.config import Settings
from survey_app.extensions import db
from survey_app.models import Invitation, Response, ResponseStatus
from survey_app.privacy import audit
from survey_app.survey import links
from survey_app.urls import personal_link


@dataclass
class Report:
    due: list[int] = field(default_factory=list)  # invitation ids
    sent: int = 0
    failed: int = 0
    cleared: int = 0


def _answered(invitation: Invitation) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(Response.id)).where(
                Response.occasion_id == invitation.occasion_id,
                Response.status == ResponseStatus.SUBMITTED,
            )
        )
    )


def run(settings: Settings, now: datetime, *, dry_run: bool) -> Report:
    report = Report()
    interval = timedelta(days=settings.reminder_interval_days)
    pending = db.session.scalars(
        sa.select(Invitation)
        .where(sa.or_(Invitation.email.is_not(None), Invitation.phone.is_not(None)))
        .order_by(Invitation.id)
    ).all()
    for invitation in pending:
        over = (
            invitation.used_at is not None
            or invitation.revoked_at is not None
            or invitation.expires_at <= now
            or _answered(invitation)
        )
        if over:
            report.cleared += 1
            if not dry_run:
                invitation.email = None
                invitation.phone = None
            continue
        last = invitation.reminded_at or invitation.sent_at or invitation.created_at
        if now - last < interval:
            continue
        report.due.append(invitation.id)
        if not dry_run:
            if _remind(settings, invitation, now):
                report.sent += 1
            else:
                report.failed += 1
    if not dry_run:
        db.session.flush()
    return report


def _remind(settings: Settings, old: Invitation, now: datetime) -> bool:
    address, number = old.email, old.phone
    occasion = old.occasion
    forbund = occasion.participation.insats.forbund
    try:
        with db.session.begin_nested():
            token = links.create_invitation(occasion, old.created_by, now)
            new = max(occasion.invitations, key=lambda i: i.id)
            new.expires_at = old.expires_at  # a reminder never lengthens the link's life
            new.email, new.phone = address, number
            new.sent_at, new.reminded_at = now, now
            url = personal_link(token, settings)
            until = last_day(old.expires_at)
            if address:
                subject, body = mail.render(
                    forbund.email_template,
                    forbund=forbund.name,
                    link=url,
                    last_day=until,
                    reminder=True,
                )
                mail.send(settings, mail.Letter(address, subject, body))
            if number:
                gateway = sms.gateway(settings)
                if gateway is None:
                    raise sms.SmsError("Sms är inte inställt för tjänsten.")
                gateway.send(number, sms.link_text(url, until, reminder=True))
            audit.record(
                "reminder_sent",
                forbund_id=forbund.id,
                object_type="invitation",
                object_id=new.id,
                replaces=old.id,
                channels=[c for c, kept in (("e-post", address), ("sms", number)) if kept],
            )
    except (mail.MailError, sms.SmsError) as error:
        old.send_error = str(error)[:200]
        audit.record(
            "reminder_failed", forbund_id=forbund.id, object_type="invitation", object_id=old.id
        )
        return False
    return True
