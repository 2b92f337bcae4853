"""Follow-ups months after the exit (issue 14 point 2): set on the insats, listed in "Att
göra" when due, created by staff, answered through a link with the insats' "after" bundle."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.clock import today
from survey_app.extensions import db
from survey_app.followup.todo import add_months
from survey_app.models import (
    Insats,
    Occasion,
    OccasionKind,
    ParticipationStatus,
    Response,
    ResponseStatus,
    RoleKind,
)
from tests import factories
from tests.conftest import login
from tests.survey_helpers import PAGES

ADMIN = "admin@example.org"
COACH = "coach@example.org"

FORM = {
    "name": "Efterföljd",
    "start_date": "2026-01-01",
    "after_exit_months": "12, 6",
    "start_questionnaires": ["sjalvskattning"],
    "exit_questionnaires": ["sjalvskattning"],
    "after_questionnaires": ["sjalvskattning"],
}


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        factories.user(factories.forbund(), RoleKind.ADMIN, email=ADMIN)
        db.session.commit()
    login(client, ADMIN, factories.PASSWORD)
    return client


def test_admin_sets_follow_ups_after_the_exit(app: Flask, admin: FlaskClient) -> None:
    assert admin.post("/admin/insatser/ny", data=FORM).status_code == 302
    with app.app_context():
        insats = db.session.scalar(sa.select(Insats).where(Insats.name == "Efterföljd"))
        assert insats is not None
        assert insats.after_exit_months == [6, 12]
        assert insats.questionnaires_for("after") == ["sjalvskattning"]
        insats_id = insats.id
    form = admin.get(f"/admin/insatser/{insats_id}").get_data(as_text=True)
    assert re.search(r'name="after_exit_months"[^>]*value="6, 12"', form)
    assert "6, 12 mån" in admin.get("/admin/insatser").get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"after_exit_months": "0"}, "mellan 1 och 36"),
        ({"after_exit_months": "sex"}, "mellan 1 och 36"),
        ({"after_exit_months": "6", "after_questionnaires": []}, "uppföljningen efter avslut"),
    ],
)
def test_bad_months_after_the_exit_are_refused(
    app: Flask, admin: FlaskClient, overrides: dict[str, object], message: str
) -> None:
    page = admin.post("/admin/insatser/ny", data={**FORM, **overrides})
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Insats)) == 0


def test_a_follow_up_after_the_exit_is_listed_created_and_answered(app: Flask) -> None:
    exit_date = add_months(today(), -6) - timedelta(days=3)  # six months ago and three days
    with app.app_context():
        owner = factories.forbund()
        insats = factories.insats(
            owner, "Efter", start=["sjalvskattning"], after=["sjalvskattning"]
        )
        insats.after_exit_months = [6]
        factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
        left = factories.participation(insats, "ef-1", start=exit_date - timedelta(days=200))
        left.exit_date = exit_date
        left.status = ParticipationStatus.EXITED
        stays = factories.participation(insats, "ef-2", start=exit_date)
        db.session.commit()
        left_id, stays_id = left.id, stays.id
    staff = app.test_client()
    login(staff, COACH, factories.PASSWORD)

    todo = staff.get("/att-gora", query_string={"visa": "alla"}).get_data(as_text=True)
    assert "Uppföljning 6 mån efter avslut" in todo
    # Only the one who has left is due for it.
    assert todo.count("Uppföljning 6 mån efter avslut") == 1
    assert staff.post(f"/deltagande/{stays_id}/tillfalle/nytt/after/6").status_code == 302
    assert staff.post(f"/deltagande/{left_id}/tillfalle/nytt/after/6").status_code == 302
    with app.app_context():
        made = db.session.scalars(
            sa.select(Occasion).where(Occasion.kind == OccasionKind.AFTER)
        ).all()
        # The one still taking part got nothing; the one who left got it, due 6 months after.
        assert [(o.participation_id, o.number, o.due_date) for o in made] == [
            (left_id, 6, add_months(exit_date, 6))
        ]
        occasion_id = made[0].id

    page = staff.post(f"/deltagande/{left_id}/tillfalle/{occasion_id}/lank").get_data(as_text=True)
    link = re.search(r'id="link-url" type="text" readonly value="https?://[^/]+(/l/[^"]+)"', page)
    assert link
    participant = app.test_client()
    assert participant.get(link.group(1)).status_code in (200, 302)
    for number, data in enumerate(PAGES[:3], start=1):
        response = participant.post(f"/svar/sida/{number}", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[-500:]
    participant.post("/svar/skicka")
    with app.app_context():
        sent = db.session.scalars(
            sa.select(Response).where(Response.occasion_id == occasion_id)
        ).all()
        assert [(r.questionnaire_id, r.status) for r in sent] == [
            ("sjalvskattning", ResponseStatus.SUBMITTED)
        ]
    todo = staff.get("/att-gora", query_string={"visa": "klara"}).get_data(as_text=True)
    assert "Uppföljning 6 mån efter avslut" in todo
