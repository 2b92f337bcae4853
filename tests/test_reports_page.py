"""The report page for förbund admins and analysts."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import AuditEvent, Insats, RoleKind
from tests import factories
from tests.conftest import login


@pytest.fixture
def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        owner, other = factories.forbund("Skaraborg"), factories.forbund("Annat")
        mine = factories.insats(owner, "Hälsoskolan")
        foreign = factories.insats(other, "Främmande")
        factories.user(owner, RoleKind.ANALYST, email="analys@example.org")
        factories.user(owner, RoleKind.STAFF, [mine], email="coach@example.org")
        for n in range(6):
            factories.participation(mine, f"HS-{n}")
        factories.participation(foreign, "FR-1")
        db.session.commit()
        return {"mine": mine.id, "foreign": foreign.id}


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email, factories.PASSWORD)
    return client


def test_analyst_downloads_the_workbook(app: Flask, ids: dict[str, int]) -> None:
    analyst = _client(app, "analys@example.org")
    assert "Rapport till Excel" in analyst.get("/rapporter").get_data(as_text=True)
    response = analyst.post("/rapporter", data={"period_by": "start"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=uppfoljning-")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    overview = list(book["Översikt"].iter_rows(min_row=5, max_row=6, values_only=True))
    assert overview[0] == ("Hälsoskolan", 6, 0, 0, 0, 6)  # the factory's participants are women
    assert overview[1][0] == "Totalt"
    about = {r[0]: r[1] for r in book["Om rapporten"].iter_rows(min_row=4, values_only=True)}
    assert about["Skapad av"] == "analys@example.org"
    assert "Främmande" not in str(list(book["Översikt"].values))
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert event.details["period_by"] == "start" and event.details["via"] == "web"


def test_another_forbunds_insats_cannot_be_chosen(app: Flask, ids: dict[str, int]) -> None:
    analyst = _client(app, "analys@example.org")
    response = analyst.post(
        "/rapporter", data={"insatser": [str(ids["foreign"])], "period_by": "exit"}
    )
    assert response.status_code == 200
    assert "är inte ett giltigt val" in response.get_data(as_text=True)


def test_dates_in_the_wrong_order_are_refused(app: Flask, ids: dict[str, int]) -> None:
    analyst = _client(app, "analys@example.org")
    response = analyst.post(
        "/rapporter", data={"date_from": "2026-06-01", "date_to": "2026-01-01", "period_by": "exit"}
    )
    assert "Slutdatumet kan inte ligga före startdatumet." in response.get_data(as_text=True)


def test_insats_staff_do_not_get_reports(app: Flask, ids: dict[str, int]) -> None:
    coach = _client(app, "coach@example.org")
    assert coach.get("/rapporter").status_code == 404
    assert coach.post("/rapporter", data={"period_by": "exit"}).status_code == 404
    with app.app_context():
        assert db.session.query(Insats).count() == 2


def _admin_with_answers(app: Flask) -> FlaskClient:
    from tests.survey_helpers import answer_all, create_link, make_setup, staff_client

    setup = make_setup(app)
    with app.app_context():
        from survey_app.models import Participation

        participation = db.session.get(Participation, setup.participation_id)
        assert participation is not None
        insats = db.session.get(Insats, participation.insats_id)
        assert insats is not None
        insats.bundles = {"start": ["sjalvskattning", "eq5d-3l", "valdsenkat"]}
        factories.user(insats.forbund, RoleKind.ADMIN, email="chef@example.org")
        db.session.commit()
    phone = app.test_client()
    phone.get(create_link(staff_client(app), setup))
    answer_all(phone)
    phone.post(
        "/svar/sida/6",
        data={
            "item_psychological": "ja",
            "item_threats": "nej",
            "item_physical": "nej",
            "item_sexual": "nej",
        },
    )
    phone.post(
        "/svar/sida/7",
        data={"item_control": "nej", "item_afraid": "nej", "item_children_exposed": "nej"},
    )
    assert phone.post("/svar/skicka").headers["Location"] == "/svar/tack"
    return _client(app, "chef@example.org")


def test_admin_exports_participant_level_without_violence_answers_by_default(app: Flask) -> None:
    admin = _admin_with_answers(app)
    response = admin.post("/rapporter/deltagarniva", data={})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Deltagare"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["Deltagarkod"] == "A-1" and row["Kön"] == "Kvinna"
    assert row["start: sjalvskattning.general_health"] == 5
    assert row["start: eq5d-3l.AD"] == 3
    assert not any("valdsenkat" in str(h) for h in header)
    with_violence = admin.post("/rapporter/deltagarniva", data={"include_sensitive": "y"})
    header = next(
        openpyxl.load_workbook(io.BytesIO(with_violence.data))["Deltagare"].iter_rows(
            values_only=True
        )
    )
    assert "start: valdsenkat.psychological" in header
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "participant_level_export")
        ).all()
        assert [e.details["violence_answers_included"] for e in events] == [False, True]


def test_analysts_get_no_participant_level_export(app: Flask, ids: dict[str, int]) -> None:
    analyst = _client(app, "analys@example.org")
    assert analyst.get("/rapporter/deltagarniva").status_code == 404
    assert analyst.post("/rapporter/deltagarniva", data={}).status_code == 404
