"""Importing answers from paper forms and old spreadsheets: a long CSV, all or nothing.

    forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value

Every row is checked before anything is stored; one bad row rejects the whole file, and the
report lists every bad row (line, column, reason). Imported responses have mode "import".
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress
from typing import IO, Any, NamedTuple

import sqlalchemy as sa

from survey_app import cycle_collector
from survey_app.extensions import db
from survey_app.imports.bulk_insert import bulk_insert
from survey_app.imports.csv_rows import UnreadableRow, header_and_all_rows
from survey_app.models import (
    Forbund,
    Gender,
    Insats,
    Occasion,
    OccasionKind,
    Participant,
    Participation,
    ParticipationStatus,
    Remittent,
    Response,
    ResponseMode,
    ResponseStatus,
)
from survey_app.models._types import utcnow
from survey_app.participant_codes import BadCode, check_code
from survey_app.privacy import audit
from survey_app.questionnaires import Item, Questionnaire, Registry
from survey_app.questionnaires.own import questionnaires_for
from survey_app.responses.storage import keep_snapshot

HEADER = [
    "forbund",
    "insats",
    "participant",
    "gender",
    "birth_year",
    "occasion",
    "date",
    "questionnaire",
    "item",
    "value",
]
# An optional last column: who referred the participant (for a participation the file creates).
OPTIONAL = ["remittent"]
OCCASION = re.compile(r"^(start|exit|followup-([1-9][0-9]?))$")
# The remittent as written in a file: the stored code, or the authority's name.
REMITTENT_TEXTS = {
    **{r.value: r for r in Remittent},
    "försäkringskassan": Remittent.FK,
    "arbetsförmedlingen": Remittent.AF,
    "socialtjänst": Remittent.MUNICIPALITY,
    "annat": Remittent.OTHER,
}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"rad {self.line}, kolumn {self.column}: {self.reason}"


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} fel")
        self.errors = errors


@dataclass
class ImportSummary:
    rows: int = 0
    responses: int = 0
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class _Row(NamedTuple):
    line: int
    forbund: str
    insats: str
    participant: str
    gender: Gender
    birth_year: int | None
    occasion: tuple[OccasionKind, int]
    day: date
    questionnaire: Questionnaire
    item: str
    value: Any
    remittent: Remittent | None = None


def import_csv(
    stream: IO[str],
    registry: Registry,
    *,
    create_missing: bool,
    actor_id: int | None = None,
    only_forbund: str | None = None,
    max_rows: int | None = None,
) -> ImportSummary:
    """Check every row, then store everything in the current transaction (flush only).

    `only_forbund` (the web page) restricts the file to the signed-in admin's own förbund;
    `max_rows` (the web page) refuses a longer file without reading beyond the limit. A file
    with errors is reported up to MAX_ERRORS errors."""
    with cycle_collector.paused():
        return _import(stream, registry, create_missing, actor_id, only_forbund, max_rows)


def _import(
    stream: IO[str],
    registry: Registry,
    create_missing: bool,
    actor_id: int | None,
    only_forbund: str | None,
    max_rows: int | None,
) -> ImportSummary:
    checked, errors = _parse(stream, registry, max_rows)
    if only_forbund is not None:
        errors += [
            RowError(line, "forbund", f"du kan bara importera till {only_forbund}")
            for line, head in zip(checked.lines, checked.head, strict=True)
            if checked.heads[head].forbund != only_forbund
        ]
    if not errors:
        errors = _check_against_database(checked, create_missing)
    if errors:
        raise ImportRejected(errors)
    return _store(checked, actor_id)


class _Who(NamedTuple):
    """Who answered where and when: the first seven cells of a row, checked."""

    forbund: str
    insats: str
    participant: str
    gender: Gender
    birth_year: int | None
    occasion: tuple[OccasionKind, int]
    day: date


class _Answer(NamedTuple):
    questionnaire: Questionnaire
    item: str
    value: Any


@dataclass
class _Checked:
    """The checked rows in columns: row i, on line `lines[i]`, is `heads[head[i]]` answering
    `answers[answer[i]]`. A file repeats the same seven first cells for every answer of an
    occasion and a handful of distinct answers per item, so the per-row columns are two lists of
    numbers and everything else is worked out once per distinct head or answer."""

    lines: Sequence[int]
    heads: list[_Who]
    remittents: list[Remittent | None]  # per head: the remittent its rows give, if any
    answers: list[_Answer]
    head: list[int]
    answer: list[int]

    @classmethod
    def of_rows(cls, rows: list[_Row]) -> _Checked:
        return cls(
            lines=[row.line for row in rows],
            heads=[_Who(*row[1:8]) for row in rows],
            remittents=[row.remittent for row in rows],
            answers=[_Answer(row.questionnaire, row.item, row.value) for row in rows],
            head=list(range(len(rows))),
            answer=list(range(len(rows))),
        )


def _parse(
    stream: IO[str], registry: Registry, max_rows: int | None
) -> tuple[_Checked, list[RowError]]:
    """The checked rows and the errors. The whole file is checked column by column first
    (`_check_columns`); a file that does not pass that way is checked again row by row, which
    finds every error with its line and column in the order of the file."""
    header, raw, unreadable = header_and_all_rows(
        stream, None if max_rows is None else max_rows + 1
    )
    names = [h.strip().lower() for h in header or []]
    if names not in (HEADER, HEADER + OPTIONAL):
        return _Checked.of_rows([]), [
            RowError(
                1,
                "(rubrik)",
                "första raden ska vara: "
                + ",".join(HEADER)
                + " (och om ni vill en sista kolumn: "
                + ",".join(OPTIONAL)
                + ")",
            )
        ]
    checker = _RowChecker(registry, width=len(names))
    if unreadable is None and (max_rows is None or len(raw) <= max_rows):
        checked = _check_columns(raw, checker)
        if checked is not None:
            return checked, []
    rows, errors = _check_rows(_numbered(raw, unreadable), checker, max_rows)
    return _Checked.of_rows(rows), errors


def _numbered(raw: list[list[str]], unreadable: int | None) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of the rows read, then the unreadable line (as csv_rows reads a file)."""
    for index, cells in enumerate(raw):
        yield index + 2, cells
    if unreadable is not None:
        raise UnreadableRow(unreadable)


