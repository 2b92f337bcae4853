"""Importing answers from paper forms and old spreadsheets: a long CSV, all or nothing.

    forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value

Every row is checked before anything is stored; one bad row rejects the whole file, and the
report lists every bad row (line, column, reason). Imported responses have mode "import".
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, NamedTuple

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.imports.csv_rows import UnreadableRow, header_and_rows
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
from survey_app.survey.services import keep_snapshot

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
    `max_rows` (the web page) refuses a longer file without reading beyond the limit. The file is
    read row by row, and no further than MAX_ERRORS errors."""
    rows, errors = _parse(stream, registry, max_rows)
    if only_forbund is not None:
        errors += [
            RowError(row.line, "forbund", f"du kan bara importera till {only_forbund}")
            for row in rows
            if row.forbund != only_forbund
        ]
    if not errors:
        errors = _check_against_database(rows, create_missing)
    if errors:
        raise ImportRejected(errors)
    return _store(rows, actor_id)


def _parse(
    stream: IO[str], registry: Registry, max_rows: int | None
) -> tuple[list[_Row], list[RowError]]:
    header, numbered_rows = header_and_rows(stream)
    names = [h.strip().lower() for h in header or []]
    if names not in (HEADER, HEADER + OPTIONAL):
        return [], [
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
    rows: list[_Row] = []
    checker = _RowChecker(registry, width=len(names))
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


def _check_against_database(rows: list[_Row], create_missing: bool) -> list[RowError]:
    errors: list[RowError] = []
    forbunds = {f.name: f for f in db.session.scalars(sa.select(Forbund))}
    names = {row.forbund for row in rows} & forbunds.keys()
    insatser = {
        (forbund_id, name)
        for forbund_id, name in db.session.execute(
            sa.select(Insats.forbund_id, Insats.name).where(
                Insats.forbund_id.in_([forbunds[n].id for n in names])
            )
        )
    }
    genders = _participant_genders([forbunds[n].id for n in names])
    for row in rows:
        forbund = forbunds.get(row.forbund)
        if forbund is None:
            if not create_missing:
                errors.append(
                    RowError(row.line, "forbund", f"förbundet {row.forbund!r} finns inte")
                )
            continue
        if (forbund.id, row.insats) not in insatser and not create_missing:
            errors.append(
                RowError(row.line, "insats", f"insatsen {row.insats!r} finns inte i {row.forbund}")
            )
        gender = genders.get((forbund.id, row.participant))
        if gender is None and not create_missing:
            errors.append(
                RowError(row.line, "participant", f"deltagaren {row.participant!r} finns inte")
            )
        elif gender is not None and gender != row.gender:
            errors.append(
                RowError(row.line, "gender", "stämmer inte med deltagarens registrerade kön")
            )
    return errors


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


# Rows are stored with bulk INSERTs (not one ORM object per answer): a historical file can hold a
# million answers. Ids are read back by natural key after each insert.
INSERT_CHUNK = 10_000


def _insert(model: Any, values: list[dict[str, Any]]) -> None:
    for i in range(0, len(values), INSERT_CHUNK):
        db.session.execute(model.__table__.insert(), values[i : i + INSERT_CHUNK])


def _insert_answers(values: list[tuple[int, str, Any]]) -> None:
    """(response id, item id, value) rows, handed to the driver as they are: by COPY on
    PostgreSQL, by the driver's executemany on SQLite, inside the same transaction and without
    SQLAlchemy's per-row parameter processing. The JSON text of each distinct value is made once
    (answers repeat a handful of values)."""
    texts: dict[tuple[type, Any], str] = {}

    def as_json(value: Any) -> str:
        key = (type(value), tuple(value) if isinstance(value, list) else value)
        text = texts.get(key)
        if text is None:
            text = texts[key] = json.dumps(value)
        return text

    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        statement = "INSERT INTO answer (response_id, item_id, value) VALUES (?, ?, ?)"
        for i in range(0, len(values), INSERT_CHUNK * 10):
            chunk = values[i : i + INSERT_CHUNK * 10]
            connection.exec_driver_sql(statement, [(r, item, as_json(v)) for r, item, v in chunk])
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101
    with (
        driver.cursor() as cursor,
        cursor.copy("COPY answer (response_id, item_id, value) FROM STDIN") as copy,
    ):
        for response_id, item_id, value in values:
            copy.write_row((response_id, item_id, as_json(value)))


def _store(rows: list[_Row], actor_id: int | None) -> ImportSummary:
    summary = ImportSummary(rows=len(rows))
    forbunds: dict[str, Forbund] = {}
    insatser: dict[tuple[str, str], Insats] = {}
    for row in rows:
        if row.forbund not in forbunds:
            forbunds[row.forbund] = _get_or_create_forbund(row.forbund, summary)
        if (row.forbund, row.insats) not in insatser:
            insatser[(row.forbund, row.insats)] = _get_or_create_insats(
                forbunds[row.forbund], row, summary
            )
    forbund_ids = [f.id for f in forbunds.values()]
    insats_ids = [i.id for i in insatser.values()]
    people = _store_participants(rows, forbunds, summary)
    participation_keys = [
        (
            insatser[(row.forbund, row.insats)].id,
            people[(forbunds[row.forbund].id, row.participant)],
        )
        for row in rows
    ]
    series = _store_participations(rows, participation_keys, insats_ids, summary)
    occasion_keys = [
        (series[key], str(row.occasion[0]), row.occasion[1])
        for row, key in zip(rows, participation_keys, strict=True)
    ]
    occasions = _store_occasions(rows, occasion_keys, insats_ids)
    response_keys = [
        (occasions[key], row.questionnaire.id) for row, key in zip(rows, occasion_keys, strict=True)
    ]
    response_ids = _store_responses(rows, response_keys, insats_ids, summary)
    _insert_answers(
        [
            (response_ids[key], row.item, row.value)
            for row, key in zip(rows, response_keys, strict=True)
            if row.value is not None
        ]
    )
    audit.record(
        "responses_imported",
        actor_id=actor_id,
        forbund_id=forbund_ids[0] if len(forbund_ids) == 1 else None,
        rows=summary.rows,
        responses=summary.responses,
    )
    return summary


def _store_participants(
    rows: list[_Row], forbunds: dict[str, Forbund], summary: ImportSummary
) -> dict[tuple[int, str], int]:
    """Participant ids by (förbund id, code), creating the missing ones."""
    forbund_ids = [f.id for f in forbunds.values()]
    people = _participant_ids(forbund_ids)
    new: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        key = (forbunds[row.forbund].id, row.participant)
        if key not in people and key not in new:
            new[key] = {
                "forbund_id": key[0],
                "code": row.participant,
                "gender": row.gender,
                "birth_year": row.birth_year,
            }
    _insert(Participant, list(new.values()))
    summary.created["deltagare"] += len(new)
    return _participant_ids(forbund_ids) if new else people


def _store_participations(
    rows: list[_Row],
    keys: list[tuple[int, int]],
    insats_ids: list[int],
    summary: ImportSummary,
) -> dict[tuple[int, int], int]:
    """Participation ids by (insats id, participant id): the participant's latest one in the
    insats, else a new one starting on the participant's first date in the file, referred by
    the file's remittent ("annan" when the file gives none). An EXIT in the file ends a
    participation that has no exit date yet; an existing participation keeps its remittent."""
    first_day: dict[tuple[int, int], date] = {}
    exit_day: dict[tuple[int, int], date] = {}
    remittent: dict[tuple[int, int], Remittent] = {}
    for row, key in zip(rows, keys, strict=True):
        first_day[key] = min(first_day.get(key, row.day), row.day)
        if row.remittent is not None:
            remittent.setdefault(key, row.remittent)
        if row.occasion[0] == OccasionKind.EXIT and key not in exit_day:
            exit_day[key] = row.day
    series = _participations(insats_ids)
    new: list[dict[str, Any]] = []
    for key, day in first_day.items():
        if key in series:
            continue
        end = max(exit_day[key], day) if key in exit_day else None
        new.append(
            {
                "insats_id": key[0],
                "participant_id": key[1],
                "remittent": remittent.get(key, Remittent.OTHER),
                "start_date": day,
                "exit_date": end,
                "status": ParticipationStatus.EXITED if end else ParticipationStatus.ACTIVE,
            }
        )
    _insert(Participation, new)
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
    rows: list[_Row], keys: list[tuple[int, str, int]], insats_ids: list[int]
) -> dict[tuple[int, str, int], int]:
    """Occasion ids by (participation id, kind, number); new ones due on their first date."""
    occasions = _occasion_ids(insats_ids)
    new: dict[tuple[int, str, int], dict[str, Any]] = {}
    for row, key in zip(rows, keys, strict=True):
        if key not in occasions and key not in new:
            new[key] = {
                "participation_id": key[0],
                "kind": row.occasion[0],
                "number": key[2],
                "due_date": row.day,
            }
    _insert(Occasion, list(new.values()))
    return _occasion_ids(insats_ids) if new else occasions


