"""A participant's session opened by a personal link lives no longer than the link."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import Answer, Invitation
from survey_app.models._types import utcnow
from tests.survey_helpers import PAGES, Setup, create_link, make_setup, staff_client

LINK_BROKEN = "Länken kan inte användas längre"


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _half_way(app: Flask, setup: Setup) -> FlaskClient:
    participant = app.test_client()
    assert participant.get(create_link(staff_client(app), setup)).status_code == 200
    assert participant.post("/svar/sida/1", data=PAGES[0]).status_code == 302
    return participant


def _answers(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Answer.id))) or 0


@pytest.mark.parametrize("end", ["expired", "revoked"])
def test_an_open_link_session_ends_with_its_link(app: Flask, setup: Setup, end: str) -> None:
    participant = _half_way(app, setup)
    saved = _answers(app)
    assert saved == 3  # page 1: three self-assessment items
    assert participant.get("/svar/sida/2").status_code == 200  # still open
    with app.app_context():
        invitation = db.session.scalars(sa.select(Invitation)).one()
        if end == "expired":
            invitation.expires_at = utcnow() - timedelta(seconds=1)
        else:
            invitation.revoked_at = utcnow()
        db.session.commit()
    for method, path in (("GET", "/svar/sida/2"), ("POST", "/svar/sida/2"), ("GET", "/svar")):
        response = participant.open(path, method=method, data=PAGES[1])
        assert response.status_code == 404, (method, path)
        assert LINK_BROKEN in response.get_data(as_text=True)
    assert participant.post("/svar/skicka").status_code == 404
    assert _answers(app) == saved  # nothing saved after the end


def test_a_link_expiring_later_keeps_the_session_open(app: Flask, setup: Setup) -> None:
    participant = _half_way(app, setup)
    with app.app_context():
        invitation = db.session.scalars(sa.select(Invitation)).one()
        invitation.expires_at = utcnow() + timedelta(minutes=5)
        db.session.commit()
    assert participant.post("/svar/sida/2", data=PAGES[1]).status_code == 302
    assert _answers(app) == 7  # page 2: four more items