def _check_rows(
    numbered_rows: Iterator[tuple[int, list[str]]], checker: _RowChecker, max_rows: int | None
) -> tuple[list[_Row], list[RowError]]:
    rows: list[_Row] = []
    errors = checker.errors
    try:
        for line, raw in numbered_rows:
            if max_rows is not None and line > max_rows + 1:
                errors.append(
                    RowError(
                        line,
                        "(fil)",
                        f"högst {max_rows} rader per fil här; dela upp filen i mindre delar, "
                        "eller be den som sköter tjänstens drift att importera den åt er",
                    )
                )
                break
            if len(errors) >= MAX_ERRORS:
                errors.append(RowError(line, "(fil)", f"kontrollen avbröts efter {MAX_ERRORS} fel"))
                break
            row = checker.check(line, raw)
            if row is not None:
                rows.append(row)
    except UnreadableRow as unreadable:
        errors.append(RowError(unreadable.line, "(hela raden)", "raden går inte att läsa som CSV"))
    return rows, errors + _remittents_agree(rows)


def _check_columns(raw: list[list[str]], checker: _RowChecker) -> _Checked | None:
    """The rows checked column by column, each distinct cell (or set of cells) once; None as
    soon as anything is wrong (`_check_rows` then finds and words every error). It accepts
    exactly what `_RowChecker.check` accepts, without a loop in Python over the rows."""
    width = checker.width
    lines: Sequence[int] = range(2, len(raw) + 2)
    if any(len(cells) != width for cells in raw):
        if any(len(cells) != width and any(c.strip() for c in cells) for cells in raw):
            return None
        kept = [i for i, cells in enumerate(raw) if len(cells) == width]
        raw, lines = [raw[i] for i in kept], [i + 2 for i in kept]
    columns = [list(map(str.strip, column)) for column in zip(*raw, strict=True)]
    if not columns:
        return _Checked.of_rows([])
    if "" in columns[0]:
        # A row of empty cells is skipped; any other row without its förbund is an error.
        blank = {i for i, name in enumerate(columns[0]) if not name}
        if any(column[i] for column in columns for i in blank):
            return None
        kept = [i for i in range(len(columns[0])) if i not in blank]
        columns = [[column[i] for i in kept] for column in columns]
        lines = [lines[i] for i in kept]
        if not kept:
            return _Checked.of_rows([])

    # (The tuples of cells are made twice rather than held: a million rows of them is a few
    # hundred MB.)
    number_of_head = {
        cells: i for i, cells in enumerate(dict.fromkeys(zip(*columns[:7], strict=True)))
    }
    heads: list[_Who] = []
    occasion_texts: list[tuple[str, str, str, str]] = []
    for cells in number_of_head:
        head = checker.heads.get(cells)
        if head is None:
            head = checker.heads[cells] = checker._head(cells)
        if head.missing or head.problems:
            return None
        code, gender, occasion, day = head.code, head.gender, head.occasion, head.day
        assert isinstance(code, str) and gender and occasion and day  # noqa: S101 (checked)
        heads.append(_Who(cells[0], cells[1], code, gender, head.birth_year, occasion, day))
        occasion_texts.append((cells[0], cells[1], code, cells[5]))
    head_of_row = list(map(number_of_head.__getitem__, zip(*columns[:7], strict=True)))

    answer_columns = (columns[0], columns[7], columns[8], columns[9])
    number_of_answer = {
        cells: i for i, cells in enumerate(dict.fromkeys(zip(*answer_columns, strict=True)))
    }
    answers: list[_Answer] = []
    for cells in number_of_answer:
        forbund, questionnaire_id, item_id, value_text = cells
        if not questionnaire_id or not item_id:
            return None
        if cells not in checker.values:
            checker.values[cells] = _value(
                checker.registry_of(forbund), questionnaire_id, item_id, value_text
            )
        questionnaire, value, problem = checker.values[cells]
        if problem is not None or questionnaire is None:
            return None
        answers.append(_Answer(questionnaire, item_id, value))
    answer_of_row = list(map(number_of_answer.__getitem__, zip(*answer_columns, strict=True)))

    # The same question twice at the same occasion (the row check's "seen" keys), as one
    # number per row: occasion number × number of questions + question number.
    occasion_numbers = {key: i for i, key in enumerate(dict.fromkeys(occasion_texts))}
    occasion_of_head = list(map(occasion_numbers.__getitem__, occasion_texts))
    question_numbers = {
        key: i for i, key in enumerate(dict.fromkeys((c[1], c[2]) for c in number_of_answer))
    }
    question_of_answer = [question_numbers[(c[1], c[2])] for c in number_of_answer]
    asked = set(
        map(
            int.__add__,
            map(len(question_numbers).__mul__, map(occasion_of_head.__getitem__, head_of_row)),
            map(question_of_answer.__getitem__, answer_of_row),
        )
    )
    if len(asked) != len(head_of_row):
        return None

    remittents: list[Remittent | None] = [None] * len(heads)
    if width > len(HEADER):
        first: dict[tuple[str, str, str], Remittent] = {}
        for head_number, text in dict.fromkeys(zip(head_of_row, columns[10], strict=True)):
            if not text:
                continue
            remittent = REMITTENT_TEXTS.get(text.lower())
            if remittent is None:
                return None
            who = heads[head_number]
            if first.setdefault((who.forbund, who.insats, who.participant), remittent) != remittent:
                return None
            remittents[head_number] = remittent
    return _Checked(lines, heads, remittents, answers, head_of_row, answer_of_row)


