"""What an import stores, row by row: the bulk path (checked column by column, stored by the
database's bulk load) stores exactly what the file says, as the row-by-row check would."""

from __future__ import annotations

import gc
import io
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.imports import answers
from survey_app.models import (
    Answer,
    Gender,
    Insats,
    Occasion,
    Participant,
    Participation,
    Remittent,
    Response,
)
from tests import factories

HEADER = (
    "forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value,remittent"
)
COMMENT = 'Bra "stöd" \\ tack\t(och en tabb)'
ROWS = [
    # line 2, 3: one answer at START; the gender written two ways; the remittent on the 2nd row
    "Skaraborg,Hälsoskolan,a-1,Kvinna,1980,start,2026-01-10,eq5d-3l,MO,1,",
    "Skaraborg,Hälsoskolan,a-1,kvinna,1980,start,2026-01-10,eq5d-3l,VAS,40,fk",
    # line 4: a row of empty cells (skipped)
    ",,,,,,,,,,",
    # line 5..7: EXIT, first dated 2026-06-01, then two rows of another questionnaire dated earlier
    "Skaraborg,Hälsoskolan,a-1,kvinna,1980,exit,2026-06-01,eq5d-3l,MO,2,",
    'Skaraborg,Hälsoskolan,a-1,kvinna,1980,exit,2026-05-20,nojdhet,comments,"'
    + COMMENT.replace('"', '""')
    + '",',
    "Skaraborg,Hälsoskolan,a-1,kvinna,1980,exit,2026-05-20,nojdhet,recommend,ja,",
    # line 8, 9: a new insats; cells with spaces around; no birth year; an empty optional answer
    " Skaraborg , Nya insatsen , b-2 , man , ,followup-1,2026-02-01,nojdhet,comments,,af",
    "Skaraborg,Nya insatsen,b-2,man,,start,2026-01-15,nojdhet,recommend,nej,",
    # line 10: the participant registered before the import, now ended by an EXIT
    "Skaraborg,Hälsoskolan,old-1,kvinna,1970,exit,2026-03-01,eq5d-3l,VAS,55,",
    # line 11: no remittent anywhere
    "Skaraborg,Hälsoskolan,c-3,annat,1999,start,2026-01-10,eq5d-3l,MO,3,",
]


def _import(app: Flask) -> answers.ImportSummary:
    text = HEADER + "\n" + "\n".join(ROWS) + "\n\n"
    with app.app_context():
        summary = answers.import_csv(
            io.StringIO(text), app.extensions["questionnaires"], create_missing=True
        )
        db.session.commit()
    return summary


def _stored(app: Flask) -> dict[str, set[tuple[Any, ...]]]:
    with app.app_context():
        run = db.session.execute
        code = Participant.code
        return {
            "participants": set(run(sa.select(code, Participant.gender, Participant.birth_year))),
            "participations": set(
                run(
                    sa.select(
                        code,
                        Insats.name,
                        Participation.remittent,
                        Participation.start_date,
                        Participation.exit_date,
                        sa.type_coerce(Participation.status, sa.String),
                    )
                    .join(Participation.participant)
                    .join(Participation.insats)
                )
            ),
            "occasions of responses": set(
                run(
                    sa.select(
                        code,
                        sa.type_coerce(Occasion.kind, sa.String),
                        Occasion.number,
                        Occasion.due_date,
                        Response.questionnaire_id,
                        sa.type_coerce(Response.status, sa.String),
                        sa.type_coerce(Response.mode, sa.String),
                        Response.pages_saved,
                        Response.submitted_at.is_not(None),
                    )
                    .join(Response.occasion)
                    .join(Occasion.participation)
                    .join(Participation.participant)
                )
            ),
            "answers": set(
                run(
                    sa.select(
                        code,
                        sa.type_coerce(Occasion.kind, sa.String),
                        Response.questionnaire_id,
                        Answer.item_id,
                        Answer.value,
                    )
                    .join(Answer.response)
                    .join(Response.occasion)
                    .join(Occasion.participation)
                    .join(Participation.participant)
                )
            ),
        }