def _store_responses(
    rows: list[_Row],
    keys: list[tuple[int, str]],
    insats_ids: list[int],
    summary: ImportSummary,
) -> dict[tuple[int, str], int]:
    """Response ids by (occasion id, questionnaire id). There is one response per occasion and
    questionnaire: an existing one rejects the file."""
    existing = _response_ids(insats_ids)
    new: dict[tuple[int, str], dict[str, Any]] = {}
    now = utcnow()
    for row, key in zip(rows, keys, strict=True):
        if key in existing:
            raise ImportRejected(
                [
                    RowError(
                        row.line,
                        "questionnaire",
                        "det finns redan svar på det här formuläret vid det här tillfället",
                    )
                ]
            )
        if key not in new:
            new[key] = {
                "occasion_id": key[0],
                "questionnaire_id": row.questionnaire.id,
                "questionnaire_version": row.questionnaire.version,
                "content_hash": row.questionnaire.content_hash,
                "status": ResponseStatus.SUBMITTED,
                "mode": ResponseMode.IMPORT,
                "submitted_at": now,
                "pages_saved": len(row.questionnaire.pages),
            }
    for questionnaire in {
        row.questionnaire.content_hash: row.questionnaire for row in rows
    }.values():
        keep_snapshot(questionnaire)
    _insert(Response, list(new.values()))
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


def _get_or_create_insats(forbund: Forbund, row: _Row, summary: ImportSummary) -> Insats:
    insats = db.session.scalar(
        sa.select(Insats).where(Insats.forbund_id == forbund.id, Insats.name == row.insats)
    )
    if insats is None:
        insats = Insats(
            forbund_id=forbund.id, name=row.insats, start_date=row.day, goals=[], bundles={}
        )
        db.session.add(insats)
        db.session.flush()
        summary.created["insatser"] += 1
    return insats