def _remittents_agree(rows: list[_Row]) -> list[RowError]:
    """One remittent per participant and insats in a file (empty cells say nothing)."""
    first: dict[tuple[str, str, str], Remittent] = {}
    errors = []
    for row in rows:
        if row.remittent is None:
            continue
        key = (row.forbund, row.insats, row.participant)
        known = first.setdefault(key, row.remittent)
        if known != row.remittent:
            errors.append(
                RowError(
                    row.line,
                    "remittent",
                    f"deltagaren har remittenten {known.value} på en tidigare rad i samma insats",
                )
            )
    return errors


# Errors are reported up to this many; the check stops there (a file of wrong columns would
# otherwise give ten errors a row).
MAX_ERRORS = 1000


class _Head(NamedTuple):
    """The first seven cells of a row (who, where, when), checked once per distinct text: a
    response's rows repeat them."""

    missing: list[tuple[str, str]]  # (column, reason) of required cells left empty
    problems: list[tuple[str, str]]
    code: str | BadCode | None
    gender: Gender | None
    birth_year: int | None
    occasion: tuple[OccasionKind, int] | None
    day: date | None


@dataclass
class _RowChecker:
    """Checks one row at a time. A file of a million rows repeats a few hundred distinct cells
    per column and the same seven first cells for every answer of a response: each distinct
    text is checked once and the outcome reused."""

    registry: Registry
    width: int = len(HEADER)  # with the optional column(s) or without
    errors: list[RowError] = field(default_factory=list)
    seen: set[tuple[str, ...]] = field(default_factory=set)
    heads: dict[tuple[str, ...], _Head] = field(default_factory=dict)
    genders: dict[str, Gender | None] = field(default_factory=dict)
    years: dict[str, int | str | None] = field(default_factory=dict)
    occasions: dict[str, tuple[OccasionKind, int] | None] = field(default_factory=dict)
    days: dict[str, date | None] = field(default_factory=dict)
    codes: dict[str, str | BadCode] = field(default_factory=dict)
    values: dict[tuple[str, str, str, str], tuple[Questionnaire | None, Any, RowError | None]] = (
        field(default_factory=dict)
    )
    registries: dict[str, Registry] = field(default_factory=dict)

    def registry_of(self, forbund_name: str) -> Registry:
        """The förbund's own questionnaires over the shipped ones; the given registry for a
        förbund that has none (or does not exist yet)."""
        known = self.registries.get(forbund_name)
        if known is None:
            found = db.session.scalar(sa.select(Forbund).where(Forbund.name == forbund_name))
            known = self.registry
            if found is not None and found.questionnaire_generation:
                known = questionnaires_for(found)
            self.registries[forbund_name] = known
        return known

    def check(self, line: int, raw: list[str]) -> _Row | None:
        """The row, or None (a blank row, or one with errors, which are added to `errors`)."""
        if len(raw) != self.width:
            if any(cell.strip() for cell in raw):
                self.errors.append(
                    RowError(line, "(hela raden)", f"{len(raw)} kolumner, ska vara {self.width}")
                )
            return None
        cells = [c.strip() for c in raw]
        if not any(cells):
            return None
        head_cells = tuple(cells[:7])
        head = self.heads.get(head_cells)
        if head is None:
            head = self.heads[head_cells] = self._head(head_cells)
        questionnaire_id, item_id, value_text = cells[7:10]
        remittent_text = cells[10].lower() if self.width > len(HEADER) else ""
        row_errors = [RowError(line, column, reason) for column, reason in head.missing]
        if not questionnaire_id:
            row_errors.append(RowError(line, "questionnaire", "saknas"))
        if not item_id:
            row_errors.append(RowError(line, "item", "saknas"))
        row_errors += [RowError(line, column, reason) for column, reason in head.problems]
        value_key = (head_cells[0], questionnaire_id, item_id, value_text)
        if value_key not in self.values:
            self.values[value_key] = _value(
                self.registry_of(head_cells[0]), questionnaire_id, item_id, value_text
            )
        questionnaire, value, problem = self.values[value_key]
        if problem is not None:
            row_errors.append(RowError(line, problem.column, problem.reason))
        remittent = REMITTENT_TEXTS.get(remittent_text)
        if remittent_text and remittent is None:
            row_errors.append(
                RowError(line, "remittent", "ska vara fk, af, kommun, region, annan eller tom")
            )
        code = head.code
        person = code if isinstance(code, str) else head_cells[2]
        forbund, insats, occasion_text = head_cells[0], head_cells[1], head_cells[5]
        key = (forbund, insats, person, occasion_text, questionnaire_id, item_id)
        if not row_errors and key in self.seen:
            row_errors.append(
                RowError(line, "item", "samma fråga förekommer två gånger för samma mättillfälle")
            )
        self.seen.add(key)
        if row_errors:
            self.errors.extend(row_errors)
            return None
        occasion, gender, day = head.occasion, head.gender, head.day
        assert occasion and gender and day and questionnaire  # noqa: S101 (checked above)
        assert isinstance(code, str)  # noqa: S101 (checked above)
        return _Row(
            line,
            forbund,
            insats,
            code,
            gender,
            head.birth_year,
            occasion,
            day,
            questionnaire,
            item_id,
            value,
            remittent,
        )

    def _head(self, cells: tuple[str, ...]) -> _Head:
        code_text, gender_text, year_text, occasion_text, day_text = cells[2:7]
        missing = [
            (column, "saknas")
            for column, cell in zip(HEADER[:7], cells, strict=True)
            if not cell and column in REQUIRED
        ]
        problems: list[tuple[str, str]] = []
        if code_text and code_text not in self.codes:
            self.codes[code_text] = _code(code_text)
        code = self.codes.get(code_text)
        if isinstance(code, BadCode):
            problems.append(("participant", code.message))
        if gender_text not in self.genders:
            self.genders[gender_text] = _gender(gender_text)
        gender = self.genders[gender_text]
        if gender is None:
            problems.append(("gender", "ska vara kvinna, man, annat eller ej_uppgivet"))
        if year_text not in self.years:
            self.years[year_text] = _birth_year(year_text)
        birth_year = self.years[year_text]
        if isinstance(birth_year, str):
            problems.append(("birth_year", birth_year))
            birth_year = None
        if occasion_text not in self.occasions:
            self.occasions[occasion_text] = _occasion(occasion_text)
        occasion = self.occasions[occasion_text]
        if occasion_text and occasion is None:
            problems.append(("occasion", "ska vara start, exit eller followup-N"))
        if day_text not in self.days:
            self.days[day_text] = _day(day_text)
        day = self.days[day_text]
        if day_text and day is None:
            problems.append(("date", "ska vara ett datum som 2026-03-01"))
        return _Head(missing, problems, code, gender, birth_year, occasion, day)


