"""Sending a link by SMS through a pluggable gateway (none is built in; a test one here)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

import pytest
from flask import Flask

from survey_app import sms
from survey_app.config import Settings
from survey_app.extensions import db
from survey_app.models import Invitation
from tests.survey_helpers import Setup, make_setup, staff_client
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
