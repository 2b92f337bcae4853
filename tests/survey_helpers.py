"""Shared set-up for tests of the respondent's way through a bundle."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import RoleKind
from tests import factories
from tests.conftest import login

COACH = "coach@example.org"
OTHER_COACH = "other@example.org"

# Valid answers for every page of the START bundle (självskattning: 3 pages, EQ-5D-3L: one
# question per page, 6 pages).
PAGES = [
    {"item_general_health": "5", "item_mental_health": "6", "item_physical_health": "7"},
    {
        "item_self_esteem": "4",
        "item_activity_level": "4",
        "item_everyday_life": "4",
        "item_motivation": "9",
    },
    {"item_hope": "8", "item_social_context": "3", "item_work_closeness": "2"},
    {"item_MO": "1"},
    {"item_SC": "1"},
    {"item_UA": "2"},
    {"item_PD": "2"},
    {"item_AD": "3"},
    {"item_VAS": "65"},
]


@dataclass(frozen=True)
class Setup:
    participation_id: int
    occasion_id: int
    other_participation_id: int


def make_setup(app: Flask) -> Setup:
    """Förbund with insats A (our coach) and insats B (another coach), one participant each."""
    with app.app_context():
        owner = factories.forbund()
        mine = factories.insats(owner, "A", start=["sjalvskattning", "eq5d-3l"])
        theirs = factories.insats(owner, "B", start=["sjalvskattning"])
        factories.user(owner, RoleKind.STAFF, [mine], email=COACH)
        factories.user(owner, RoleKind.STAFF, [theirs], email=OTHER_COACH)
        participation = factories.participation(mine, "A-1")
        other = factories.participation(theirs, "B-1")
        db.session.commit()
        return Setup(participation.id, participation.occasions[0].id, other.id)


def staff_client(app: Flask, email: str = COACH) -> FlaskClient:
    client = app.test_client()
    login(client, email, factories.PASSWORD)
    return client


def create_link(staff: FlaskClient, setup: Setup) -> str:
    """Create a personal link as staff and return its path (/l/<token>)."""
    page = staff.post(
        f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/lank"
    ).get_data(as_text=True)
    match = re.search(r'id="link-url" type="text" readonly value="https?://[^/]+(/l/[^"]+)"', page)
    assert match, "the staff page shows the new link"
    return match.group(1)


def answer_all(participant: FlaskClient) -> None:
    for number, data in enumerate(PAGES, start=1):
        response = participant.post(f"/svar/sida/{number}", data=data)
        assert response.status_code == 302, (number, response.get_data(as_text=True)[-800:])