REQUIRED = frozenset(
    ("forbund", "insats", "participant", "occasion", "date", "questionnaire", "item")
)


def _code(text: str) -> str | BadCode:
    """The stored form of a participant code, or why it breaks the service's code rule."""
    try:
        return check_code(text)
    except BadCode as error:
        return error


def _birth_year(text: str) -> int | str | None:
    """The year, None when empty, or the reason it is wrong."""
    if not text:
        return None
    if not text.isdigit() or not 1900 <= int(text) <= date.today().year:
        return "ska vara ett år med fyra siffror"
    return int(text)


def _occasion(text: str) -> tuple[OccasionKind, int] | None:
    match = OCCASION.match(text)
    if match is None:
        return None
    if match.group(2):
        return OccasionKind.FOLLOWUP, int(match.group(2))
    return OccasionKind(match.group(1)), 0


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _value(
    registry: Registry, questionnaire_id: str, item_id: str, text: str
) -> tuple[Questionnaire | None, Any, RowError | None]:
    """The questionnaire and the stored value of a row, or the problem (line 0: filled in by
    the caller)."""
    questionnaire = registry.get(questionnaire_id) if questionnaire_id else None
    if questionnaire_id and questionnaire is None:
        return None, None, RowError(0, "questionnaire", f"okänt frågeformulär {questionnaire_id!r}")
    item = questionnaire.item(item_id) if questionnaire and item_id else None
    if questionnaire and item_id and item is None:
        return (
            questionnaire,
            None,
            RowError(0, "item", f"frågan {item_id!r} finns inte i {questionnaire.id}"),
        )
    if item is None:
        return questionnaire, None, None
    value, problem = parse_value(item, text)
    return questionnaire, value, RowError(0, "value", problem) if problem else None


