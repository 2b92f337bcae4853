"""Hostile text where staff or participants can type: shown escaped on every page, and never a
formula in the Excel exports (the aggregated workbook and the participant-level one)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Insats,
    Occasion,
    OccasionKind,
    ParticipationStatus,
    Response,
    ResponseMode,
    ResponseStatus,
    RoleKind,
)
from survey_app.models._types import utcnow
from survey_app.responses.storage import keep_snapshot
from tests import factories
from tests.conftest import login

ADMIN = "chef@example.org"
SCRIPT = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://127.0.0.1/","klicka")'


@pytest.fixture
def hostile(app: Flask) -> int:
    """An insats named with a script tag, a goal, a participant whose free-text comment is a
    formula; returns the participation id."""
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        insats = factories.insats(owner, SCRIPT, exit=["nojdhet"])
        participation = factories.participation(insats, "HS-1")
        participation.exit_date = date(2025, 9, 1)
        participation.status = ParticipationStatus.EXITED
        end = Occasion(
            participation=participation, kind=OccasionKind.EXIT, due_date=date(2025, 9, 1)
        )
        db.session.add(end)
        definition = app.extensions["questionnaires"].by_id["nojdhet"]
        keep_snapshot(definition)
        response = Response(
            occasion=end,
            questionnaire_id="nojdhet",
            questionnaire_version=definition.version,
            content_hash=definition.content_hash,
            status=ResponseStatus.SUBMITTED,
            mode=ResponseMode.LINK,
            submitted_at=utcnow(),
        )
        response.answers = [
            Answer(item_id="overall", value=5),
            Answer(item_id="comments", value=FORMULA),
        ]
        db.session.add(response)
        db.session.commit()
        return participation.id


@pytest.fixture
def admin(client: FlaskClient, hostile: int) -> FlaskClient:
    login(client, ADMIN, factories.PASSWORD)
    return client


def test_staff_pages_show_hostile_names_escaped(
    admin: FlaskClient, hostile: int, app: Flask
) -> None:
    with app.app_context():
        insats_id = db.session.scalar(sa.select(Insats.id))
    for path in (
        "/",
        f"/insatser/{insats_id}",
        f"/deltagande/{hostile}",
        "/admin/insatser",
        "/rapporter/intern",
    ):
        page = admin.get(path).get_data(as_text=True)
        assert SCRIPT not in page, path
        assert "&lt;script&gt;" in page, path


def _cells(workbook: openpyxl.Workbook) -> list[openpyxl.cell.Cell]:
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def test_exports_hold_hostile_text_as_text_never_as_a_formula(admin: FlaskClient) -> None:
    report = admin.post("/rapporter/intern", data={"cohort": "nya"})
    assert report.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(report.data))
    cells = _cells(book)
    assert any(cell.value == SCRIPT for cell in cells), "the insats name is there, as text"
    assert not any(
        cell.data_type == "f" for cell in cells if str(cell.value or "").startswith("=HYPER")
    )
    assert not any(FORMULA in str(cell.value or "") for cell in cells), "no free text at all"

    level = admin.post("/rapporter/deltagarniva", data={})
    assert level.status_code == 200
    cells = _cells(openpyxl.load_workbook(io.BytesIO(level.data)))
    comment = [cell for cell in cells if cell.value == FORMULA]
    assert comment, "the participant-level export has the comment"
    assert all(cell.data_type == "s" for cell in comment), "as a string, not a formula"
