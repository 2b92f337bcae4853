"""One action on "Att göra": a personal link for everyone due to answer now."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.clock import today
from survey_app.extensions import db
from survey_app.models import Invitation, RoleKind
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
    page = coach.post(f"/insatser/{insats_id}/att-gora/lankar").get_data(as_text=True)
    assert "2 nya länkar" in page
    assert "gv-1" in page and "gv-2" in page
    assert "gv-3" not in page and "gv-4" not in page and "gv-9" not in page
    paths = re.findall(r"http://localhost(/l/[A-Za-z0-9_-]+)", page)
    assert len(paths) == 2
    for path in paths:
        assert app.test_client().get(path).status_code == 200  # each works
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 3
    again = coach.post(f"/insatser/{insats_id}/att-gora/lankar").get_data(as_text=True)
    assert "Ingen behövde en ny länk" in again  # everyone due now has a working link