def parse_value(item: Item, text: str) -> tuple[Any, str | None]:
    """The stored value of a CSV cell for an item, or a Swedish reason why it does not fit."""
    if text == "":
        return None, ("svar saknas" if item.required else None)
    return item.kind.parse(item, text)


def _gender(text: str) -> Gender | None:
    try:
        return Gender(text.strip().lower())
    except ValueError:
        return None


def _check_against_database(checked: _Checked, create_missing: bool) -> list[RowError]:
    """The rows whose förbund, insats or participant is unknown (unless they are to be created)
    or whose gender differs from the participant's; worked out once per distinct head."""
    forbunds = {f.name: f for f in db.session.scalars(sa.select(Forbund))}
    names = {who.forbund for who in checked.heads} & forbunds.keys()
    insatser = {
        (forbund_id, name)
        for forbund_id, name in db.session.execute(
            sa.select(Insats.forbund_id, Insats.name).where(
                Insats.forbund_id.in_([forbunds[n].id for n in names])
            )
        )
    }
    genders = _participant_genders([forbunds[n].id for n in names])
    found: dict[tuple[str, str, str, Gender], list[tuple[str, str]]] = {}
    for who in checked.heads:
        key = (who.forbund, who.insats, who.participant, who.gender)
        if key not in found:
            found[key] = _unknown(who, forbunds, insatser, genders, create_missing)
    problems = [found[(w.forbund, w.insats, w.participant, w.gender)] for w in checked.heads]
    if not any(problems):
        return []
    return [
        RowError(line, column, reason)
        for line, head in zip(checked.lines, checked.head, strict=True)
        for column, reason in problems[head]
    ]


def _unknown(
    who: _Who,
    forbunds: dict[str, Forbund],
    insatser: set[tuple[int, str]],
    genders: dict[tuple[int, str], Gender],
    create_missing: bool,
) -> list[tuple[str, str]]:
    """(column, reason) of what the database does not know or knows otherwise."""
    forbund = forbunds.get(who.forbund)
    if forbund is None:
        return [] if create_missing else [("forbund", f"förbundet {who.forbund!r} finns inte")]
    problems = []
    if (forbund.id, who.insats) not in insatser and not create_missing:
        problems.append(("insats", f"insatsen {who.insats!r} finns inte i {who.forbund}"))
    gender = genders.get((forbund.id, who.participant))
    if gender is None and not create_missing:
        problems.append(("participant", f"deltagaren {who.participant!r} finns inte"))
    elif gender is not None and gender != who.gender:
        problems.append(("gender", "stämmer inte med deltagarens registrerade kön"))
    return problems


