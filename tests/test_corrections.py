"""Staff correct a registration with a reason, and find participants by code."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Gender,
    Occasion,
    OccasionKind,
    Participant,
    Participation,
    ParticipationStatus,
    RegistrationCorrection,
    Remittent,
    RoleKind,
)
from survey_app.privacy import retention
from tests import factories
from tests.conftest import login

COACH_A = "coach-a@example.org"
COACH_B = "coach-b@example.org"
ADMIN = "chef@example.org"
ANALYST = "analys@example.org"


@dataclass
class World:
    a1: int  # GV-0001 in insats A (coach A's)
    b1: int  # GV-0002 in insats B (coach B's)
    both_a: int  # GV-0003 in A, who also takes part in B
    both_b: int
    foreign: int  # GV-0009 in another förbund


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        a = factories.insats(owner, "Gröna vägen")
        b = factories.insats(owner, "Hälsoskolan")
        factories.user(owner, RoleKind.STAFF, [a], email=COACH_A)
        factories.user(owner, RoleKind.STAFF, [b], email=COACH_B)
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        factories.user(owner, RoleKind.ANALYST, email=ANALYST)
        a1 = factories.participation(a, "GV-0001", start=date(2026, 2, 2))
        b1 = factories.participation(b, "GV-0002")
        both_a = factories.participation(a, "GV-0003")
        both_b = Participation(
            participant=both_a.participant,
            insats=b,
            remittent=Remittent.AF,
            start_date=date(2025, 5, 1),
        )
        db.session.add(both_b)
        other = factories.forbund("Annat")
        foreign = factories.participation(factories.insats(other, "Främmande"), "GV-0009")
        db.session.commit()
        return World(a1.id, b1.id, both_a.id, both_b.id, foreign.id)


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email, factories.PASSWORD)
    return client


FORM = {
    "gender": "kvinna",
    "birth_year": "1979",
    "remittent": "fk",
    "start_date": "2026-02-02",
    "reason": "Fel födelseår vid registreringen, enligt deltagaren.",
}


def test_a_corrected_birth_year_shows_with_its_reason_in_the_history(
    app: Flask, world: World
) -> None:
    coach = _client(app, COACH_A)
    page = coach.get(f"/deltagande/{world.a1}/ratta").get_data(as_text=True)
    assert 'value="1985"' in page  # the form starts from what is registered

    response = coach.post(f"/deltagande/{world.a1}/ratta", data=FORM)
    assert response.status_code == 302

    page = coach.get(f"/deltagande/{world.a1}").get_data(as_text=True)
    assert "<dt>Födelseår</dt><dd>1979</dd>" in page
    assert "Födelseår 1985 → 1979" in page
    assert "Orsak: Fel födelseår vid registreringen, enligt deltagaren." in page
    assert f"rättat av {COACH_A}" in page
    with app.app_context():
        participant = db.session.scalars(
            sa.select(Participant).where(Participant.code == "GV-0001")
        ).one()
        assert participant.birth_year == 1979
        correction = db.session.scalars(sa.select(RegistrationCorrection)).one()
        assert correction.changes == {"birth_year": [1985, 1979]}
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "participation_corrected")
        ).one()
        assert event.object_id == world.a1
        # The log names the field; the values and the reason are erased with the participation.
        assert event.details == {"fields": ["birth_year"]}


def test_a_correction_needs_a_reason(app: Flask, world: World) -> None:
    coach = _client(app, COACH_A)
    response = coach.post(f"/deltagande/{world.a1}/ratta", data={**FORM, "reason": "  "})
    assert response.status_code == 200
    assert "Skriv varför uppgifterna rättas." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Participation, world.a1).participant.birth_year == 1985  # type: ignore[union-attr]
        assert db.session.scalar(sa.select(sa.func.count(RegistrationCorrection.id))) == 0
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "participation_corrected"
                )
            )
            == 0
        )


def test_a_form_without_changes_is_refused(app: Flask, world: World) -> None:
    coach = _client(app, COACH_A)
    response = coach.post(f"/deltagande/{world.a1}/ratta", data={**FORM, "birth_year": "1985"})
    assert "Inga uppgifter är ändrade." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(RegistrationCorrection.id))) == 0


def test_a_corrected_start_date_moves_the_start_occasion(app: Flask, world: World) -> None:
    coach = _client(app, COACH_A)
    data = {**FORM, "birth_year": "1985", "start_date": "2026-01-15", "remittent": "kommun"}
    coach.post(f"/deltagande/{world.a1}/ratta", data=data)
    with app.app_context():
        participation = db.session.get(Participation, world.a1)
        assert participation is not None
        assert participation.start_date == date(2026, 1, 15)
        assert participation.remittent == Remittent.MUNICIPALITY
        start = db.session.scalars(
            sa.select(Occasion).where(
                Occasion.participation_id == world.a1, Occasion.kind == OccasionKind.START
            )
        ).one()
        assert start.due_date == date(2026, 1, 15)
        correction = db.session.scalars(sa.select(RegistrationCorrection)).one()
        assert correction.changes == {
            "remittent": ["fk", "kommun"],
            "start_date": ["2026-02-02", "2026-01-15"],
        }


def test_a_start_date_after_the_exit_is_refused(app: Flask, world: World) -> None:
    with app.app_context():
        participation = db.session.get(Participation, world.a1)
        assert participation is not None
        participation.exit_date = date(2026, 3, 1)
        participation.status = ParticipationStatus.EXITED
        db.session.commit()
    coach = _client(app, COACH_A)
    data = {**FORM, "birth_year": "1985", "start_date": "2026-04-01"}
    response = coach.post(f"/deltagande/{world.a1}/ratta", data=data)
    assert "Startdatumet kan inte ligga efter avslutsdatumet." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Participation, world.a1).start_date == date(2026, 2, 2)  # type: ignore[union-attr]


def test_gender_is_corrected_for_the_person_in_every_insats(app: Flask, world: World) -> None:
    coach = _client(app, COACH_A)
    page = coach.get(f"/deltagande/{world.both_a}/ratta").get_data(as_text=True)
    assert "ändras därför också i personens andra insats" in page
    data = {**FORM, "gender": "man", "birth_year": "1985", "start_date": "2025-03-01"}
    assert coach.post(f"/deltagande/{world.both_a}/ratta", data=data).status_code == 302
    with app.app_context():
        other = db.session.get(Participation, world.both_b)
        assert other is not None and other.participant.gender == Gender.MAN
        assert other.remittent == Remittent.AF  # the other insats' own data is untouched


@pytest.mark.parametrize("who", [COACH_B, ANALYST])
def test_nobody_corrects_a_participation_outside_their_insatser(
    app: Flask, world: World, who: str
) -> None:
    client = _client(app, who)
    for participation_id in (world.a1, world.foreign):
        path = f"/deltagande/{participation_id}/ratta"
        assert client.get(path).status_code == 404
        assert client.post(path, data=FORM).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(RegistrationCorrection.id))) == 0


def test_an_admin_corrects_in_any_insats_of_the_own_forbund_only(app: Flask, world: World) -> None:
    admin = _client(app, ADMIN)
    data = {**FORM, "start_date": "2025-03-01"}
    assert admin.post(f"/deltagande/{world.b1}/ratta", data=data).status_code == 302
    assert admin.post(f"/deltagande/{world.foreign}/ratta", data=data).status_code == 404


def test_corrections_are_in_the_extract_and_go_with_the_erasure(app: Flask, world: World) -> None:
    _client(app, COACH_A).post(f"/deltagande/{world.a1}/ratta", data=FORM)
    with app.app_context():
        participation = db.session.get(Participation, world.a1)
        assert participation is not None
        extract = retention.extract(participation)
        [entry] = extract["rättelser av registreringen"]
        assert entry["ändringar"] == {"birth_year": {"före": 1985, "efter": 1979}}
        assert entry["orsak"] == FORM["reason"]
        counts = retention.erase([world.a1])
        db.session.commit()
        assert counts["rättelser"] == 1
        assert db.session.scalar(sa.select(sa.func.count(RegistrationCorrection.id))) == 0


def test_the_participant_level_export_shows_the_corrected_values(app: Flask, world: World) -> None:
    admin = _client(app, ADMIN)
    data = {**FORM, "gender": "man"}
    assert admin.post(f"/deltagande/{world.a1}/ratta", data=data).status_code == 302
    response = admin.post("/rapporter/deltagarniva", data={})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Deltagare"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    [row] = [
        found
        for found in (dict(zip(header, r, strict=True)) for r in rows)
        if found["Deltagarkod"] == "GV-0001"
    ]
    assert row["Födelseår"] == 1979 and row["Kön"] == "Man"


# --- search by code ---------------------------------------------------------------------------

NOT_FOUND = "Ingen deltagare med koden"


# The sign-out form's CSRF token: signed with the time, so two pages a second apart differ.
_CSRF_TOKEN = re.compile(r'(name="csrf_token" value=")[^"]+(")')


def _search(client: FlaskClient, code: str) -> str:
    """The search page for `code`, its CSRF token replaced (see _CSRF_TOKEN)."""
    response = client.get("/deltagare/sok", query_string={"kod": code})
    assert response.status_code == 200
    return _CSRF_TOKEN.sub(r"\1TOKEN\2", response.get_data(as_text=True))


def test_a_coach_finds_a_participant_of_the_own_insats_by_code(app: Flask, world: World) -> None:
    coach = _client(app, COACH_A)
    page = _search(coach, " gv-0001 ")
    assert f'href="/deltagande/{world.a1}"' in page and "Gröna vägen" in page
    page = _search(coach, "GV-000")  # the beginning of a code is enough
    assert f'href="/deltagande/{world.a1}"' in page
    assert f'href="/deltagande/{world.both_a}"' in page
    assert f'href="/deltagande/{world.both_b}"' not in page  # the same person in B: not coach A's
    assert "GV-0002" not in page and "GV-0009" not in page


def test_codes_outside_ones_insatser_look_like_codes_that_do_not_exist(
    app: Flask, world: World
) -> None:
    coach = _client(app, COACH_A)

    def answer(code: str) -> str:
        return _search(coach, code).replace(code, "KOD")

    nowhere = answer("GV-7777")
    assert NOT_FOUND in nowhere
    assert answer("GV-0002") == nowhere  # another insats of the förbund
    assert answer("GV-0009") == nowhere  # another förbund


def test_wildcards_in_the_search_are_plain_characters(app: Flask, world: World) -> None:
    coach = _client(app, COACH_A)
    assert NOT_FOUND in _search(coach, "%")
    assert NOT_FOUND in _search(coach, "GV_0001")


def test_an_admin_searches_every_insats_of_the_forbund_and_an_analyst_none(
    app: Flask, world: World
) -> None:
    admin = _client(app, ADMIN)
    page = _search(admin, "GV-0003")
    assert f'href="/deltagande/{world.both_a}"' in page
    assert f'href="/deltagande/{world.both_b}"' in page
    assert NOT_FOUND in _search(admin, "GV-0009")
    assert NOT_FOUND in _search(_client(app, ANALYST), "GV-0001")


def test_an_empty_search_asks_for_a_code(app: Flask, world: World) -> None:
    page = _search(_client(app, COACH_A), "")
    assert "Skriv en deltagarkod." in page
