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
    done = coach.post(path, data={"exit_date": ended_on.isoformat(), **FORM, "bekraftat": "ja"})
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
    again = coach.post(path, data={"exit_date": ended_on.isoformat(), **FORM, "bekraftat": "ja"})
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
    refused = coach.post(
        f"/deltagande/{participation_id}/avsluta", data={**data, "bekraftat": "ja"}
    )
    assert refused.status_code == 200
    assert message in refused.get_data(as_text=True)
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None and found.exit_date is None
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0
        assert len(found.occasions) == 1


def _state(app: Flask, participation_id: int) -> tuple[object, object, int, int]:
    """(status, exit date, occasions, responses) of the participation."""
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None
        return (
            found.status,
            found.exit_date,
            len(found.occasions),
            db.session.scalar(sa.select(sa.func.count(Response.id))) or 0,
        )


def test_the_end_is_confirmed_on_a_page_of_its_own_first(
    app: Flask, coach: FlaskClient, participation_id: int
) -> None:
    path = f"/deltagande/{participation_id}/avsluta"
    ended_on = (today() - timedelta(days=2)).isoformat()
    shown = coach.post(path, data={"exit_date": ended_on, **FORM})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Avsluta deltagandet för GV-1?" in page
    assert ended_on in page and "Arbete" in page  # the date and the exit reason, in words
    assert "ångra avslutet" in page and "14 dagar" in page
    assert 'name="bekraftat" value="ja"' in page
    assert _state(app, participation_id) == (ParticipationStatus.ACTIVE, None, 1, 0)
    # "Ändra uppgifterna": the form again with what was typed, still nothing stored.
    back = coach.post(path, data={"exit_date": ended_on, **FORM, "bekraftat": "ja", "andra": "1"})
    form = back.get_data(as_text=True)
    assert "Avsluta deltagandet för" not in form and f'value="{ended_on}"' in form
    assert _state(app, participation_id) == (ParticipationStatus.ACTIVE, None, 1, 0)


def _end(coach: FlaskClient, participation_id: int) -> None:
    ended = coach.post(
        f"/deltagande/{participation_id}/avsluta",
        data={"exit_date": today().isoformat(), **FORM, "bekraftat": "ja"},
    )
    assert ended.status_code == 302


def test_an_end_is_undone_and_the_participation_goes_on(
    app: Flask, coach: FlaskClient, participation_id: int
) -> None:
    _end(coach, participation_id)
    assert _state(app, participation_id) == (ParticipationStatus.EXITED, today(), 2, 1)
    page = coach.get(f"/deltagande/{participation_id}").get_data(as_text=True)
    assert "Ångra avslutet" in page
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None
        exit_occasion = next(o for o in found.occasions if o.kind == OccasionKind.EXIT)
        exit_id = exit_occasion.id
    link = coach.post(f"/deltagande/{participation_id}/tillfalle/{exit_id}/lank")
    token = link.get_data(as_text=True).split("/l/", 1)[1].split('"', 1)[0]

    question = coach.get(f"/deltagande/{participation_id}/angra-avslut").get_data(as_text=True)
    assert "Ångra avslutet för GV-1?" in question
    assert _state(app, participation_id)[0] == ParticipationStatus.EXITED  # a GET changes nothing
    undone = coach.post(f"/deltagande/{participation_id}/angra-avslut", follow_redirects=True)
    assert "Avslutet är ångrat." in undone.get_data(as_text=True)
    assert _state(app, participation_id) == (ParticipationStatus.ACTIVE, None, 1, 0)
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None and found.ended_at is None
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.object_type == "participation", AuditEvent.object_id == participation_id
            )
        ).all()
        assert "participation_ended" in actions and "participation_end_undone" in actions
    assert app.test_client().get(f"/l/{token}").status_code == 404  # the EXIT link is gone
    history = undone.get_data(as_text=True).split("Historik", 1)[1]
    assert f"avslutat av {COACH}" in history and f"ångrat av {COACH}" in history
    assert "Avsluta deltagandet" in undone.get_data(as_text=True)  # it can be ended again
    _end(coach, participation_id)
    assert _state(app, participation_id)[0] == ParticipationStatus.EXITED


def test_no_undo_after_the_set_number_of_days(
    app: Flask, coach: FlaskClient, participation_id: int
) -> None:
    from survey_app.staff.services import END_UNDO_DAYS

    _end(coach, participation_id)
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None and found.ended_at is not None
        found.ended_at -= timedelta(days=END_UNDO_DAYS, minutes=1)
        db.session.commit()
    assert "Ångra avslutet" not in coach.get(f"/deltagande/{participation_id}").get_data(
        as_text=True
    )
    refused = coach.post(f"/deltagande/{participation_id}/angra-avslut", follow_redirects=True)
    assert f"inom {END_UNDO_DAYS} dagar" in refused.get_data(as_text=True)
    assert _state(app, participation_id)[0] == ParticipationStatus.EXITED