def _participant_genders(forbund_ids: list[int]) -> dict[tuple[int, str], Gender]:
    return {
        (forbund_id, code): Gender(gender)
        for forbund_id, code, gender in db.session.execute(
            sa.select(
                Participant.forbund_id,
                Participant.code,
                sa.type_coerce(Participant.gender, sa.String),
            ).where(Participant.forbund_id.in_(forbund_ids))
        )
    }


# Rows are stored by the database's bulk load (bulk_insert.py), not one ORM object per answer: a
# historical file can hold a million answers. Ids are read back by natural key after each insert.


def _insert_answers(
    response_of_row: list[int], answer_of_row: list[int], answers: list[_Answer]
) -> None:
    """Every row's answer (none for an empty optional cell), handed to the driver as it is: by
    COPY on PostgreSQL, by the driver's executemany on SQLite, inside the same transaction.
    The JSON text of each distinct answer is made once."""
    texts: dict[tuple[type, Any], str] = {}
    json_of_answer = [_as_json(a.value, texts) for a in answers]
    given = list(map((lambda text: text is not None), json_of_answer))
    kept = list(map(given.__getitem__, answer_of_row))
    response_ids = list(compress(response_of_row, kept))
    answer_numbers = list(compress(answer_of_row, kept))
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        statement = "INSERT INTO answer (response_id, item_id, value) VALUES (?, ?, ?)"
        item_of_answer = [a.item for a in answers]
        rows = list(
            zip(
                response_ids,
                map(item_of_answer.__getitem__, answer_numbers),
                map(json_of_answer.__getitem__, answer_numbers),
                strict=True,
            )
        )
        for i in range(0, len(rows), ANSWER_CHUNK):
            connection.exec_driver_sql(statement, rows[i : i + ANSWER_CHUNK])
        return
    # COPY's text format, made with string operations that run in C: each distinct answer's
    # "\t<item>\t<json>\n" once, each row its response id in front of it.
    tails = [
        f"\t{_copy_text(a.item)}\t{_copy_text(text)}\n" if text is not None else ""
        for a, text in zip(answers, json_of_answer, strict=True)
    ]
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101
    with (
        driver.cursor() as cursor,
        cursor.copy("COPY answer (response_id, item_id, value) FROM STDIN") as copy,
    ):
        for i in range(0, len(response_ids), ANSWER_CHUNK):
            copy.write(
                "".join(
                    map(
                        str.__add__,
                        map(str, response_ids[i : i + ANSWER_CHUNK]),
                        map(tails.__getitem__, answer_numbers[i : i + ANSWER_CHUNK]),
                    )
                )
            )


