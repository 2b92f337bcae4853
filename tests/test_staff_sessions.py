"""Staff sessions live on the server: ending one (sign-out, tablet hand-over) kills every copy
of its cookie and leaves the user's other sessions alone; deactivation and an admin's reset end
them all; none outlives 12 hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import RoleKind, StaffSession, StaffUser
from tests import factories
from tests.conftest import login

COACH = "coach@example.org"
ADMIN = "admin@example.org"


@pytest.fixture
def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        owner = factories.forbund()
        insats = factories.insats(owner)
        coach = factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        participation = factories.participation(insats)
        db.session.commit()
        return {
            "coach": coach.id,
            "participation": participation.id,
            "occasion": participation.occasions[0].id,
        }


def _signed_in(app: Flask, email: str = COACH) -> FlaskClient:
    client = app.test_client()
    login(client, email, factories.PASSWORD)
    return client


def _copy(app: Flask, client: FlaskClient) -> FlaskClient:
    """Someone who got hold of the session cookie (a shared tablet's browser, a proxy log)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _works(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def test_a_copied_staff_cookie_dies_at_the_tablet_hand_over(
    app: Flask, ids: dict[str, int]
) -> None:
    tablet = _signed_in(app)
    thief = _copy(app, tablet)
    assert _works(thief), "before the hand-over the copy works (it is the same session)"
    handed_over = tablet.post(
        f"/deltagande/{ids['participation']}/tillfalle/{ids['occasion']}/surfplatta"
    )
    assert handed_over.headers["Location"] == "/svar"
    assert not _works(thief)
    assert thief.get(f"/deltagande/{ids['participation']}").status_code == 302
    assert not _works(tablet)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 0


@pytest.mark.usefixtures("ids")
def test_a_hand_over_or_sign_out_ends_only_that_session(app: Flask, ids: dict[str, int]) -> None:
    office_pc = _signed_in(app)
    tablet = _signed_in(app)
    tablet.post(f"/deltagande/{ids['participation']}/tillfalle/{ids['occasion']}/surfplatta")
    assert _works(office_pc), "the coordinator's desk session goes on after a hand-over"
    phone = _signed_in(app)
    phone.post("/logout")
    assert _works(office_pc)


@pytest.mark.usefixtures("ids")
def test_deactivation_ends_every_session_of_the_account(app: Flask) -> None:
    first, second = _signed_in(app), _signed_in(app)
    admin = _signed_in(app, ADMIN)
    with app.app_context():
        coach_id = db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == COACH))
    assert admin.post(f"/admin/personal/{coach_id}/inaktivera").status_code == 302
    assert not _works(first) and not _works(second)


@pytest.mark.usefixtures("ids")
def test_no_session_outlives_twelve_hours(app: Flask) -> None:
    client = _signed_in(app)
    with app.app_context():
        row = db.session.scalars(sa.select(StaffSession)).one()
        row.created_at -= timedelta(hours=11, minutes=59)
        db.session.commit()
    assert _works(client), "an active session before its twelfth hour"
    with app.app_context():
        row = db.session.scalars(sa.select(StaffSession)).one()
        row.created_at -= timedelta(minutes=2)
        db.session.commit()
    assert not _works(client), "however active, signed out after twelve hours"


@pytest.mark.usefixtures("ids")
def test_the_cookie_holds_a_token_the_database_only_its_hash(app: Flask) -> None:
    client = _signed_in(app)
    with client.session_transaction() as session:
        token = session["staff_session"]
    with app.app_context():
        stored = db.session.scalars(sa.select(StaffSession.token_hash)).one()
    assert token not in stored and len(stored) == 64
    # A session cookie with a made-up token (e.g. from before this change) signs nobody in.
    with client.session_transaction() as session:
        session["staff_session"] = "x" * 43
    assert not _works(client)
