"""Sending a link by SMS through a pluggable gateway (none is built in; a test one here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import ClassVar

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app import sms
from survey_app.clock import STOCKHOLM
from survey_app.config import Settings
from survey_app.extensions import db
from survey_app.followup import reminders
from survey_app.models import AuditEvent, Invitation
from survey_app.models._types import utcnow
from tests.survey_helpers import Setup, answer_all, make_setup, staff_client
from tests.test_send_link_email import _new_link


class Recorder:
    sent: ClassVar[list[tuple[str, str]]] = []
    fail = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, to: str, text: str) -> None:
        if Recorder.fail:
            raise sms.SmsError("Leverantören svarade inte.")
        Recorder.sent.append((to, text))


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"sms_gateway": "test-recorder"}


@pytest.fixture(autouse=True)
def gateway() -> Iterator[None]:
    sms.register("test-recorder", Recorder)
    Recorder.sent, Recorder.fail = [], False
    yield
    sms.GATEWAYS.pop("test-recorder", None)


def test_mobile_numbers_are_read_in_the_usual_ways() -> None:
    assert sms.mobile_number("070-123 45 67") == "+46701234567"
    assert sms.mobile_number("+46 70 123 45 67") == "+46701234567"
    assert sms.mobile_number("0046701234567") == "+46701234567"
    assert sms.mobile_number("08-123 456 78") is None  # a landline
    assert sms.mobile_number("070123") is None


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def test_staff_send_the_link_by_sms(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    token, page, invitation_id = _new_link(staff, setup)
    assert "Skicka med sms" in page
    path = f"/deltagande/{setup.participation_id}/lank/{invitation_id}/sms"
    refused = staff.post(path, data={"token": token, "phone": "08-123 456 78"})
    assert "Skriv ett svenskt mobilnummer" in refused.get_data(as_text=True)
    assert Recorder.sent == []
    sent = staff.post(path, data={"token": token, "phone": "070-123 45 67"})
    assert "Skickat med sms till 070-123 45 67. Numret sparas inte." in sent.get_data(as_text=True)
    assert len(Recorder.sent) == 1
    to, text = Recorder.sent[0]
    assert to == "+46701234567"
    link = re.search(r"http://localhost(/l/\S+)", text).group(1)  # type: ignore[union-attr]
    assert app.test_client().get(link).status_code == 200
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.sent_at is not None
        assert invitation.email is None  # nothing of the number kept


def test_a_failing_gateway_leaves_it_unsent_with_the_reason(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    token, _, invitation_id = _new_link(staff, setup)
    Recorder.fail = True
    page = staff.post(
        f"/deltagande/{setup.participation_id}/lank/{invitation_id}/sms",
        data={"token": token, "phone": "0701234567"},
    ).get_data(as_text=True)
    assert "Inte skickat: Leverantören svarade inte." in page
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.sent_at is None and invitation.send_error


def test_without_a_gateway_there_is_no_sms_form(app: Flask, setup: Setup) -> None:
    sms.GATEWAYS.pop("test-recorder", None)
    page = staff_client(app).post(
        f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/lank"
    )
    text = page.get_data(as_text=True)
    assert "Text för sms eller e-post" in text  # the ready text to copy is always there
    assert "Skicka med sms" not in text


def _remind(app: Flask, days: float) -> reminders.Report:
    with app.app_context():
        report = reminders.run(
            app.config["SETTINGS"], utcnow() + timedelta(days=days), dry_run=False
        )
        db.session.commit()
        return report


def test_reminders_go_by_sms_through_the_same_gateway(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    token, _, invitation_id = _new_link(staff, setup)
    sent = staff.post(
        f"/deltagande/{setup.participation_id}/lank/{invitation_id}/sms",
        data={"token": token, "phone": "070-123 45 67", "remind": "y"},
    ).get_data(as_text=True)
    assert "Numret sparas för påminnelser" in sent
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.phone == "+46701234567"
        last_day = invitation.expires_at.astimezone(STOCKHOLM).date() - timedelta(days=1)
    page = staff.get(f"/deltagande/{setup.participation_id}").get_data(as_text=True)
    assert "Påminnelser skickas med sms" in page
    Recorder.sent.clear()
    assert _remind(app, 6).sent == 0  # not due yet
    done = _remind(app, 8)
    assert (done.sent, done.failed) == (1, 0)
    [(to, text)] = Recorder.sent
    assert to == "+46701234567"
    assert text.startswith("Påminnelse: Hej!")
    assert f"Länken gäller till och med {last_day.isoformat()}." in text
    path = re.search(r"http://localhost(/l/\S+)", text).group(1)  # type: ignore[union-attr]
    assert app.test_client().get(path).status_code == 200  # the reminder's new link works
    assert app.test_client().get(f"/l/{token}").status_code == 404  # the old one does not
    assert _remind(app, 8).sent == 0  # run twice: nothing twice
    with app.app_context():
        links = db.session.scalars(sa.select(Invitation).order_by(Invitation.id)).all()
        assert [link.phone for link in links] == [None, "+46701234567"]
        channels = db.session.scalars(
            sa.select(AuditEvent.details).where(AuditEvent.action == "reminder_sent")
        ).all()
        assert [d["channels"] for d in channels] == [["sms"]]
    # Answered: the number goes at once, and no more reminders.
    participant = app.test_client()
    participant.get(path)
    answer_all(participant)
    participant.post("/svar/skicka")
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(Invitation.phone.is_not(None))) == 0
        )
    Recorder.sent.clear()
    assert _remind(app, 16).due == [] and Recorder.sent == []


def test_without_reminders_the_number_is_not_kept(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    token, _, invitation_id = _new_link(staff, setup)
    staff.post(
        f"/deltagande/{setup.participation_id}/lank/{invitation_id}/sms",
        data={"token": token, "phone": "070-123 45 67"},
    )
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).phone is None  # type: ignore[union-attr]
    assert _remind(app, 8).due == []