def _copy_text(text: str) -> str:
    """A value in PostgreSQL's COPY text format (backslash, tab and line breaks escaped)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


ANSWER_CHUNK = 100_000


def _store(checked: _Checked, actor_id: int | None) -> ImportSummary:
    """Store the checked rows: förbund, insatser, participants, participations and occasions
    once per distinct head (in the order of the file), responses once per occasion and
    questionnaire, and every answer."""
    summary = ImportSummary(rows=len(checked.head))
    heads = checked.heads
    forbunds: dict[str, Forbund] = {}
    insatser: dict[tuple[str, str], Insats] = {}
    for who in heads:
        if who.forbund not in forbunds:
            forbunds[who.forbund] = _get_or_create_forbund(who.forbund, summary)
        if (who.forbund, who.insats) not in insatser:
            insatser[(who.forbund, who.insats)] = _get_or_create_insats(
                forbunds[who.forbund], who.insats, who.day, summary
            )
    forbund_ids = [f.id for f in forbunds.values()]
    insats_ids = [i.id for i in insatser.values()]
    people = _store_participants(heads, forbunds, summary)
    participation_keys = [
        (insatser[(w.forbund, w.insats)].id, people[(forbunds[w.forbund].id, w.participant)])
        for w in heads
    ]
    series = _store_participations(checked, participation_keys, insats_ids, summary)
    occasion_keys = [
        (series[key], str(who.occasion[0]), who.occasion[1])
        for who, key in zip(heads, participation_keys, strict=True)
    ]
    occasions = _store_occasions(heads, occasion_keys, insats_ids)
    occasion_of_head = [occasions[key] for key in occasion_keys]
    questionnaire_of_answer = [a.questionnaire.id for a in checked.answers]
    response_keys = list(
        zip(
            map(occasion_of_head.__getitem__, checked.head),
            map(questionnaire_of_answer.__getitem__, checked.answer),
            strict=True,
        )
    )
    response_ids = _store_responses(checked, response_keys, insats_ids, summary)
    _insert_answers(
        list(map(response_ids.__getitem__, response_keys)), checked.answer, checked.answers
    )
    audit.record(
        "responses_imported",
        actor_id=actor_id,
        forbund_id=forbund_ids[0] if len(forbund_ids) == 1 else None,
        rows=summary.rows,
        responses=summary.responses,
    )
    return summary


def _as_json(value: Any, texts: dict[tuple[type, Any], str]) -> str | None:
    """The JSON text of a stored value (None for no answer), made once per distinct value."""
    if value is None:
        return None
    key = (type(value), tuple(value) if isinstance(value, list) else value)
    text = texts.get(key)
    if text is None:
        text = texts[key] = json.dumps(value)
    return text


def _store_participants(
    heads: list[_Who], forbunds: dict[str, Forbund], summary: ImportSummary
) -> dict[tuple[int, str], int]:
    """Participant ids by (förbund id, code), creating the missing ones."""
    forbund_ids = [f.id for f in forbunds.values()]
    people = _participant_ids(forbund_ids)
    new: dict[tuple[int, str], tuple[int, str, Gender, int | None]] = {}
    for who in heads:
        key = (forbunds[who.forbund].id, who.participant)
        if key not in people and key not in new:
            new[key] = (key[0], who.participant, who.gender, who.birth_year)
    bulk_insert(Participant.__table__, ("forbund_id", "code", "gender", "birth_year"), new.values())
    summary.created["deltagare"] += len(new)
    return _participant_ids(forbund_ids) if new else people


def _store_participations(
    checked: _Checked,
    keys: list[tuple[int, int]],
    insats_ids: list[int],
    summary: ImportSummary,
) -> dict[tuple[int, int], int]:
    """Participation ids by (insats id, participant id): the participant's latest one in the
    insats, else a new one starting on the participant's first date in the file, referred by
    the file's remittent ("annan" when the file gives none). An EXIT in the file ends a
    participation that has no exit date yet; an existing participation keeps its remittent.
    `keys` are those of the heads (in the order of the file)."""
    first_day: dict[tuple[int, int], date] = {}
    exit_day: dict[tuple[int, int], date] = {}
    remittent: dict[tuple[int, int], Remittent] = {}
    for who, given, key in zip(checked.heads, checked.remittents, keys, strict=True):
        first_day[key] = min(first_day.get(key, who.day), who.day)
        if given is not None:
            remittent.setdefault(key, given)
        if who.occasion[0] == OccasionKind.EXIT and key not in exit_day:
            exit_day[key] = who.day
    series = _participations(insats_ids)
    new: list[tuple[Any, ...]] = []
    for key, day in first_day.items():
        if key in series:
            continue
        end = max(exit_day[key], day) if key in exit_day else None
        new.append(
            (
                key[0],
                key[1],
                remittent.get(key, Remittent.OTHER),
                day,
                end,
                ParticipationStatus.EXITED if end else ParticipationStatus.ACTIVE,
            )
        )
    bulk_insert(
        Participation.__table__,
        ("insats_id", "participant_id", "remittent", "start_date", "exit_date", "status"),
        new,
    )
    summary.created["deltaganden"] += len(new)
    for key, day in exit_day.items():
        if key in series and series[key][2] is None:
            participation_id, start, _ = series[key]
            db.session.execute(
                sa.update(Participation)
                .where(Participation.id == participation_id)
                .values(exit_date=max(day, start), status=ParticipationStatus.EXITED)
            )
    if new:
        series = _participations(insats_ids)
    return {key: value[0] for key, value in series.items()}


def _store_occasions(
    heads: list[_Who], keys: list[tuple[int, str, int]], insats_ids: list[int]
) -> dict[tuple[int, str, int], int]:
    """Occasion ids by (participation id, kind, number); new ones due on their first date."""
    occasions = _occasion_ids(insats_ids)
    new: dict[tuple[int, str, int], tuple[int, OccasionKind, int, date]] = {}
    for who, key in zip(heads, keys, strict=True):
        if key not in occasions and key not in new:
            new[key] = (key[0], who.occasion[0], key[2], who.day)
    bulk_insert(
        Occasion.__table__, ("participation_id", "kind", "number", "due_date"), new.values()
    )
    return _occasion_ids(insats_ids) if new else occasions


def _store_responses(
    checked: _Checked,
    keys: list[tuple[int, str]],
    insats_ids: list[int],
    summary: ImportSummary,
) -> dict[tuple[int, str], int]:
    """Response ids by (occasion id, questionnaire id), `keys` being those of the rows. There
    is one response per occasion and questionnaire: an existing one rejects the file."""
    existing = _response_ids(insats_ids)
    if not existing.keys().isdisjoint(keys):
        line = next(line for line, key in zip(checked.lines, keys, strict=True) if key in existing)
        raise ImportRejected(
            [
                RowError(
                    line,
                    "questionnaire",
                    "det finns redan svar på det här formuläret vid det här tillfället",
                )
            ]
        )
    questionnaires = [a.questionnaire for a in checked.answers]
    # One questionnaire per key: an occasion belongs to one förbund, whose registry gives it.
    new = dict(zip(keys, map(questionnaires.__getitem__, checked.answer), strict=True))
    for questionnaire in {q.content_hash: q for q in questionnaires}.values():
        keep_snapshot(questionnaire)
    now = utcnow()
    bulk_insert(
        Response.__table__,
        (
            "occasion_id",
            "questionnaire_id",
            "questionnaire_version",
            "content_hash",
            "status",
            "mode",
            "submitted_at",
            "pages_saved",
        ),
        (
            (
                occasion_id,
                q.id,
                q.version,
                q.content_hash,
                ResponseStatus.SUBMITTED,
                ResponseMode.IMPORT,
                now,
                len(q.pages),
            )
            for (occasion_id, _), q in new.items()
        ),
    )
    summary.responses = len(new)
    return _response_ids(insats_ids)


def _participant_ids(forbund_ids: list[int]) -> dict[tuple[int, str], int]:
    return {
        (forbund_id, code): pid
        for pid, forbund_id, code in db.session.execute(
            sa.select(Participant.id, Participant.forbund_id, Participant.code).where(
                Participant.forbund_id.in_(forbund_ids)
            )
        )
    }


def _participations(insats_ids: list[int]) -> dict[tuple[int, int], tuple[int, date, date | None]]:
    """(insats, participant) → (id, start date, exit date) of the latest participation."""
    latest: dict[tuple[int, int], tuple[int, date, date | None]] = {}
    for pid, insats_id, participant_id, start, end in db.session.execute(
        sa.select(
            Participation.id,
            Participation.insats_id,
            Participation.participant_id,
            Participation.start_date,
            Participation.exit_date,
        )
        .where(Participation.insats_id.in_(insats_ids))
        .order_by(Participation.start_date, Participation.id)
    ):
        latest[(insats_id, participant_id)] = (pid, start, end)
    return latest


def _occasion_ids(insats_ids: list[int]) -> dict[tuple[int, str, int], int]:
    return {
        (participation_id, kind, number): oid
        for oid, participation_id, kind, number in db.session.execute(
            sa.select(
                Occasion.id,
                Occasion.participation_id,
                sa.type_coerce(Occasion.kind, sa.String),
                Occasion.number,
            )
            .join(Participation, Occasion.participation_id == Participation.id)
            .where(Participation.insats_id.in_(insats_ids))
        )
    }


def _response_ids(insats_ids: list[int]) -> dict[tuple[int, str], int]:
    return {
        (occasion_id, questionnaire_id): rid
        for rid, occasion_id, questionnaire_id in db.session.execute(
            sa.select(Response.id, Response.occasion_id, Response.questionnaire_id)
            .join(Occasion, Response.occasion_id == Occasion.id)
            .join(Participation, Occasion.participation_id == Participation.id)
            .where(Participation.insats_id.in_(insats_ids))
        )
    }


def _get_or_create_forbund(name: str, summary: ImportSummary) -> Forbund:
    forbund = db.session.scalar(sa.select(Forbund).where(Forbund.name == name))
    if forbund is None:
        forbund = Forbund(name=name)
        db.session.add(forbund)
        db.session.flush()
        summary.created["förbund"] += 1
    return forbund


def _get_or_create_insats(
    forbund: Forbund, name: str, first_day: date, summary: ImportSummary
) -> Insats:
    insats = db.session.scalar(
        sa.select(Insats).where(Insats.forbund_id == forbund.id, Insats.name == name)
    )
    if insats is None:
        insats = Insats(
            forbund_id=forbund.id, name=name, start_date=first_day, goals=[], bundles={}
        )
        db.session.add(insats)
        db.session.flush()
        summary.created["insatser"] += 1
    return insats
