"""One action on "Att göra": a personal link for everyone due to answer now."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.admin.services import InsatsData, save_insats
from survey_app.clock import today
from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Insats,
    Invitation,
    Occasion,
    OccasionKind,
    ParticipationStatus,
    Role,
    RoleKind,
    StaffUser,
)
from survey_app.survey.links import create_invitation
from tests import factories
from tests.conftest import login

STAFF = "coach@example.org"


@pytest.fixture
def insats_id(app: Flask) -> int:
    """Gröna vägen: gv-1 and gv-2 start today (START due), gv-3 already has a working link,
    gv-4 starts in a month (not due); another insats has gv-9 due."""
    with app.app_context():
        owner = factories.forbund()
        mine = factories.insats(owner, "Gröna vägen")
        coach = factories.user(owner, RoleKind.STAFF, [mine], email=STAFF)
        for code in ("gv-1", "gv-2"):
            factories.participation(mine, code, start=today())
        linked = factories.participation(mine, "gv-3", start=today())
        create_invitation(linked.occasions[0], coach)
        factories.participation(mine, "gv-4", start=today() + timedelta(days=30))
        factories.participation(factories.insats(owner, "Annan"), "gv-9", start=today())
        db.session.commit()
        return mine.id


@pytest.fixture
def coach(client: FlaskClient, insats_id: int) -> FlaskClient:
    login(client, STAFF, factories.PASSWORD)
    return client


def test_links_for_everyone_due_and_only_them(
    app: Flask, coach: FlaskClient, insats_id: int
) -> None:
    page = coach.post("/att-gora/lankar", data={"insats": str(insats_id)}).get_data(as_text=True)
    assert "2 nya länkar" in page
    assert "gv-1" in page and "gv-2" in page
    assert "gv-3" not in page and "gv-4" not in page and "gv-9" not in page
    paths = re.findall(r"http://localhost(/l/[A-Za-z0-9_-]+)", page)
    assert len(paths) == 2
    for path in paths:
        assert app.test_client().get(path).status_code == 200  # each works
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 3
    again = coach.post("/att-gora/lankar", data={"insats": str(insats_id)}).get_data(as_text=True)
    assert "Ingen behövde en ny länk" in again  # everyone due now has a working link


def test_due_follow_ups_not_created_yet_get_a_link_too(app: Flask, coach: FlaskClient) -> None:
    """Every 3 months: gv-old started 100 days ago, so follow-up 1 is due but not created; after
    the action it exists and has a working link. Someone who left gets only the EXIT."""
    with app.app_context():
        owner = db.session.scalars(sa.select(Insats)).first().forbund  # type: ignore[union-attr]
        paced = save_insats(
            owner,
            InsatsData(
                name="Med uppföljning",
                start_date=date(2025, 1, 1),
                end_date=None,
                followup_interval_months=3,
                bundles={"start": ["sjalvskattning"], "followup": ["sjalvskattning"]},
            ),
        )
        coach_user = db.session.scalars(sa.select(StaffUser).where(StaffUser.email == STAFF)).one()
        coach_user.roles.append(Role(kind=RoleKind.STAFF, insats=paced))
        factories.participation(paced, "gv-old", start=today() - timedelta(days=100))
        left = factories.participation(paced, "gv-gone", start=today() - timedelta(days=200))
        left.exit_date = today() - timedelta(days=5)
        left.status = ParticipationStatus.EXITED
        db.session.commit()
        paced_id = paced.id
    page = coach.post("/att-gora/lankar", data={"insats": str(paced_id)}).get_data(as_text=True)
    assert "Uppföljning 1" in page and "gv-old" in page
    assert "gv-gone" not in page  # left: no follow-up, and this insats asks nothing at EXIT
    with app.app_context():
        followups = db.session.scalars(
            sa.select(Occasion).where(Occasion.kind == OccasionKind.FOLLOWUP)
        ).all()
        assert [(o.participation.participant.code, o.number) for o in followups] == [("gv-old", 1)]
        assert len(followups[0].invitations) == 1
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_id == followups[0].id)
        ).all()
        assert "occasion_created" in actions
    paths = re.findall(r"http://localhost(/l/[A-Za-z0-9_-]+)", page)
    assert paths and all(app.test_client().get(p).status_code == 200 for p in paths)
    # Without an insats: every insats the coach works with, each named on the page.
    everything = coach.post("/att-gora/lankar", data={"insats": ""}).get_data(as_text=True)
    assert "gv-1" in everything and "Gröna vägen" in everything


def test_another_insats_cannot_be_named(app: Flask, coach: FlaskClient) -> None:
    with app.app_context():
        other = db.session.scalars(sa.select(Insats).where(Insats.name == "Annan")).one()
        other_id = other.id
    assert coach.post("/att-gora/lankar", data={"insats": str(other_id)}).status_code == 404
    assert coach.post("/att-gora/lankar", data={"insats": "x"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 1
