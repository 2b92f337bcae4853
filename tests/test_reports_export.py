"""`flask export` on a small hand-made dataset, read back with openpyxl."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Forbund,
    Gender,
    Insats,
    Occasion,
    OccasionKind,
    ParticipationStatus,
    Remittent,
)
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import workbook
from survey_app.reports.dataset import ReportFilter
from survey_app.reports.summary import read_back
from survey_app.staff.services import NewParticipant, register_participant
from tests import factories
from tests.conftest import unavailable

SELF_ITEMS = [
    "general_health",
    "mental_health",
    "physical_health",
    "self_esteem",
    "activity_level",
    "everyday_life",
    "motivation",
    "hope",
    "social_context",
    "work_closeness",
]


def _answer(app: Flask, occasion: Occasion, questionnaire_id: str, values: dict[str, Any]) -> None:
    factories.response(occasion, app.extensions["questionnaires"].get(questionnaire_id), values)


def _eq(state: str, vas: int) -> dict[str, Any]:
    return {**dict(zip(["MO", "SC", "UA", "PD", "AD"], map(int, state), strict=True)), "VAS": vas}


def _self(value: int) -> dict[str, int]:
    return dict.fromkeys(SELF_ITEMS, value)


@pytest.fixture
def dataset(app: Flask) -> None:
    """Insats "Hälsoskolan": six women with START and EXIT, two men with START only.

    Women: EQ-5D-3L 22222 → 11111, VAS 40 → 70, every self-assessment item 3 → 5.
    Men: EQ-5D-3L 33333, VAS 30, every item 2; still active.
    """
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(owner, "Hälsoskolan")
        insats.bundles = {
            "start": ["sjalvskattning", "eq5d-3l"],
            "exit": ["sjalvskattning", "eq5d-3l"],
        }
        for n in range(8):
            woman = n < 6
            participation = register_participant(
                insats,
                NewParticipant(
                    code=f"HS-{n}",
                    gender=Gender.WOMAN if woman else Gender.MAN,
                    birth_year=1980,
                    remittent=Remittent.AF,
                    start_date=date(2026, 1, 10),
                ),
            )
            start = participation.occasions[0]
            _answer(app, start, "eq5d-3l", _eq("22222", 40) if woman else _eq("33333", 30))
            _answer(app, start, "sjalvskattning", _self(3 if woman else 2))
            if woman:
                participation.exit_date = date(2026, 6, 1)
                participation.status = ParticipationStatus.EXITED
                end = Occasion(
                    participation=participation, kind=OccasionKind.EXIT, due_date=date(2026, 6, 1)
                )
                db.session.add(end)
                _answer(app, end, "eq5d-3l", _eq("11111", 70))
                _answer(app, end, "sjalvskattning", _self(5))
        db.session.commit()


def _export(app: Flask, tmp_path: Path, *args: str) -> openpyxl.Workbook:
    out = tmp_path / "rapport.xlsx"
    result = app.test_cli_runner().invoke(args=["export", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def _rows(sheet: Any, header_row: int) -> list[dict[str, Any]]:
    """The table's rows as dicts, up to the first empty header (the chart's data lies beyond)."""
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    header = rows[0][: rows[0].index(None)] if None in rows[0] else rows[0]
    return [
        dict(zip(header, row[: len(header)], strict=True)) for row in rows[1:] if row[0] is not None
    ]


def _find(rows: list[dict[str, Any]], measure: str, insats: str, gender: str) -> dict[str, Any]:
    return next(r for r in rows if (r["Mått"], r["Insats"], r["Kön"]) == (measure, insats, gender))


@pytest.mark.usefixtures("dataset")
def test_export_pairs_start_with_exit(app: Flask, tmp_path: Path) -> None:
    book = _export(app, tmp_path, "--cohort", "nya")
    assert book.sheetnames == [
        "Sammanfattning",
        "Översikt",
        "Bakgrund och tid",
        "Självskattning",
        "EQ-5D",
        "Våld",
        "Nöjdhet",
        "Försörjning och sysselsättning",
        "Avslut",
        "Om rapporten",
    ]

    # The cohort and its definition under every sheet's title.
    for sheet in book.worksheets:
        assert str(sheet["A2"].value).startswith(
            "Urval: nya under perioden början – idag (deltaganden som började under perioden)."
        ), sheet.title
    eq = _rows(book["EQ-5D"], 4)
    women = _find(eq, "EQ-5D index", "Totalt", "Kvinna")
    # Sweden 3L: 22222 = 0.9694 − 0.0666 − 0.0276 − 0.1012 − 0.0345 − 0.0552 = 0.6843;
    # 11111 = 0.9694.
    assert women["Antal par (start och avslut)"] == 6
    assert women["Medel vid start"] == pytest.approx(0.6843, abs=1e-9)
    assert women["Medel vid avslut"] == pytest.approx(0.9694, abs=1e-9)
    assert women["Förändring"] == pytest.approx(0.2851, abs=1e-9)
    assert women["Andel förbättrade"] == 1.0 and women["Andel försämrade"] == 0.0
    assert women["p (Wilcoxon)"] is None  # 6 pairs: fewer than 10
    total = _find(eq, "EQ-5D index", "Hälsoskolan", "Totalt")
    assert total["Antal par (start och avslut)"] == 6
    assert total["Start utan avslut"] == "<5"  # the two men
    # Genders are reported over all insatser, insatser over all genders: no insats × gender.
    assert not [r for r in eq if r["Insats"] != "Totalt" and r["Kön"] != "Totalt"]
    men = _find(eq, "EQ-5D index", "Totalt", "Man")
    assert men["Antal par (start och avslut)"] == 0 and men["Medel vid start"] is None
    vas = _find(eq, "EQ VAS (termometer)", "Totalt", "Totalt")
    assert (vas["Medel vid start"], vas["Medel vid avslut"], vas["Förändring"]) == (40, 70, 30)
    assert "se_tto_3l" in book["EQ-5D"]["A3"].value

    self_rows = _rows(book["Självskattning"], 4)
    general = _find(self_rows, "Hur mår du i allmänhet?", "Totalt", "Totalt")
    assert (general["Medel vid start"], general["Medel vid avslut"]) == (3, 5)
    mean = _find(self_rows, "Medelvärde av alla frågor", "Totalt", "Kvinna")
    assert mean["Förändring"] == 2

    overview = list(book["Översikt"].iter_rows(min_row=5, max_row=7, max_col=6, values_only=True))
    assert overview[0] == ("Insats", "Kvinna", "Man", "Annat (hen)", "Vill inte uppge", "Totalt")
    # 6 women and 2 men: the 2 is hidden, and one more count of the line (8 − 6 would reveal
    # it). Not the 6: a hidden count of women (at least 5, as every hidden "x" is) would
    # leave the men at most 3, and "<5" must leave 1 to 4 open. The total: from 7 to 10.
    assert overview[1] == ("Hälsoskolan", None, None, None, None, "x")
    assert overview[2] == ("Totalt", 6, "<5", 0, 0, "x")
    assert book["EQ-5D"].freeze_panes == "D5"
    assert book["EQ-5D"]._charts, "a bar chart of START and EXIT"

    about = {r[0]: r[1] for r in book["Om rapporten"].iter_rows(min_row=4, values_only=True)}
    assert about["Period"] == "början – idag"
    assert about["Urval"].startswith("Nya under perioden: deltaganden som började")
    assert "sjalvskattning version 2" in about["Frågeformulär"]
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="export").count() == 1


@pytest.mark.usefixtures("dataset")
def test_a_long_export_reports_every_step_of_its_progress(app: Flask) -> None:
    steps: list[str] = []
    with app.app_context():
        forbund_id = db.session.scalar(sa.select(Forbund.id))
        registry = app.extensions["questionnaires"]
        data = reports_dataset.load(ReportFilter(forbund_id), registry, progress=steps.append)
        assert len(steps) == reports_dataset.LOAD_STEPS
        workbook.write(data, io.BytesIO(), made_by="test", progress=steps.append)
    # The bar of `flask export` is LOAD_STEPS + WRITE_STEPS long: it must end full, once.
    assert len(steps) == reports_dataset.LOAD_STEPS + workbook.WRITE_STEPS
    assert steps[-1].endswith("arbetsboken sparad")
    assert len(set(steps)) == len(steps)


@pytest.mark.usefixtures("dataset")
def test_the_ended_cohort_takes_those_who_ended_in_the_period(app: Flask, tmp_path: Path) -> None:
    period = ("--from", "2026-05-01", "--to", "2026-06-30")
    book = _export(app, tmp_path, *period, "--cohort", "avslutade")
    total = _find(_rows(book["EQ-5D"], 4), "EQ-5D index", "Totalt", "Totalt")
    assert total["Antal par (start och avslut)"] == 6
    assert total["Start utan avslut"] == 0  # the active men did not end in the period
    # Active in the period: the six women (ended in it) and the two men (still active).
    active = _find(
        _rows(_export(app, tmp_path, *period)["EQ-5D"], 4), "EQ-5D index", *["Totalt"] * 2
    )
    assert (active["Antal par (start och avslut)"], active["Start utan avslut"]) == (6, "<5")
    empty = _export(
        app, tmp_path, "--from", "2026-07-01", "--to", "2026-12-31", "--cohort", "avslutade"
    )
    assert _rows(empty["EQ-5D"], 4) == []
    # Active in the second half of the year: the two men only; the women's EXIT answers
    # (before the period) are not theirs to count.
    later = _export(app, tmp_path, "--from", "2026-07-01", "--to", "2026-12-31")
    later_total = _find(_rows(later["EQ-5D"], 4), "EQ-5D index", "Totalt", "Totalt")
    assert (later_total["Antal par (start och avslut)"], later_total["Start utan avslut"]) == (
        0,
        "<5",
    )


@pytest.mark.usefixtures("dataset")
def test_export_refuses_an_unknown_insats(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(
        args=["export", "--out", str(tmp_path / "x.xlsx"), "--insats", "Finns inte"]
    )
    assert result.exit_code != 0 and "finns inte" in result.output
    with app.app_context():
        assert db.session.query(Insats).count() == 1


@pytest.mark.usefixtures("dataset")
def test_the_workbook_opens_cleanly_in_libreoffice(app: Flask, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        unavailable("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    assert soffice is not None
    _export(app, tmp_path)
    result = subprocess.run(  # noqa: S603 (a fixed local program)
        [
            soffice,
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, quote, UTF-8
            "--outdir",
            str(tmp_path),
            str(tmp_path / "rapport.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    converted = (tmp_path / "rapport.csv").read_text(encoding="utf-8", errors="replace")
    assert "Sammanfattning – Skaraborg" in converted  # the first sheet


@pytest.mark.usefixtures("dataset")
def test_goals_are_reported_with_outcome_and_attainment(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        insats = db.session.query(Insats).one()
        insats.goals = [
            {"kind": "improved", "measure": "sjalvskattning:general_health", "target": 0.7},
            {"kind": "improved", "measure": "eq5d:vas", "target": 1.0},
            {"kind": "exit_reasons", "reasons": ["arbete", "studier"], "target": 0.3},
        ]
        db.session.commit()
    book = _export(app, tmp_path)
    rows = list(book["Översikt"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Mål")
    goals = [r[:5] for r in rows[start + 2 : start + 5]]
    # All 6 pairs improved (3 → 5 and VAS 40 → 70): 100 % against 70 % and 100 %.
    assert goals[0] == ("Hälsoskolan", "70 % förbättrade: Hur mår du i allmänhet?", 1, 6, "Ja")
    assert goals[1] == ("Hälsoskolan", "100 % förbättrade: EQ VAS (termometer)", 1, 6, "Ja")
    # No exit reasons registered: nothing to say.
    assert goals[2] == (
        "Hälsoskolan",
        "30 % avslutas till arbete eller studier",
        None,
        0,
        "För få (färre än 5)",
    )


def _titled(sheet: Any, title: str) -> tuple[list[Any], list[list[Any]]]:
    """The table under a title alone in column A: its header and rows, up to an empty row."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    header = rows[start + 1]
    width = max(i for i, v in enumerate(header) if v is not None) + 1
    out = []
    for row in rows[start + 2 :]:
        if all(v is None for v in row):
            break
        out.append(row[:width])
    return header[:width], out


