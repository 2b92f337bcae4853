"""Registering many participants from a CSV file: all or nothing, with a row report."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import AuditEvent, Occasion, Participant, Participation, RoleKind
from tests import factories
from tests.conftest import login

STAFF = "coach@example.org"
HEADER = "code,gender,birth_year,remittent,start_date\n"


@pytest.fixture
def insats_id(app: Flask) -> int:
    with app.app_context():
        owner = factories.forbund()
        mine = factories.insats(owner, "Gröna vägen")
        factories.user(owner, RoleKind.STAFF, [mine], email=STAFF)
        factories.participation(mine, "GV-0001")  # a code already in use
        db.session.commit()
        return mine.id


@pytest.fixture
def coach(client: FlaskClient, insats_id: int) -> FlaskClient:
    login(client, STAFF, factories.PASSWORD)
    return client


def _upload(client: FlaskClient, insats_id: int, text: str) -> str:
    response = client.post(
        f"/insatser/{insats_id}/deltagare/import",
        data={"file": (io.BytesIO(text.encode("utf-8")), "deltagare.csv")},
        content_type="multipart/form-data",
    )
    return (
        response.get_data(as_text=True)
        if response.status_code == 200
        else response.headers["Location"]
    )


def _count(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(sa.select(sa.func.count()).select_from(m)) or 0
            for m in (Participant, Participation, Occasion)
        )


def test_a_good_file_registers_everyone_with_a_start_occasion(
    app: Flask, coach: FlaskClient, insats_id: int
) -> None:
    csv_text = HEADER + "gv-0101,kvinna,1984,af,2026-03-02\nGV-0102,man,,kommun,2026-03-03\n"
    assert _upload(coach, insats_id, csv_text) == f"/insatser/{insats_id}"
    assert _count(app) == (3, 3, 3)
    with app.app_context():
        codes = set(db.session.scalars(sa.select(Participant.code)))
        assert codes == {"GV-0001", "GV-0101", "GV-0102"}  # stored upper-case, as the form does
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "participants_registered_from_file")
        ).one()
        assert event.details == {"count": 2}


def test_any_bad_row_rejects_the_whole_file_with_every_reason(
    app: Flask, coach: FlaskClient, insats_id: int
) -> None:
    csv_text = (
        HEADER
        + "GV-0201,kvinna,1984,af,2026-03-02\n"  # fine, but the file is rejected
        + "850101-1234,man,1985,af,2026-03-02\n"  # a personnummer
        + "GV-0203,okänt,1985,af,2026-03-02\n"  # gender
        + "GV-0204,man,1985,af,2026-02-30\n"  # no such date
        + "GV-0205,man\n"  # too few columns
        + "GV-0001,kvinna,1980,fk,2026-03-02\n"  # already in use
    )
    page = _upload(coach, insats_id, csv_text)
    assert "Filen registrerades inte. Ingenting har sparats." in page
    assert "rad 3, kod:" in page and "personnummer" in page
    assert "rad 4, kön:" in page
    assert "rad 5, startdatum:" in page
    assert "rad 6, hela raden: 2 kolumner" in page
    assert _count(app) == (1, 1, 1)  # nothing stored
    # The code in use is reported once the rest is right.
    page = _upload(coach, insats_id, HEADER + "GV-0001,kvinna,1980,fk,2026-03-02\n")
    assert "rad 2, kod: Koden kan inte användas." in page
    assert _count(app) == (1, 1, 1)


def test_a_wrong_header_is_explained(coach: FlaskClient, insats_id: int) -> None:
    page = _upload(coach, insats_id, "kod;kön\nGV-1;kvinna\n")
    assert "rad 1, rubrikraden: ska vara: code,gender,birth_year,remittent,start_date" in page
