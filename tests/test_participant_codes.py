"""The one participant-code rule, on plain strings; and that the registration form, the CSV
registration and `flask import-responses` all refuse what it refuses."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import Answer, Forbund, Participant, Response, RoleKind
from survey_app.participant_codes import (
    PERSONNUMMER_MESSAGE,
    BadCode,
    check_code,
    looks_like_personnummer,
)
from tests import factories
from tests.conftest import login


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("ska-0042", "SKA-0042"),
        ("  Gv_7  ", "GV_7"),
        ("åsa-1", "ÅSA-1"),
        ("A\u030asa-1", "ÅSA-1"),  # a decomposed Å (A + ring above) is composed first
        ("P" * 40, "P" * 40),
        ("20240101", "20240101"),  # eight digits: a date, not a personnummer
        ("SKA-0000000001", "SKA-0000000001"),  # ten digits but month 00: not a personnummer
        ("AB", "AB"),
    ],
)
def test_good_codes_are_stored_trimmed_and_upper_case(given: str, stored: str) -> None:
    assert check_code(given) == stored


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("850101-1234", "personnummer"),
        ("8501011234", "personnummer"),
        ("19850101-1234", "personnummer"),
        ("198501011234", "personnummer"),
        ("20121212+1212", "personnummer"),  # a hundred-year-old's plus sign
        ("850161-1234", "personnummer"),  # samordningsnummer: day 1 + 60
        ("SKA-8501011234", "personnummer"),  # hidden inside a longer code
        ("850101 1234", "personnummer"),  # with a space
        ("ABC\x00", "osynliga tecken"),
        ("AB\x00C", "osynliga tecken"),
        ("AB\u200bC", "osynliga tecken"),  # zero-width space
        ("AB\u202eC", "osynliga tecken"),  # right-to-left override
        ("AB\nC", "osynliga tecken"),
        ("=1+1", "formel"),
        ("+46701234", "formel"),
        ("-ABC", "formel"),
        ("@SUM(A1)", "formel"),
        ("<b>X</b>", "bara innehålla"),
        ("A<script>", "bara innehålla"),
        ("A B", "bara innehålla"),
        ("A;B", "bara innehålla"),
        ("A", "bara innehålla"),  # one character is too short
        ("P" * 41, "högst 40 tecken"),
        ("", "Fyll i"),
        ("   ", "Fyll i"),
    ],
)
def test_bad_codes_are_refused_with_the_reason(given: str, reason: str) -> None:
    with pytest.raises(BadCode, match=reason):
        check_code(given)


def test_personnummer_shapes_need_a_real_month_and_day() -> None:
    assert looks_like_personnummer("850101-1234")
    assert not looks_like_personnummer("851301-1234")  # month 13
    assert not looks_like_personnummer("850132-1234")  # day 32 (and not 61–91)
    assert not looks_like_personnummer("850192-1234")  # day 92
    assert not looks_like_personnummer("98501011234")  # eleven digits: not glued into a match
    assert not looks_like_personnummer("1234567")


# --- the same rule at every entry point ------------------------------------------------------

IMPORT_HEADER = (
    "forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value"
)


def _import(app: Flask, tmp_path: Path, codes: list[str]) -> tuple[int, str]:
    rows = [
        f"Skaraborg,Hälsoskolan,{code},kvinna,1980,start,2026-01-10,eq5d-3l,MO,1" for code in codes
    ]
    path = tmp_path / "svar.csv"
    path.write_text("\n".join([IMPORT_HEADER, *rows]) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-responses", str(path), "--create-missing"])
    return result.exit_code, result.output


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_the_import_refuses_a_personnummer_code_with_a_row_report(
    app: Flask, tmp_path: Path
) -> None:
    exit_code, output = _import(app, tmp_path, ["HS-1", "19850101-1234", "HS-3"])
    assert exit_code == 1
    # Line 1 is the header, so the personnummer is on line 3.
    assert f"FEL  rad 3, kolumn participant: {PERSONNUMMER_MESSAGE}" in output
    assert "rad 2" not in output and "rad 4" not in output
    assert "Filen importerades inte (1 fel). Ingenting har sparats." in output
    assert "19850101-1234" not in output  # the report does not repeat the number
    # All or nothing: not even the good rows, nor the förbund the file would have created.
    assert (_count(app, Forbund), _count(app, Participant), _count(app, Response)) == (0, 0, 0)


def test_the_import_refuses_html_formulas_and_nul_in_codes(app: Flask, tmp_path: Path) -> None:
    exit_code, output = _import(
        app, tmp_path, ["<img src=x>", "=HYPERLINK(1)", "AB\x00CD", "OK-1", "P" * 41]
    )
    assert exit_code == 1
    assert "rad 2, kolumn participant: Koden får bara innehålla" in output
    assert "rad 3, kolumn participant: Koden får inte börja med =" in output
    assert "rad 4, kolumn participant: Koden innehåller osynliga tecken" in output
    assert "rad 5" not in output
    assert "rad 6, kolumn participant: Koden får vara högst 40 tecken." in output
    assert "(4 fel)" in output
    assert _count(app, Answer) == 0 and _count(app, Participant) == 0


def test_the_import_stores_codes_in_the_same_form_as_the_registration(
    app: Flask, tmp_path: Path
) -> None:
    exit_code, output = _import(app, tmp_path, ["  hs-1 ", "A\u030as-2"])
    assert exit_code == 0, output
    with app.app_context():
        assert set(db.session.scalars(sa.select(Participant.code))) == {"HS-1", "ÅS-2"}


@pytest.fixture
def coach(app: Flask) -> tuple[FlaskClient, int]:
    with app.app_context():
        owner = factories.forbund()
        where = factories.insats(owner)
        factories.user(owner, RoleKind.STAFF, [where], email="coach@example.org")
        db.session.commit()
        insats_id = where.id
    client = app.test_client()
    login(client, "coach@example.org", factories.PASSWORD)
    return client, insats_id


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("850101-1234", "personnummer"),
        ("AB\x00CD", "osynliga tecken"),
        ("=1+1", "formel"),
        ("<b>x</b>", "bara innehålla"),
    ],
)
def test_the_registration_form_refuses_what_the_rule_refuses(
    app: Flask, coach: tuple[FlaskClient, int], code: str, reason: str
) -> None:
    client, insats_id = coach
    response = client.post(
        f"/insatser/{insats_id}/deltagare/ny",
        data={
            "code": code,
            "gender": "kvinna",
            "birth_year": "1980",
            "remittent": "af",
            "start_date": "2026-03-02",
        },
    )
    assert response.status_code == 200
    assert reason in response.get_data(as_text=True)
    assert _count(app, Participant) == 0


def test_the_csv_registration_refuses_what_the_rule_refuses(
    app: Flask, coach: tuple[FlaskClient, int]
) -> None:
    client, insats_id = coach
    rows = [
        "code,gender,birth_year,remittent,start_date",
        "OK-1,kvinna,1980,af,2026-03-02",
        "AB\x00CD,kvinna,1980,af,2026-03-02",
        "'=1+1,man,1980,af,2026-03-02",
        "198501011234,man,1985,af,2026-03-02",
    ]
    response = client.post(
        f"/insatser/{insats_id}/deltagare/import",
        data={"file": (BytesIO("\n".join(rows).encode()), "deltagare.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "rad 3, kod: Koden innehåller osynliga tecken" in page
    assert "rad 4, kod: Koden får bara innehålla" in page  # the apostrophe
    assert "rad 5, kod: Koden ser ut som ett personnummer" in page
    assert "rad 2" not in page
    assert _count(app, Participant) == 0