@pytest.mark.usefixtures("dataset")
def test_the_summary_repeats_published_cells_as_they_are_shown(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        insats = db.session.query(Insats).one()
        insats.goals = [
            {"kind": "improved", "measure": "sjalvskattning:general_health", "target": 0.7},
            {"kind": "exit_reasons", "reasons": ["arbete"], "target": 0.3},
        ]
        db.session.commit()
    book = _export(app, tmp_path)
    summary, overview = book["Sammanfattning"], book["Översikt"]

    # Participants: Översikt's "Totalt" column (per insats) and "Totalt" row (per gender) of the
    # cohort, and its flow tables per insats and per gender, cell for cell.
    head, by_insats = _titled(summary, "Deltagare per insats (alla kön)")
    _, by_gender = _titled(summary, "Deltagare per kön (alla insatser)")
    header, rows = _titled(overview, "Deltagare i urvalet")
    cohort = {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in rows}
    for row in by_insats:
        assert row[1] == cohort[row[0]]["Totalt"], row
    for row in by_gender:
        assert row[1] == cohort["Totalt"][row[0]], row
    assert head[2:] == [
        "Inskrivna vid periodens början",
        "Nya under perioden",
        "Aktiva under perioden",
        "Avslutade under perioden",
        "Pågående vid periodens slut",
    ]
    for title, copied in (
        ("Flöde under perioden per insats", by_insats),
        ("Flöde under perioden per kön", by_gender),
    ):
        header, rows = _titled(overview, title)
        flow = {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in rows}
        for row in copied:
            for name, value in zip(head[2:], row[2:], strict=True):
                assert value == flow[row[0]][name], (title, name, row)
    # By hand (see `dataset`; no period, so everyone is new and active): six women, all ended;
    # two men, both still active.
    genders = {r[0]: r[1:] for r in by_gender}
    assert genders["Kvinna"] == [6, 0, 6, 6, 6, 0]
    assert genders["Man"][0] == "<5" and genders["Man"][4] == 0
    assert [r[0] for r in by_insats] == ["Hälsoskolan", "Totalt"]

    # START → EXIT: the comparison sheets' rows over all insatser, cell for cell.
    header, rows = _titled(
        summary,
        next(
            r[0]
            for r in summary.iter_rows(values_only=True)
            if str(r[0]).startswith("Före och efter")
        ),
    )
    assert header[:2] == ["Mått", "Kön"]
    sheets = {
        "Medelvärde av alla frågor": _rows(book["Självskattning"], 4),
        "EQ-5D index": _rows(book["EQ-5D"], 4),
        "EQ VAS (termometer)": _rows(book["EQ-5D"], 4),
    }
    names = {
        "Antal par": "Antal par (start och avslut)",
        "Start utan avslut": "Start utan avslut",
        "Medel vid start": "Medel vid start",
        "Medel vid avslut": "Medel vid avslut",
        "Förändring": "Förändring",
        "Andel förbättrade": "Andel förbättrade",
    }
    measure = None
    seen = set()
    for row in rows:
        measure = row[0] or measure
        original = _find(sheets[measure], measure, "Totalt", row[1])
        for name, value in zip(header[2:], row[2:], strict=True):
            assert value == original[names[name]], (measure, row[1], name)
        seen.add((measure, row[1]))
    assert {m for m, _ in seen} == set(sheets)
    women = next(r for r in rows if r[1] == "Kvinna" and r[0] == "EQ-5D index")
    # Sweden 3L 22222 → 11111: 0.6843 → 0.9694, all six improved.
    assert women[2] == 6 and women[4] == pytest.approx(0.6843) and women[7] == 1
    men = [r for r in rows if r[1] == "Man"]
    assert all(r[2] == 0 and r[4] is None for r in men)  # no pairs: no mean

    # Goals: Översikt's goal rows, the same cells.
    _, goals = _titled(summary, "Insatsernas mål och utfall")
    _, original_goals = _titled(overview, "Mål")
    assert goals == original_goals
    assert goals[0][1:] == ["70 % förbättrade: Hur mår du i allmänhet?", 1, 6, "Ja"]

    # The service's summary page reads the same sheet back: every table, row for row.
    page = read_back((tmp_path / "rapport.xlsx").read_bytes())
    assert page is not None
    for section in page.sections:
        header, rows = _titled(summary, section.title)
        assert (section.header, section.rows) == (header, rows), section.title
    assert [s.title for s in page.sections][-1] == "Insatsernas mål och utfall"


@pytest.mark.usefixtures("dataset")
def test_the_index_uses_the_value_set_chosen_for_the_questionnaire(
    app: Flask, tmp_path: Path
) -> None:
    """The förbund has set up EQ-5D-3L with the UK value set (a scorer option of the
    questionnaire, not a column of Forbund)."""
    from survey_app.models import QuestionnaireOptions

    with app.app_context():
        owner = db.session.scalars(sa.select(Forbund)).one()
        db.session.add(
            QuestionnaireOptions(
                forbund_id=owner.id, questionnaire_id="eq5d-3l", options={"value_set": "uk_tto_3l"}
            )
        )
        db.session.commit()
    book = _export(app, tmp_path, "--cohort", "nya")
    women = _find(_rows(book["EQ-5D"], 4), "EQ-5D index", "Totalt", "Kvinna")
    # UK 3L (Dolan 1997): 22222 = 1 − 0.081 − 0.069 − 0.104 − 0.036 − 0.123 − 0.071 = 0.516;
    # 11111 = 1.
    assert women["Antal par (start och avslut)"] == 6
    assert women["Medel vid start"] == pytest.approx(0.516, abs=1e-9)
    assert women["Medel vid avslut"] == pytest.approx(1.0, abs=1e-9)
    assert women["Förändring"] == pytest.approx(0.484, abs=1e-9)
    note = book["EQ-5D"]["A3"].value
    assert "uk_tto_3l" in note and "se_tto_3l" not in note
    about = {r[0]: r[1] for r in book["Om rapporten"].iter_rows(min_row=4, values_only=True)}
    assert "3L: Storbritannien TTO (Dolan 1997) (uk_tto_3l)" in about["Värdeset för EQ-5D"]
    assert "5L:" in about["Värdeset för EQ-5D"] and "(se_5l_2022)" in about["Värdeset för EQ-5D"]


def test_a_new_forbund_reports_the_two_sparse_genders_as_one_column(
    app: Flask, tmp_path: Path
) -> None:
    """A förbund made as real ones are (`flask create-admin`) reports "Annat (hen)" and "Vill
    inte uppge" as one column until it turns that off in Inställningar. Here 7 women, 6 men,
    3 "annat" and 2 "ej uppgivet" in one insats, k = 5: merged, the column is 3 + 2 = 5 and
    nothing in Översikt's "Totalt" row needs hiding; apart, 3 and 2 are each below 5."""
    password_file = tmp_path / "pw"
    password_file.write_text("a very secret admin password\n")
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            "create-admin",
            *("--forbund", "Nytt förbund", "--email", "chef@example.org"),
            *("--password-file", str(password_file)),
        ]
    )
    assert made.exit_code == 0, made.output
    genders = [Gender.WOMAN] * 7 + [Gender.MAN] * 6 + [Gender.OTHER] * 3 + [Gender.NOT_STATED] * 2
    with app.app_context():
        owner = db.session.scalars(sa.select(Forbund)).one()
        insats = factories.insats(owner, "Hälsoskolan")
        for n, gender in enumerate(genders):
            register_participant(
                insats,
                NewParticipant(
                    code=f"HS-{n}",
                    gender=gender,
                    birth_year=1980,
                    remittent=Remittent.AF,
                    start_date=date(2026, 1, 10),
                ),
            )
        db.session.commit()

    def participants_by_gender() -> tuple[tuple[Any, Any], ...]:
        """Översikt's first table, "Deltagare i urvalet": its header and its "Totalt" row."""
        book = _export(app, tmp_path, "--from", "2026-01-01", "--to", "2026-06-30")
        rows = list(book["Översikt"].iter_rows(min_row=4, values_only=True))
        assert rows[0][0] == "Deltagare i urvalet"
        header = rows[1][: rows[1].index(None)]
        total = next(row for row in rows[2:] if row[0] == "Totalt")
        return tuple(zip(header, total[: len(header)], strict=True))

    assert participants_by_gender() == (
        ("Insats", "Totalt"),
        ("Kvinna", 7),
        ("Man", 6),
        ("Annat eller ej uppgivet", 5),
        ("Totalt", 18),
    )
    with app.app_context():
        db.session.scalars(sa.select(Forbund)).one().merge_other_genders = False
        db.session.commit()
    apart = dict(participants_by_gender())
    assert (apart["Annat (hen)"], apart["Vill inte uppge"]) == ("<5", "<5")
    # The two "<5" sum to a visible 18 − 7 − 6 = 5, which leaves each 1..4 open; nothing else
    # of the row needs to go.
    assert (apart["Kvinna"], apart["Man"], apart["Totalt"]) == (7, 6, 18)
