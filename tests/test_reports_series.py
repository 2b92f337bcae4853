"""A series in the report (issue 14 point 2): START compared with a follow-up during the
participation and with a follow-up six months after the exit, on a sheet of their own, with
expected figures worked out by hand."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from scipy import stats

from survey_app.extensions import db
from survey_app.models import Gender, Occasion, OccasionKind, ParticipationStatus, Remittent
from survey_app.staff.services import NewParticipant, register_participant
from tests import factories
from tests.attacker import analyse
from tests.test_reports_export import SELF_ITEMS


def _self(value: int) -> dict[str, int]:
    return dict.fromkeys(SELF_ITEMS, value)


@pytest.fixture
def series(app: Flask) -> None:
    """Insats "Serien", every self-assessment item the same value per occasion:
    six women: START 3, follow-up 1 → 4, EXIT 6, six months after the exit 5;
    six men, still taking part: START 2, follow-up 1 → 4. (No group of an outcome is small:
    every count is 0, 6 or 12, so nothing is hidden at k = 5.)"""
    registry = app.extensions["questionnaires"]
    self_assessment = registry.get("sjalvskattning")
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(owner, "Serien")
        insats.after_exit_months = [6]
        for n in range(12):
            woman = n < 6
            participation = register_participant(
                insats,
                NewParticipant(
                    code=f"SE-{n}",
                    gender=Gender.WOMAN if woman else Gender.MAN,
                    birth_year=1980,
                    remittent=Remittent.AF,
                    start_date=date(2026, 1, 10),
                ),
            )
            occasions: list[tuple[OccasionKind, int, date, int]] = [
                (OccasionKind.FOLLOWUP, 1, date(2026, 4, 10), 4)
            ]
            if woman:
                participation.exit_date = date(2026, 6, 1)
                participation.status = ParticipationStatus.EXITED
                occasions += [
                    (OccasionKind.EXIT, 0, date(2026, 6, 1), 6),
                    (OccasionKind.AFTER, 6, date(2026, 12, 1), 5),
                ]
            factories.response(
                participation.occasions[0], self_assessment, _self(3 if woman else 2)
            )
            for kind, number, due, value in occasions:
                occasion = Occasion(
                    participation=participation, kind=kind, number=number, due_date=due
                )
                db.session.add(occasion)
                factories.response(occasion, self_assessment, _self(value))
        db.session.commit()


def _export(app: Flask, tmp_path: Path) -> openpyxl.Workbook:
    out = tmp_path / "rapport.xlsx"
    result = app.test_cli_runner().invoke(args=["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(out)


def _rows(sheet: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """A comparison sheet's rows (header on row 4): {(measure, group): {column: value}}, the
    group an insats (all genders) or a gender (all insatser)."""
    rows = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]
    header = rows[0]
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows[1:]:
        if row[0] is None:
            break
        group = row[2] if row[1] == "Totalt" else row[1]
        out[(str(row[0]), str(group))] = {
            str(h): v for h, v in zip(header[3:], row[3:], strict=False) if h
        }
    return out


def _attacked(tmp_path: Path, k: int) -> list[str]:
    """What the independent attacker works out of the workbook just exported."""
    report = analyse((tmp_path / "rapport.xlsx").read_bytes(), k)
    return [str(finding) for finding in report.findings]


MEAN = "Medelvärde av alla frågor"


@pytest.mark.usefixtures("series")
def test_start_is_compared_with_a_follow_up_and_with_six_months_after_the_exit(
    app: Flask, tmp_path: Path
) -> None:
    book = _export(app, tmp_path)
    assert book.sheetnames.index("Uppf. 1 – Självskattning") > book.sheetnames.index("EQ-5D")
    follow = _rows(book["Uppf. 1 – Självskattning"])
    women, men, total = (follow[(MEAN, g)] for g in ("Kvinna", "Man", "Totalt"))
    # Women 3 → 4 and men 2 → 4: six pairs each, all better.
    assert women["Antal par (start och uppföljning 1)"] == 6
    assert (women["Medel vid start"], women["Medel vid uppföljning 1"]) == (3, 4)
    assert women["Andel förbättrade"] == 1
    assert men["Antal par (start och uppföljning 1)"] == 6
    assert (men["Medel vid start"], men["Medel vid uppföljning 1"], men["Förändring"]) == (2, 4, 2)
    # All twelve: START (6·3 + 6·2)/12 = 2.5, follow-up 4, change 1.5.
    assert total["Antal par (start och uppföljning 1)"] == 12
    assert total["Start utan uppföljning 1"] == 0
    assert total["Medel vid start"] == pytest.approx(2.5)
    assert total["Medel vid uppföljning 1"] == pytest.approx(4)
    assert total["Förändring"] == pytest.approx(1.5)
    # Changes 1 ×6 and 2 ×6: squared deviations from the mean 1.5 sum to 12 · 0.25 = 3.
    half = stats.t.ppf(0.975, 11) * math.sqrt(3 / 11) / math.sqrt(12)
    assert total["95 % KI, lägre"] == pytest.approx(1.5 - half)
    assert total["95 % KI, övre"] == pytest.approx(1.5 + half)
    assert total["Andel förbättrade"] == 1

    after = _rows(book["Efter avslut 6 mån – Självskatt"])
    women, men, total = (after[(MEAN, g)] for g in ("Kvinna", "Man", "Totalt"))
    label = "Antal par (start och uppföljning 6 mån efter avslut)"
    # Only the women have left: 3 → 5. The men have a START and nothing after an exit.
    assert (women[label], women["Medel vid start"], women["Förändring"]) == (6, 3, 2)
    assert (men[label], men["Start utan uppföljning 6 mån efter avslut"]) == (0, 6)
    assert (total[label], total["Start utan uppföljning 6 mån efter avslut"]) == (6, 6)
    assert total["Medel vid uppföljning 6 mån efter avslut"] == pytest.approx(5)

    # START → EXIT is as before, on its own sheet: the six women, 3 → 6.
    assert _attacked(tmp_path, 5) == []
    exit_rows = [
        r
        for r in book["Självskattning"].iter_rows(values_only=True)
        if r[0] == MEAN and r[1] == "Totalt" and r[2] == "Totalt"
    ]
    assert exit_rows and exit_rows[0][3] == 6 and exit_rows[0][4] == 6


@pytest.mark.usefixtures("series")
def test_the_series_keeps_small_groups_hidden(app: Flask, tmp_path: Path) -> None:
    """k = 7: the groups of six are "<7", and no mean or share stands beside a hidden count."""
    with app.app_context():
        forbund = db.session.query(factories.Forbund).one()
        forbund.min_group_size = 7
        db.session.commit()
    book = _export(app, tmp_path)
    follow = _rows(book["Uppf. 1 – Självskattning"])
    for group in ("Kvinna", "Man"):
        row = follow[(MEAN, group)]
        assert row["Antal par (start och uppföljning 1)"] == "<7"
        assert row["Medel vid start"] is None and row["Andel förbättrade"] is None
    for row in follow.values():
        if isinstance(row["Antal par (start och uppföljning 1)"], str):
            assert row["Medel vid uppföljning 1"] is None and row["Förändring"] is None
    after = _rows(book["Efter avslut 6 mån – Självskatt"])
    assert after[(MEAN, "Kvinna")]["Antal par (start och uppföljning 6 mån efter avslut)"] == "<7"
    # Every sheet together, the series' relations included: nothing narrowed.
    assert _attacked(tmp_path, 7) == []
