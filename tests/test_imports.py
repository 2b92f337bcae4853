"""Importing a long CSV of answers: all or nothing, then the figures appear in the export."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import Answer, Forbund, Participation, Response, ResponseMode

HEADER = "forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value"
DIMENSIONS = ["MO", "SC", "UA", "PD", "AD"]


def _eq_rows(code: str, gender: str, occasion: str, day: str, state: str, vas: int) -> list[str]:
    rows = [
        f"Skaraborg,Hälsoskolan,{code},{gender},1980,{occasion},{day},eq5d-3l,{dim},{level}"
        for dim, level in zip(DIMENSIONS, state, strict=True)
    ]
    return [*rows, f"Skaraborg,Hälsoskolan,{code},{gender},1980,{occasion},{day},eq5d-3l,VAS,{vas}"]


def _csv() -> str:
    """Six women 22222 (VAS 40) at start and 11111 (VAS 70) at exit; one man 33333 at start."""
    lines = [HEADER]
    for n in range(6):
        lines += _eq_rows(f"hs-{n}", "kvinna", "start", "2026-01-10", "22222", 40)
        lines += _eq_rows(f"hs-{n}", "kvinna", "exit", "2026-06-01", "11111", 70)
    lines += _eq_rows("hs-9", "man", "start", "2026-01-10", "33333", 30)
    return "\n".join(lines) + "\n"


def _import(app: Flask, tmp_path: Path, text: str, *flags: str) -> Result:
    path = tmp_path / "svar.csv"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import-responses", str(path), *flags])


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_import_then_export_finds_the_imported_figures(app: Flask, tmp_path: Path) -> None:
    result = _import(app, tmp_path, _csv(), "--create-missing")
    assert result.exit_code == 0, result.output
    assert "Importerade 78 rader i 13 svar" in result.output
    with app.app_context():
        assert {r.mode for r in db.session.scalars(sa.select(Response))} == {ResponseMode.IMPORT}
        exited = db.session.scalars(
            sa.select(Participation).where(Participation.exit_date.is_not(None))
        ).all()
        assert len(exited) == 6
    out = tmp_path / "rapport.xlsx"
    exported = app.test_cli_runner().invoke(
        args=["export", "--out", str(out), "--forbund", "Skaraborg", "--cohort", "nya"]
    )
    assert exported.exit_code == 0, exported.output
    sheet = openpyxl.load_workbook(out)["EQ-5D"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    header = rows[0]
    women = next(
        dict(zip(header, r, strict=False))
        for r in rows[1:]
        if r[:3] == ("EQ-5D index", "Totalt", "Kvinna")  # genders over all insatser
    )
    # Sweden 3L: 22222 → 0.6843, 11111 → 0.9694 (see the export test).
    assert women["Antal par (start och avslut)"] == 6
    assert women["Medel vid start"] == pytest.approx(0.6843, abs=1e-9)
    assert women["Medel vid avslut"] == pytest.approx(0.9694, abs=1e-9)


def test_one_bad_row_among_thousands_stores_nothing_and_is_named(
    app: Flask, tmp_path: Path
) -> None:
    lines = [HEADER]
    for n in range(500):
        lines += _eq_rows(f"p-{n}", "kvinna", "start", "2026-01-10", "12312", 55)
    bad_line = 2 + 1234  # header is line 1
    fields = lines[bad_line - 1].split(",")
    fields[-1] = "7"  # an EQ-5D-3L level that does not exist
    lines[bad_line - 1] = ",".join(fields)
    assert len(lines) > 3000
    result = _import(app, tmp_path, "\n".join(lines), "--create-missing")
    assert result.exit_code == 1
    assert f"rad {bad_line}, kolumn value: '7' är inget av svarsalternativen" in result.output
    assert "Ingenting har sparats" in result.output
    assert _count(app, Forbund) == 0 and _count(app, Response) == 0 and _count(app, Answer) == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Skaraborg,Hälsoskolan,x-1,robot,1980,start,2026-01-10,eq5d-3l,MO,1", "kolumn gender"),
        ("Skaraborg,Hälsoskolan,x-1,man,80,start,2026-01-10,eq5d-3l,MO,1", "kolumn birth_year"),
        ("Skaraborg,Hälsoskolan,x-1,man,1980,mitten,2026-01-10,eq5d-3l,MO,1", "kolumn occasion"),
        ("Skaraborg,Hälsoskolan,x-1,man,1980,start,10/1/2026,eq5d-3l,MO,1", "kolumn date"),
        ("Skaraborg,Hälsoskolan,x-1,man,1980,start,2026-01-10,okand,MO,1", "okänt frågeformulär"),
        (
            "Skaraborg,Hälsoskolan,x-1,man,1980,start,2026-01-10,eq5d-3l,XX,1",
            "frågan 'XX' finns inte",
        ),
        ("Skaraborg,Hälsoskolan,x-1,man,1980,start,2026-01-10,eq5d-3l,VAS,101", "utanför 0–100"),
        (
            "Skaraborg,Hälsoskolan,x-1,man,1980,start,2026-01-10,valdsenkat,physical,kanske",
            "ska vara ja, nej",
        ),
        ("Skaraborg,Hälsoskolan,x-1,man,1980,start,2026-01-10,eq5d-3l,MO,1,extra", "11 kolumner"),
    ],
)
def test_bad_cells_are_reported(app: Flask, tmp_path: Path, row: str, message: str) -> None:
    result = _import(app, tmp_path, f"{HEADER}\n{row}\n", "--create-missing")
    assert result.exit_code == 1
    assert "rad 2" in result.output and message in result.output
    assert _count(app, Response) == 0


def test_without_create_missing_unknown_names_are_refused(app: Flask, tmp_path: Path) -> None:
    result = _import(app, tmp_path, _csv())
    assert result.exit_code == 1
    assert "förbundet 'Skaraborg' finns inte" in result.output
    assert _count(app, Forbund) == 0


def test_importing_the_same_answers_twice_is_refused(app: Flask, tmp_path: Path) -> None:
    assert _import(app, tmp_path, _csv(), "--create-missing").exit_code == 0
    before = _count(app, Answer)
    again = _import(app, tmp_path, _csv(), "--create-missing")
    assert again.exit_code == 1
    assert "det finns redan svar" in again.output
    assert _count(app, Answer) == before


def test_a_wrong_header_is_refused(app: Flask, tmp_path: Path) -> None:
    result = _import(app, tmp_path, "a,b,c\n1,2,3\n")
    assert result.exit_code == 1
    assert "rad 1" in result.output and "första raden ska vara" in result.output


def _admin(app: Flask) -> FlaskClient:
    from survey_app.models import RoleKind
    from tests import factories
    from tests.conftest import login

    with app.app_context():
        owner = factories.forbund("Skaraborg")
        factories.user(owner, RoleKind.ADMIN, email="chef@example.org")
        db.session.commit()
    client = app.test_client()
    login(client, "chef@example.org", factories.PASSWORD)
    return client


def test_admin_imports_through_the_web_page(app: Flask) -> None:
    admin = _admin(app)
    page = admin.post(
        "/admin/import",
        data={"file": (io.BytesIO(_csv().encode()), "svar.csv"), "create_missing": "y"},
        content_type="multipart/form-data",
    )
    assert "Importerade 78 rader i 13 svar" in page.get_data(as_text=True)
    assert _count(app, Response) == 13


def test_the_web_import_is_limited_to_the_own_forbund(app: Flask) -> None:
    admin = _admin(app)
    foreign = _csv().replace("Skaraborg,", "Annat förbund,")
    page = admin.post(
        "/admin/import",
        data={"file": (io.BytesIO(foreign.encode()), "svar.csv"), "create_missing": "y"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Ingenting har sparats" in page and "du kan bara importera till Skaraborg" in page
    assert _count(app, Response) == 0 and _count(app, Forbund) == 1


def test_the_web_import_refuses_other_files(app: Flask) -> None:
    admin = _admin(app)
    page = admin.post(
        "/admin/import",
        data={"file": (io.BytesIO(b"\\x89PNG"), "bild.png")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Filen ska vara en CSV-fil." in page


def test_an_optional_remittent_column_sets_who_referred_new_participations(
    app: Flask, tmp_path: Path
) -> None:
    from survey_app.models import Participant, Remittent

    rows = [
        # a-1 referred by Försäkringskassan (the code on one row, empty on another: one answer)
        "Skaraborg,Hälsoskolan,a-1,kvinna,1980,start,2026-01-10,eq5d-3l,MO,1,fk",
        "Skaraborg,Hälsoskolan,a-1,kvinna,1980,start,2026-01-10,eq5d-3l,SC,1,",
        # a-2 by the name of the authority, in capitals
        "Skaraborg,Hälsoskolan,a-2,man,1981,start,2026-01-10,eq5d-3l,MO,1,Arbetsförmedlingen",
        # a-3 gives none: "annan"
        "Skaraborg,Hälsoskolan,a-3,man,1982,start,2026-01-10,eq5d-3l,MO,1,",
    ]
    result = _import(
        app, tmp_path, f"{HEADER},remittent\n" + "\n".join(rows) + "\n", "--create-missing"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        found = dict(
            db.session.execute(
                sa.select(Participant.code, Participation.remittent).join(Participation.participant)
            ).all()
        )
    # (codes are stored in capitals: participant_codes.py)
    assert found == {"A-1": Remittent.FK, "A-2": Remittent.AF, "A-3": Remittent.OTHER}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["Skaraborg,Hälsoskolan,b-1,man,1980,start,2026-01-10,eq5d-3l,MO,1,polisen"],
            "ska vara fk",
        ),
        (
            [
                "Skaraborg,Hälsoskolan,b-1,man,1980,start,2026-01-10,eq5d-3l,MO,1,fk",
                "Skaraborg,Hälsoskolan,b-1,man,1980,start,2026-01-10,eq5d-3l,SC,1,af",
            ],
            "remittenten fk på en tidigare rad",
        ),
    ],
)
def test_a_bad_remittent_rejects_the_file(
    app: Flask, tmp_path: Path, rows: list[str], message: str
) -> None:
    result = _import(
        app, tmp_path, f"{HEADER},remittent\n" + "\n".join(rows) + "\n", "--create-missing"
    )
    assert result.exit_code == 1
    assert message in result.output and "kolumn remittent" in result.output
    assert _count(app, Participation) == 0