# Worked out from ROWS by hand: codes are stored in capitals; EQ-5D-3L shows one question per
# page (six pages) and the satisfaction questionnaire has two; a participation starts on the
# participant's first date in the file and ends on the date of the first EXIT row; an occasion
# is due on the date of its first row.
EXPECTED: dict[str, set[tuple[Any, ...]]] = {
    "participants": {
        ("A-1", Gender.WOMAN, 1980),
        ("B-2", Gender.MAN, None),
        ("C-3", Gender.OTHER, 1999),
        ("OLD-1", Gender.WOMAN, 1985),  # as registered
    },
    "participations": {
        ("A-1", "Hälsoskolan", Remittent.FK, date(2026, 1, 10), date(2026, 6, 1), "exited"),
        ("B-2", "Nya insatsen", Remittent.AF, date(2026, 1, 15), None, "active"),
        ("C-3", "Hälsoskolan", Remittent.OTHER, date(2026, 1, 10), None, "active"),
        ("OLD-1", "Hälsoskolan", Remittent.FK, date(2025, 3, 1), date(2026, 3, 1), "exited"),
    },
    "occasions of responses": {
        (code, kind, number, due, questionnaire, "submitted", "import", pages, True)
        for code, kind, number, due, questionnaire, pages in [
            ("A-1", "start", 0, date(2026, 1, 10), "eq5d-3l", 6),
            ("A-1", "exit", 0, date(2026, 6, 1), "eq5d-3l", 6),
            ("A-1", "exit", 0, date(2026, 6, 1), "nojdhet", 2),
            ("B-2", "followup", 1, date(2026, 2, 1), "nojdhet", 2),
            ("B-2", "start", 0, date(2026, 1, 15), "nojdhet", 2),
            ("OLD-1", "exit", 0, date(2026, 3, 1), "eq5d-3l", 6),
            ("C-3", "start", 0, date(2026, 1, 10), "eq5d-3l", 6),
        ]
    },
    "answers": {
        ("A-1", "start", "eq5d-3l", "MO", 1),
        ("A-1", "start", "eq5d-3l", "VAS", 40),
        ("A-1", "exit", "eq5d-3l", "MO", 2),
        ("A-1", "exit", "nojdhet", "comments", COMMENT),
        ("A-1", "exit", "nojdhet", "recommend", "ja"),
        # B-2's empty comment at followup-1 stores a response without answers
        ("B-2", "start", "nojdhet", "recommend", "nej"),
        ("OLD-1", "exit", "eq5d-3l", "VAS", 55),
        ("C-3", "start", "eq5d-3l", "MO", 3),
    },
}


def _registered_before(app: Flask) -> None:
    with app.app_context():
        skaraborg = factories.forbund("Skaraborg")
        factories.participation(factories.insats(skaraborg, "Hälsoskolan"), "OLD-1")
        db.session.commit()


@pytest.mark.parametrize("check", ["column by column", "row by row"])
def test_an_import_stores_exactly_the_rows_of_the_file(
    app: Flask, monkeypatch: pytest.MonkeyPatch, check: str
) -> None:
    if check == "row by row":
        # The path a file with errors takes: the same rows must be stored either way.
        monkeypatch.setattr(answers, "_check_columns", lambda raw, checker: None)
    _registered_before(app)
    summary = _import(app)
    assert (summary.rows, summary.responses) == (9, 7)
    assert dict(summary.created) == {"deltagare": 3, "deltaganden": 3, "insatser": 1}
    assert _stored(app) == EXPECTED
    with app.app_context():
        new_insats = db.session.scalar(sa.select(Insats).where(Insats.name == "Nya insatsen"))
        assert new_insats is not None
        assert new_insats.start_date == date(2026, 2, 1)  # the date of its first row


def test_an_unreadable_row_late_in_the_file_is_named_and_nothing_is_stored(app: Flask) -> None:
    # A cell beyond csv's field size limit on line 12, after ten good rows.
    text = HEADER + "\n" + "\n".join(ROWS) + "\n" + "B" * 200_000 + "\n"
    with app.app_context(), pytest.raises(answers.ImportRejected) as rejected:
        answers.import_csv(io.StringIO(text), app.extensions["questionnaires"], create_missing=True)
    assert [str(e) for e in rejected.value.errors] == [
        "rad 12, kolumn (hela raden): raden går inte att läsa som CSV"
    ]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_the_same_question_twice_in_a_padded_and_a_plain_row_is_refused(app: Flask) -> None:
    # The same participant code written two ways, and the same occasion and item.
    text = "\n".join(
        [
            HEADER,
            "Skaraborg,Hälsoskolan,a-1,kvinna,1980,start,2026-01-10,eq5d-3l,MO,1,",
            "Skaraborg,Hälsoskolan, A-1 ,kvinna,1980,start,2026-01-11,eq5d-3l,MO,2,",
        ]
    )
    with app.app_context(), pytest.raises(answers.ImportRejected) as rejected:
        answers.import_csv(io.StringIO(text), app.extensions["questionnaires"], create_missing=True)
    assert [str(e) for e in rejected.value.errors] == [
        "rad 3, kolumn item: samma fråga förekommer två gånger för samma mättillfälle"
    ]


def test_the_cycle_collector_is_on_again_after_an_import_stored_or_refused(app: Flask) -> None:
    assert gc.isenabled()
    _import(app)
    assert gc.isenabled()
    with app.app_context(), pytest.raises(answers.ImportRejected):
        answers.import_csv(
            io.StringIO(HEADER + "\n" + ROWS[0] + "\n"),  # the same answers again
            app.extensions["questionnaires"],
            create_missing=True,
        )
    assert gc.isenabled()


def test_a_file_of_only_its_header_stores_nothing_and_says_so(app: Flask) -> None:
    with app.app_context():
        summary = answers.import_csv(
            io.StringIO(HEADER + "\n\n"), app.extensions["questionnaires"], create_missing=True
        )
        db.session.commit()
        assert (summary.rows, summary.responses) == (0, 0)
        assert not any(summary.created.values())
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0
