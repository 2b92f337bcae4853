"""Registering participants as insats staff, and the list of their occasions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.clock import today
from survey_app.extensions import db
from survey_app.models import (
    Occasion,
    OccasionKind,
    Participant,
    Participation,
    Response,
    ResponseMode,
    ResponseStatus,
    RoleKind,
)
from survey_app.models._types import utcnow
from tests import factories
from tests.conftest import login

STAFF = "coach@example.org"


@pytest.fixture
def insats_ids(app: Flask) -> tuple[int, int]:
    """Two insatser of one förbund; the logged-in coach works in both."""
    with app.app_context():
        owner = factories.forbund()
        first, second = factories.insats(owner, "Gröna vägen"), factories.insats(owner, "IPS")
        factories.user(owner, RoleKind.STAFF, [first, second], email=STAFF)
        db.session.commit()
        return first.id, second.id


@pytest.fixture
def coach(client: FlaskClient, insats_ids: tuple[int, int]) -> FlaskClient:
    login(client, STAFF, factories.PASSWORD)
    return client


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "code": "gv-0001",
        "gender": "kvinna",
        "birth_year": "1988",
        "remittent": "af",
        "start_date": "2026-01-12",
    }
    data.update(overrides)
    return data


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_registering_creates_participant_participation_and_start_occasion(
    app: Flask, coach: FlaskClient, insats_ids: tuple[int, int]
) -> None:
    first, _ = insats_ids
    response = coach.post(f"/insatser/{first}/deltagare/ny", data=_form())
    assert response.status_code == 302
    with app.app_context():
        participation = db.session.scalars(sa.select(Participation)).one()
        assert participation.participant.code == "GV-0001"  # codes are stored upper-case
        assert participation.participant.birth_year == 1988
        assert participation.insats_id == first
        assert participation.start_date == date(2026, 1, 12)
        [occasion] = participation.occasions
        assert occasion.kind == OccasionKind.START
        assert occasion.due_date == date(2026, 1, 12)
    page = coach.get(f"/insatser/{first}").get_data(as_text=True)
    assert "GV-0001" in page
    assert "är registrerad" in page


def test_duplicate_code_is_refused_and_nothing_is_saved(
    app: Flask, coach: FlaskClient, insats_ids: tuple[int, int]
) -> None:
    first, second = insats_ids
    coach.post(f"/insatser/{first}/deltagare/ny", data=_form())
    response = coach.post(f"/insatser/{second}/deltagare/ny", data=_form(code="GV-0001"))
    assert response.status_code == 200
    assert "Koden kan inte användas." in response.get_data(as_text=True)
    assert _count(app, Participant) == 1
    assert _count(app, Participation) == 1
    assert _count(app, Occasion) == 1


def test_same_person_can_start_a_second_insats(
    app: Flask, coach: FlaskClient, insats_ids: tuple[int, int]
) -> None:
    first, second = insats_ids
    coach.post(f"/insatser/{first}/deltagare/ny", data=_form())
    response = coach.post(f"/insatser/{second}/deltagare/ny", data=_form(existing_participant="y"))
    assert response.status_code == 302
    assert _count(app, Participant) == 1
    assert _count(app, Participation) == 2
    again = coach.post(f"/insatser/{second}/deltagare/ny", data=_form(existing_participant="y"))
    assert "redan aktiv i den här insatsen" in again.get_data(as_text=True)
    assert _count(app, Participation) == 2


def test_claiming_an_existing_person_needs_an_existing_code(
    app: Flask, coach: FlaskClient, insats_ids: tuple[int, int]
) -> None:
    response = coach.post(
        f"/insatser/{insats_ids[0]}/deltagare/ny", data=_form(existing_participant="y")
    )
    assert "Koden kan inte användas." in response.get_data(as_text=True)
    assert _count(app, Participant) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": ""}, "Fyll i en deltagarkod."),
        ({"code": "850101-1234"}, "ser ut som ett personnummer"),
        ({"code": "198501011234"}, "ser ut som ett personnummer"),
        ({"code": "A B"}, "får bara innehålla"),
        ({"gender": ""}, "Välj kön"),
        ({"gender": "robot"}, "Inte ett giltigt val"),
        ({"remittent": ""}, "Välj vem som remitterade"),
        ({"start_date": ""}, "Ange startdatum"),
        ({"start_date": "12/1/2026"}, "Inte ett giltigt datum"),
        ({"birth_year": "85"}, "fyra siffror"),
        ({"birth_year": str(today().year + 1)}, "framtiden"),
    ],
)
def test_bad_input_gets_a_message_and_nothing_is_saved(
    app: Flask,
    coach: FlaskClient,
    insats_ids: tuple[int, int],
    overrides: dict[str, str],
    message: str,
) -> None:
    response = coach.post(f"/insatser/{insats_ids[0]}/deltagare/ny", data=_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(app, Participation) == 0


def test_list_shows_each_occasions_status(
    app: Flask, coach: FlaskClient, insats_ids: tuple[int, int]
) -> None:
    first, _ = insats_ids
    with app.app_context():
        from survey_app.models import Insats

        insats = db.session.get(Insats, first)
        assert insats is not None
        late = factories.participation(insats, "LATE", start=today() - timedelta(days=30))
        done = factories.participation(insats, "DONE", start=today() - timedelta(days=30))
        factories.participation(insats, "FRESH", start=today())
        db.session.add(
            Response(
                occasion=done.occasions[0],
                questionnaire_id="sjalvskattning",
                questionnaire_version="1",
                content_hash="0" * 64,
                status=ResponseStatus.SUBMITTED,
                mode=ResponseMode.KIOSK,
                submitted_at=utcnow(),
            )
        )
        db.session.commit()
        assert late.id
    page = coach.get(f"/insatser/{first}").get_data(as_text=True)
    rows = {code: page.split(code, 1)[1].split("</tr>", 1)[0] for code in ("LATE", "DONE", "FRESH")}
    assert "Försenad" in rows["LATE"]
    assert "Inskickad" in rows["DONE"]
    assert "Ej påbörjad" in rows["FRESH"]


def test_linking_needs_matching_gender_and_birth_year(
    app: Flask, coach: FlaskClient, insats_ids: tuple[int, int]
) -> None:
    """Staff cannot attach somebody else's participant by guessing a code: a mismatch gets the
    same answer as an unknown code, and nothing is linked."""
    first, second = insats_ids
    coach.post(f"/insatser/{first}/deltagare/ny", data=_form())
    wrong = coach.post(
        f"/insatser/{second}/deltagare/ny",
        data=_form(existing_participant="y", gender="man"),
    ).get_data(as_text=True)
    unknown = coach.post(
        f"/insatser/{second}/deltagare/ny",
        data=_form(code="NOBODY-1", existing_participant="y"),
    ).get_data(as_text=True)
    message = "Koden kan inte användas."
    assert message in wrong and message in unknown
    assert _count(app, Participation) == 1


def test_participation_page_names_each_questionnaires_state_and_offers_paper_only_for_open_ones(
    app: Flask, coach: FlaskClient, insats_ids: tuple[int, int]
) -> None:
    """The state is kept as a code and worded on the page: a sent questionnaire reads
    "Inskickad" and has no paper version to hand out; a begun one "Påbörjad", an untouched one
    "Ej påbörjad", both with the paper version."""
    first, _ = insats_ids
    with app.app_context():
        from survey_app.models import Insats

        insats = db.session.get(Insats, first)
        assert insats is not None
        insats.bundles = {"start": ["sjalvskattning", "valdsenkat", "nojdhet"]}
        found = factories.participation(insats, "STATES", start=today())
        for questionnaire_id, status in (
            ("sjalvskattning", ResponseStatus.SUBMITTED),
            ("valdsenkat", ResponseStatus.IN_PROGRESS),
        ):
            db.session.add(
                Response(
                    occasion=found.occasions[0],
                    questionnaire_id=questionnaire_id,
                    questionnaire_version="1",
                    content_hash="0" * 64,
                    status=status,
                    mode=ResponseMode.KIOSK,
                    submitted_at=utcnow() if status == ResponseStatus.SUBMITTED else None,
                )
            )
        db.session.commit()
        participation_id = found.id
    page = coach.get(f"/deltagande/{participation_id}").get_data(as_text=True)
    items = {
        title: page.split(f"<li>{title}", 1)[1].split("</li>", 1)[0]
        for title in ("Självskattning", "Våldsenkät", "Nöjdhet")
    }
    assert "<strong>Inskickad</strong>" in items["Självskattning"]
    assert "pappersversion" not in items["Självskattning"]
    assert "<strong>Påbörjad</strong>" in items["Våldsenkät"]
    assert "pappersversion" in items["Våldsenkät"]
    assert "<strong>Ej påbörjad</strong>" in items["Nöjdhet"]
    assert "pappersversion" in items["Nöjdhet"]