def test_no_undo_once_the_participant_began_the_exit_questionnaires(
    app: Flask, coach: FlaskClient, participation_id: int
) -> None:
    _end(coach, participation_id)
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None
        exit_id = next(o.id for o in found.occasions if o.kind == OccasionKind.EXIT)
    link = coach.post(f"/deltagande/{participation_id}/tillfalle/{exit_id}/lank")
    token = link.get_data(as_text=True).split("/l/", 1)[1].split('"', 1)[0]
    participant = app.test_client()
    assert participant.get(f"/l/{token}").status_code == 200
    saved = participant.post(
        "/svar/sida/1",
        data={"item_general_health": "5", "item_mental_health": "6", "item_physical_health": "7"},
    )
    assert saved.status_code == 302
    refused = coach.post(f"/deltagande/{participation_id}/angra-avslut", follow_redirects=True)
    assert "redan börjat svara på avslutsenkäten" in refused.get_data(as_text=True)
    assert _state(app, participation_id)[0] == ParticipationStatus.EXITED


def test_an_end_in_another_insats_cannot_be_undone(app: Flask, participation_id: int) -> None:
    with app.app_context():
        owner = db.session.get(Participation, participation_id).insats.forbund  # type: ignore[union-attr]
        other = factories.insats(owner, "Annan insats")
        factories.user(owner, RoleKind.STAFF, [other], email="other@example.org")
        db.session.commit()
    first = app.test_client()
    login(first, COACH, factories.PASSWORD)
    _end(first, participation_id)
    stranger = app.test_client()
    login(stranger, "other@example.org", factories.PASSWORD)
    assert stranger.get(f"/deltagande/{participation_id}/angra-avslut").status_code == 404
    assert stranger.post(f"/deltagande/{participation_id}/angra-avslut").status_code == 404
    assert _state(app, participation_id)[0] == ParticipationStatus.EXITED


# A förbund's own exit form for staff (no shipped id): a single choice and a date on its first
# page. Only the single choice is asked on the end page; the date is filled in later.
OWN_EXIT_FORM = """id: avslut_egen
name: Eget avslut
version: "1"
respondent: staff
title:
  sv: Eget avslut
pages:
  - items:
      - id: vidare
        type: single_choice
        text: {sv: "Vad gör deltagaren efter insatsen?"}
        choices:
          - {value: jobb, label: {sv: "Jobbar"}}
          - {value: skola, label: {sv: "Studerar"}}
      - id: uppfoljt
        type: date
        required: false
        text: {sv: "Uppföljningssamtal"}
""".encode()


def _own_exit_insats(app: Flask, exit_bundle: list[str]) -> int:
    from survey_app.questionnaires import own

    with app.app_context():
        owner = factories.forbund("Sjuhärad")
        own.activate(owner, own.upload(owner, OWN_EXIT_FORM, "avslut.yaml", None), None)
        insats = factories.insats(owner, "Egen väg", start=["sjalvskattning"], exit=exit_bundle)
        factories.user(owner, RoleKind.STAFF, [insats], email="egen@example.org")
        found = factories.participation(insats, "EV-1", start=today() - timedelta(days=100))
        db.session.commit()
        return found.id


def test_the_exit_form_is_the_staff_form_of_the_exit_bundle_whatever_its_id(
    app: Flask, client: FlaskClient
) -> None:
    participation_id = _own_exit_insats(app, ["sjalvskattning", "avslut_egen"])
    login(client, "egen@example.org", factories.PASSWORD)
    path = f"/deltagande/{participation_id}/avsluta"
    page = client.get(path).get_data(as_text=True)
    assert "Vad gör deltagaren efter insatsen?" in page and "Jobbar" in page
    assert "Uppföljningssamtal" not in page, "only its single choices are asked on the end page"
    assert "Avslutsorsak" not in page
    ended_on = today() - timedelta(days=2)
    done = client.post(
        path, data={"exit_date": ended_on.isoformat(), "item_vidare": "skola", "bekraftat": "ja"}
    )
    assert done.status_code == 302
    with app.app_context():
        stored = db.session.scalars(
            sa.select(Response)
            .join(Occasion, Response.occasion_id == Occasion.id)
            .where(
                Occasion.participation_id == participation_id,
                Occasion.kind == OccasionKind.EXIT,
            )
        ).all()
        assert [(r.questionnaire_id, r.mode) for r in stored] == [
            ("avslut_egen", ResponseMode.STAFF)
        ]
        assert {a.item_id: a.value for a in stored[0].answers} == {"vidare": "skola"}


def test_without_a_staff_form_at_exit_the_end_page_asks_only_the_date(
    app: Flask, client: FlaskClient
) -> None:
    participation_id = _own_exit_insats(app, ["sjalvskattning"])
    login(client, "egen@example.org", factories.PASSWORD)
    path = f"/deltagande/{participation_id}/avsluta"
    page = client.get(path).get_data(as_text=True)
    assert "item_" not in page
    ended_on = today() - timedelta(days=2)
    done = client.post(path, data={"exit_date": ended_on.isoformat(), "bekraftat": "ja"})
    assert done.status_code == 302
    with app.app_context():
        found = db.session.get(Participation, participation_id)
        assert found is not None and found.exit_date == ended_on
        exit_occasion = next(o for o in found.occasions if o.kind == OccasionKind.EXIT)
        assert exit_occasion.responses == []
