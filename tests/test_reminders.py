"""Reminders (`flask send-reminders`) with a controllable clock, through a real SMTP server on
127.0.0.1: due, not due, expired, revoked, answered, already reminded, run twice, SMTP down."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.followup import reminders
from survey_app.followup.todo import add_months
from survey_app.models import AuditEvent, Invitation, ParticipationStatus, RoleKind
from survey_app.models._types import utcnow
from tests import factories
from tests.conftest import login
from tests.smtp_server import SETTINGS, Inbox, smtp_server, text_of
from tests.survey_helpers import Setup, answer_all, make_setup, staff_client
from tests.test_send_link_email import _new_link

DAY = timedelta(days=1)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {**SETTINGS, "public_url": "https://enkat.example.org", "reminder_interval_days": 7}


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as received:
        yield received


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _send(app: Flask, setup: Setup, remind: bool = True) -> tuple[str, int]:
    staff = staff_client(app)
    token, _, invitation_id = _new_link(staff, setup)
    data = {"token": token, "email": "anna@example.org"}
    if remind:
        data["remind"] = "y"
    page = staff.post(
        f"/deltagande/{setup.participation_id}/lank/{invitation_id}/epost", data=data
    ).get_data(as_text=True)
    assert "Skickat till anna@example.org" in page
    assert "<form" not in page.split("</title>")[0], "nothing but text in the page title"
    return token, invitation_id


def _run(app: Flask, days: float, dry_run: bool = False) -> reminders.Report:
    with app.app_context():
        report = reminders.run(
            app.config["SETTINGS"], utcnow() + timedelta(days=days), dry_run=dry_run
        )
        db.session.commit()
        return report


def test_a_reminder_goes_once_per_interval_with_a_working_link(
    app: Flask, setup: Setup, inbox: Inbox
) -> None:
    _send(app, setup)
    inbox.messages.clear()
    assert _run(app, 6).due == []  # not due yet
    dry = _run(app, 8, dry_run=True)
    assert len(dry.due) == 1 and inbox.messages == []  # a dry run sends nothing
    done = _run(app, 8)
    assert (done.sent, done.failed) == (1, 0)
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["anna@example.org"]
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.startswith("Påminnelse:")
    body = text_of(message)
    path = re.search(r"https://enkat\.example\.org(/l/\S+)", body).group(1)  # type: ignore[union-attr]
    assert app.test_client().get(path).status_code == 200  # the new link works
    assert _run(app, 8).sent == 0  # run twice: nothing twice
    assert _run(app, 14).sent == 0  # 6 days after the reminder: not yet
    assert _run(app, 16).sent == 1  # another interval later
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "reminder_sent")
            )
            == 2
        )
        # The reminded link keeps the first link's last day.
        links = db.session.scalars(sa.select(Invitation).order_by(Invitation.id)).all()
        assert len({link.expires_at for link in links}) == 1
        assert [link.email for link in links] == [None, None, "anna@example.org"]


def test_no_reminder_after_expiry_or_revocation_and_the_address_is_deleted(
    app: Flask, setup: Setup, inbox: Inbox
) -> None:
    _, invitation_id = _send(app, setup)
    inbox.messages.clear()
    report = _run(app, 31)  # the förbund's links last 30 days
    assert report.due == [] and report.cleared == 1 and inbox.messages == []
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).email is None  # type: ignore[union-attr]
    _, second = _send(app, setup)
    staff_client(app).post(f"/deltagande/{setup.participation_id}/lank/{second}/aterkalla")
    inbox.messages.clear()
    assert _run(app, 8).due == []
    with app.app_context():
        assert db.session.get(Invitation, second).email is None  # type: ignore[union-attr]


def test_no_reminder_once_answered(app: Flask, setup: Setup, inbox: Inbox) -> None:
    token, invitation_id = _send(app, setup)
    participant = app.test_client()
    participant.get(f"/l/{token}")
    answer_all(participant)
    participant.post("/svar/skicka")
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).email is None  # type: ignore[union-attr]
    inbox.messages.clear()
    assert _run(app, 8).due == [] and inbox.messages == []


def test_without_consent_to_reminders_no_address_is_kept(
    app: Flask, setup: Setup, inbox: Inbox
) -> None:
    _, invitation_id = _send(app, setup, remind=False)
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).email is None  # type: ignore[union-attr]
    assert _run(app, 8).due == []


def test_a_failed_reminder_changes_nothing_and_is_tried_again(
    app: Flask, setup: Setup, inbox: Inbox
) -> None:
    token, invitation_id = _send(app, setup)
    inbox.messages.clear()
    with app.app_context():
        settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = type(settings)(**{**settings.__dict__, "smtp_port": 1})
    failed = _run(app, 8)
    assert (failed.sent, failed.failed) == (0, 1)
    assert app.test_client().get(f"/l/{token}").status_code == 200  # the old link still works
    with app.app_context():
        old = db.session.get(Invitation, invitation_id)
        assert old is not None and old.send_error and old.email == "anna@example.org"
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 1
    app.config["SETTINGS"] = settings
    assert _run(app, 8).sent == 1  # the next run


def test_the_command_dry_run_and_twice(app: Flask, setup: Setup, inbox: Inbox) -> None:
    _send(app, setup)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["send-reminders", "--dry-run"])
    assert dry.exit_code == 0 and "0 påminnelser skulle skickas" in dry.output
    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0 and "Skickade 0 påminnelser" in first.output


def test_a_link_for_a_follow_up_after_the_exit_is_reminded_too(app: Flask, inbox: Inbox) -> None:
    """An ended participation's follow-up six months after the exit: its e-mailed link gets a
    reminder like any other (nothing in reminders depends on the participation being active)."""

    coach = "coach@example.org"
    with app.app_context():
        owner = factories.forbund()
        insats = factories.insats(
            owner, "Efter", start=["sjalvskattning"], after=["sjalvskattning"]
        )
        insats.after_exit_months = [6]
        factories.user(owner, RoleKind.STAFF, [insats], email=coach)
        exit_date = add_months(utcnow().date(), -6) - timedelta(days=3)
        left = factories.participation(insats, "ef-1", start=exit_date - timedelta(days=200))
        left.exit_date = exit_date
        left.status = ParticipationStatus.EXITED
        db.session.commit()
        left_id = left.id
    staff = app.test_client()
    login(staff, coach, factories.PASSWORD)
    assert staff.post(f"/deltagande/{left_id}/tillfalle/nytt/after/6").status_code == 302
    page = staff.get(f"/deltagande/{left_id}").get_data(as_text=True)
    occasion_id = int(re.search(rf"/deltagande/{left_id}/tillfalle/(\d+)/lank", page).group(1))  # type: ignore[union-attr]
    page = staff.post(f"/deltagande/{left_id}/tillfalle/{occasion_id}/lank").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    invitation_id = int(re.search(r"/lank/(\d+)/epost", page).group(1))  # type: ignore[union-attr]
    sent = staff.post(
        f"/deltagande/{left_id}/lank/{invitation_id}/epost",
        data={"token": token, "email": "anna@example.org", "remind": "y"},
    )
    assert "Skickat till anna@example.org" in sent.get_data(as_text=True)
    inbox.messages.clear()
    done = _run(app, 8)
    assert (done.sent, done.failed) == (1, 0)
    recipients, message = inbox.messages[0]
    assert recipients == ["anna@example.org"]
    assert str(make_header(decode_header(message["Subject"]))).startswith("Påminnelse:")
    path = re.search(r"https://enkat\.example\.org(/l/\S+)", text_of(message)).group(1)  # type: ignore[union-attr]
    assert app.test_client().get(path).status_code in (200, 302)  # the new link works
