"""Exit in one step: date and exit form, then the EXIT questionnaires at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.clock import today
from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Occasion,
    OccasionKind,
    Participation,
    ParticipationStatus,
    Response,
    ResponseMode,
    ResponseStatus,
    RoleKind,
)
from tests import factories
from tests.conftest import login

COACH = "coach@example.org"


@pytest.fixture
def participation_id(app: Flask) -> int:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(
            owner,
            "Gröna vägen",
            start=["sjalvskattning"],
            exit=["sjalvskattning", "nojdhet", "utskrivning"],
        )
        factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
        found = factories.participation(insats, "GV-1", start=today() - timedelta(days=200))
        db.session.commit()
        return found.id


@pytest.fixture
def coach(client: FlaskClient, participation_id: int) -> FlaskClient:
    login(client, COACH, factories.PASSWORD)
    return client


FORM = {
    "item_exit_reason": "arbete",
    "item_income": "lon",
    "item_occupation": "forvarvsarbete",
}


def test_ending_records_the_exit_and_offers_the_exit_questionnaires(
    app: Flask, coach: FlaskClient, participation_id: int
) -> None:
    path = f"/deltagande/{participation_id}/avsluta"
    page = coach.get(path).get_data(as_text=True)
    assert "Avslutsorsak" in page and "Huvudsaklig försörjning vid avslut" in page
    ended_on = today() - timedelta(days=1)
    done = coach.post(path, data={"exit_date": ended_on.isoformat(), **FORM})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/deltagande/{participation_id}"
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None
        assert (found.exit_date, found.status) == (ended_on, ParticipationStatus.EXITED)
        exit_occasion = db.session.scalars(
            sa.select(Occasion).where(
                Occasion.participation_id == participation_id, Occasion.kind == OccasionKind.EXIT
            )
        ).one()
        register = db.session.scalars(
            sa.select(Response).where(
                Response.occasion_id == exit_occasion.id,
                Response.questionnaire_id == "utskrivning",
            )
        ).one()
        assert (register.status, register.mode) == (ResponseStatus.SUBMITTED, ResponseMode.STAFF)
        assert {a.item_id: a.value for a in register.answers} == {
            "exit_reason": "arbete",
            "income": "lon",
            "occupation": "forvarvsarbete",
        }
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "participation_ended"
                )
            )
            == 1
        )
    after = coach.get(f"/deltagande/{participation_id}").get_data(as_text=True)
    assert "Deltagandet är avslutat" in after
    assert "Starta på surfplatta" in after and "Skapa personlig länk" in after
    assert "Avsluta deltagandet" not in after
    again = coach.post(path, data={"exit_date": ended_on.isoformat(), **FORM})
    assert "Deltagandet är redan avslutat." in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"exit_date": (today() + timedelta(days=1)).isoformat(), **FORM}, "senare än i dag"),
        ({"exit_date": (today() - timedelta(days=400)).isoformat(), **FORM}, "före startdatum"),
        ({"exit_date": today().isoformat(), **FORM, "item_exit_reason": ""}, "Välj ett svar."),
        ({**FORM}, "Ange slutdatum."),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(
    app: Flask, coach: FlaskClient, participation_id: int, data: dict[str, str], message: str
) -> None:
    refused = coach.post(f"/deltagande/{participation_id}/avsluta", data=data)
    assert refused.status_code == 200
    assert message in refused.get_data(as_text=True)
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None and found.exit_date is None
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0
        assert len(found.occasions) == 1
