"""Data protection: retention (`flask purge-expired`), extract and erasure of a participation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import (
    Answer,
    AuditEvent,
    FollowUpFlag,
    Gender,
    Invitation,
    Occasion,
    OccasionKind,
    Participant,
    Participation,
    ParticipationStatus,
    Remittent,
    Response,
    ResponseMode,
    ResponseStatus,
    RoleKind,
)
from survey_app.privacy.retention import cutoff
from survey_app.staff.services import NewParticipant, register_participant
from tests import factories
from tests.conftest import login

ADMIN = "chef@example.org"
COACH = "coach@example.org"


def test_cutoff_counts_calendar_months_back() -> None:
    assert cutoff(60, date(2026, 11, 23)) == date(2021, 11, 23)
    assert cutoff(6, date(2026, 8, 31)) == date(2026, 2, 28)  # no 31 February
    assert cutoff(12, date(2024, 2, 29)) == date(2023, 2, 28)
    assert cutoff(13, date(2026, 1, 15)) == date(2024, 12, 15)


def _with_data(participation: Participation, exit_on: date | None) -> None:
    """A START response with two answers, a used link and a follow-up flag; ended on exit_on."""
    start = participation.occasions[0]
    response = Response(
        occasion=start,
        questionnaire_id="valdsenkat",
        questionnaire_version="1",
        content_hash="0" * 64,
        status=ResponseStatus.SUBMITTED,
        mode=ResponseMode.LINK,
        submitted_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    response.answers = [
        Answer(item_id="physical", value="ja"),
        Answer(item_id="afraid", value="nej"),
    ]
    db.session.add(response)
    db.session.add(
        Invitation(
            occasion=start,
            token_hash=f"{participation.id:064d}",
            expires_at=datetime(2024, 2, 1, tzinfo=UTC),
            used_at=datetime(2024, 1, 1, tzinfo=UTC),
        )
    )
    db.session.flush()
    db.session.add(
        FollowUpFlag(
            participation_id=participation.id,
            occasion_id=start.id,
            questionnaire_id="valdsenkat",
            reason="ja i våldsenkäten",
        )
    )
    if exit_on is not None:
        participation.exit_date = exit_on
        participation.status = ParticipationStatus.EXITED
        db.session.add(
            Occasion(participation=participation, kind=OccasionKind.EXIT, due_date=exit_on)
        )
    db.session.flush()


@pytest.fixture
def data(app: Flask) -> dict[str, int]:
    """Skaraborg keeps 12 months. OLD-1 ended 2 years ago (and is also in a second insats,
    still active); OLD-2 ended 13 months ago; NEW ended last month; ACTIVE has not ended.
    Annat (60 months) has a participation that ended 2 years ago."""
    today = date.today()
    with app.app_context():
        own = factories.forbund("Skaraborg")
        own.retention_months = 12
        first = factories.insats(own, "Gröna vägen")
        second = factories.insats(own, "Hälsoskolan")
        factories.user(own, RoleKind.ADMIN, email=ADMIN)
        factories.user(own, RoleKind.STAFF, [first], email=COACH)
        ids = {}
        for code, ended in [
            ("OLD-1", today - timedelta(days=730)),
            ("OLD-2", today - timedelta(days=400)),
            ("NEW", today - timedelta(days=30)),
            ("ACTIVE", None),
        ]:
            p = factories.participation(first, code, start=today - timedelta(days=900))
            _with_data(p, ended)
            ids[code] = p.id
        again = register_participant(
            second,
            NewParticipant(
                code="OLD-1",
                gender=Gender.WOMAN,
                birth_year=1985,
                remittent=Remittent.FK,
                start_date=today - timedelta(days=100),
                existing_participant=True,
            ),
        )
        ids["OLD-1 again"] = again.id
        other = factories.forbund("Annat")
        elsewhere = factories.insats(other, "Annan insats")
        p = factories.participation(elsewhere, "OLD-X", start=today - timedelta(days=900))
        _with_data(p, today - timedelta(days=730))
        ids["other"] = p.id
        db.session.commit()
        return ids


def _count(model: object) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_purge_is_a_dry_run_unless_told_to_execute(app: Flask, data: dict[str, int]) -> None:
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge-expired"])
    assert dry.exit_code == 0, dry.output
    assert "Skaraborg: 2 deltaganden" in dry.output and "Gröna vägen: 2" in dry.output
    assert "Annat: 0 deltaganden" in dry.output
    assert "Provkörning: ingenting raderat" in dry.output
    assert "OLD-" not in dry.output  # counts only, no codes
    with app.app_context():
        assert _count(Participation) == 6 and _count(Answer) == 10

    done = runner.invoke(args=["purge-expired", "--execute"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        left = set(db.session.scalars(sa.select(Participation.id)))
        assert left == {data["NEW"], data["ACTIVE"], data["OLD-1 again"], data["other"]}
        # Three participations with data remain (NEW, ACTIVE, other): 2 answers, 1 response,
        # 1 link and 1 flag each.
        assert _count(Answer) == 6 and _count(Response) == 3
        assert _count(Invitation) == 3 and _count(FollowUpFlag) == 3
        codes = set(db.session.scalars(sa.select(Participant.code)))
        assert codes == {"OLD-1", "NEW", "ACTIVE", "OLD-X"}  # OLD-1 still takes part elsewhere
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "retention_purged")
        ).one()
        assert event.details["deltaganden"] == 2 and event.details["svar"] == 4
    again = runner.invoke(args=["purge-expired", "--execute"])
    assert "Skaraborg: 0 deltaganden" in again.output


@pytest.fixture
def admin(client: FlaskClient, data: dict[str, int]) -> FlaskClient:
    login(client, ADMIN, factories.PASSWORD)
    return client


def test_an_admin_downloads_everything_stored_about_a_participation(
    app: Flask, admin: FlaskClient, data: dict[str, int]
) -> None:
    response = admin.get(f"/admin/deltagande/{data['NEW']}/registerutdrag")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    extract = json.loads(response.get_data(as_text=True))
    assert extract["deltagare"]["kod"] == "NEW"
    assert extract["deltagande"]["insats"] == "Gröna vägen"
    assert extract["deltagande"]["språk"] == "sv"  # the language the pages open in
    start = extract["mättillfällen"][0]
    assert start["formulär"][0]["svar"] == {"physical": "ja", "afraid": "nej"}
    assert start["personliga länkar"][0]["använd"] is not None
    assert "token_hash" not in response.get_data(as_text=True)
    assert len(extract["uppföljningar av våldsfrågor"]) == 1
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(AuditEvent.object_id).where(
                    AuditEvent.action == "participation_extracted"
                )
            )
            == data["NEW"]
        )
    # Another förbund's participation does not exist for this admin.
    assert admin.get(f"/admin/deltagande/{data['other']}/registerutdrag").status_code == 404


def test_staff_cannot_extract_or_erase(client: FlaskClient, data: dict[str, int]) -> None:
    login(client, COACH, factories.PASSWORD)
    assert client.get(f"/admin/deltagande/{data['NEW']}/registerutdrag").status_code == 404
    assert (
        client.post(f"/admin/deltagande/{data['NEW']}/radera", data={"code": "NEW"}).status_code
        == 404
    )


def test_erasure_needs_the_code_and_then_removes_everything(
    app: Flask, admin: FlaskClient, data: dict[str, int]
) -> None:
    path = f"/admin/deltagande/{data['ACTIVE']}/radera"
    wrong = admin.post(path, data={"code": "NEW"})
    assert "Koden stämmer inte med deltagarens kod." in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Participation, data["ACTIVE"]) is not None
    done = admin.post(path, data={"code": "active"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Participation, data["ACTIVE"]) is None
        assert "ACTIVE" not in set(db.session.scalars(sa.select(Participant.code)))
        assert _count(Answer) == 8  # the other four participations' answers stay
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "participation_erased")
        ).one()
        assert event.object_id == data["ACTIVE"] and event.details["svar"] == 2
