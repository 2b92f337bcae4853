"""Importing answers from paper forms and old spreadsheets: a long CSV, all or nothing.

    forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value

Every row is checked before anything is stored; one bad row rejects the whole file, and the
report lists every bad row (line, column, reason). Imported responses have mode "import".
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

import sqlalchemy as sa

from survey_app import audit
from survey_app.extensions import db
from survey_app.models import (
    Answer,
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
from survey_app.questionnaires import Item, ItemType, Questionnaire, Registry
from survey_app.questionnaires.definition import DECLINE, NO, YES
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
OCCASION = re.compile(r"^(start|exit|followup-([1-9][0-9]?))$")


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


@dataclass(frozen=True)
class _Row:
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


def import_csv(
    stream: IO[str],
    registry: Registry,
    *,
    create_missing: bool,
    actor_id: int | None = None,
    only_forbund: str | None = None,
) -> ImportSummary:
    """Check every row, then store everything in the current transaction (flush only).

    `only_forbund` (the web page) restricts the file to the signed-in admin's own förbund."""
    rows, errors = _parse(stream, registry)
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


def _parse(stream: IO[str], registry: Registry) -> tuple[list[_Row], list[RowError]]:
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != HEADER:
        return [], [RowError(1, "(rubrik)", "första raden ska vara: " + ",".join(HEADER))]
    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: set[tuple[str, ...]] = set()
    for line, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(HEADER):
            errors.append(
                RowError(line, "(hela raden)", f"{len(raw)} kolumner, ska vara {len(HEADER)}")
            )
            continue
        cells = dict(zip(HEADER, (c.strip() for c in raw), strict=True))
        row_errors: list[RowError] = []

        def bad(column: str, reason: str, errs: list[RowError] = row_errors, n: int = line) -> None:
            errs.append(RowError(n, column, reason))

        for required in (
            "forbund",
            "insats",
            "participant",
            "occasion",
            "date",
            "questionnaire",
            "item",
        ):
            if not cells[required]:
                bad(required, "saknas")
        gender = _gender(cells["gender"])
        if gender is None:
            bad("gender", "ska vara kvinna, man, annat eller ej_uppgivet")
        birth_year = None
        if cells["birth_year"]:
            if (
                not cells["birth_year"].isdigit()
                or not 1900 <= int(cells["birth_year"]) <= date.today().year
            ):
                bad("birth_year", "ska vara ett år med fyra siffror")
            else:
                birth_year = int(cells["birth_year"])
        match = OCCASION.match(cells["occasion"])
        if cells["occasion"] and match is None:
            bad("occasion", "ska vara start, exit eller followup-N")
        day = None
        try:
            day = date.fromisoformat(cells["date"]) if cells["date"] else None
        except ValueError:
            bad("date", "ska vara ett datum som 2026-03-01")
        questionnaire = registry.get(cells["questionnaire"]) if cells["questionnaire"] else None
        item = questionnaire.item(cells["item"]) if questionnaire and cells["item"] else None
        if cells["questionnaire"] and questionnaire is None:
            bad("questionnaire", f"okänt frågeformulär {cells['questionnaire']!r}")
        elif questionnaire and cells["item"] and item is None:
            bad("item", f"frågan {cells['item']!r} finns inte i {questionnaire.id}")
        value = None
        if item is not None:
            value, problem = parse_value(item, cells["value"])
            if problem:
                bad("value", problem)
        key = tuple(
            cells[c]
            for c in ("forbund", "insats", "participant", "occasion", "questionnaire", "item")
        )
        if not row_errors and key in seen:
            bad("item", "samma fråga förekommer två gånger för samma mättillfälle")
        seen.add(key)
        if row_errors:
            errors.extend(row_errors)
            continue
        assert match and gender and day and questionnaire  # noqa: S101 (checked above)
        kind = OccasionKind.FOLLOWUP if match.group(2) else OccasionKind(match.group(1))
        rows.append(
            _Row(
                line,
                cells["forbund"],
                cells["insats"],
                cells["participant"].upper(),
                gender,
                birth_year,
                (kind, int(match.group(2) or 0)),
                day,
                questionnaire,
                cells["item"],
                value,
            )
        )
    return rows, errors


def parse_value(item: Item, text: str) -> tuple[Any, str | None]:
    """The stored value of a CSV cell for an item, or a Swedish reason why it does not fit."""
    if text == "":
        return None, ("svar saknas" if item.required else None)
    kind = item.type
    if kind in (ItemType.SCALE, ItemType.VAS, ItemType.NUMBER):
        try:
            number: float = float(text.replace(",", "."))
        except ValueError:
            return None, f"{text!r} är inte ett tal"
        if (item.integer or kind != ItemType.NUMBER) and not number.is_integer():
            return None, f"{text!r} ska vara ett heltal"
        if (item.min is not None and number < item.min) or (
            item.max is not None and number > item.max
        ):
            return None, f"{text} ligger utanför {item.min}–{item.max}"
        return (int(number) if number.is_integer() and item.integer else number), None
    if kind == ItemType.YES_NO:
        allowed = (YES, NO, DECLINE) if item.allow_decline else (YES, NO)
        return (text, None) if text in allowed else (None, f"ska vara {', '.join(allowed)}")
    if kind == ItemType.SINGLE_CHOICE:
        return _choice(item, text)
    if kind == ItemType.MULTIPLE_CHOICE:
        values = []
        for part in text.split(";"):
            value, problem = _choice(item, part.strip())
            if problem:
                return None, problem
            values.append(value)
        return values, None
    if kind == ItemType.DATE:
        try:
            return date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, "ska vara ett datum som 2026-03-01"
    limit = item.max_length or 2000
    return (text, None) if len(text) <= limit else (None, f"högst {limit} tecken")


def _choice(item: Item, text: str) -> tuple[Any, str | None]:
    for choice in item.choices:
        if str(choice.value) == text:
            return choice.value, None
    return (
        None,
        f"{text!r} är inget av svarsalternativen ({', '.join(str(c.value) for c in item.choices)})",
    )


def _gender(text: str) -> Gender | None:
    try:
        return Gender(text.strip().lower())
    except ValueError:
        return None


def _check_against_database(rows: list[_Row], create_missing: bool) -> list[RowError]:
    errors: list[RowError] = []
    forbunds = {f.name: f for f in db.session.scalars(sa.select(Forbund))}
    insatser: dict[tuple[int, str], Insats | None] = {}
    participants: dict[tuple[int, str], Participant | None] = {}
    for row in rows:
        forbund = forbunds.get(row.forbund)
        if forbund is None:
            if not create_missing:
                errors.append(
                    RowError(row.line, "forbund", f"förbundet {row.forbund!r} finns inte")
                )
            continue
        insats_key, participant_key = (forbund.id, row.insats), (forbund.id, row.participant)
        if insats_key not in insatser:  # one look-up per name, not per row
            insatser[insats_key] = db.session.scalar(
                sa.select(Insats).where(Insats.forbund_id == forbund.id, Insats.name == row.insats)
            )
        if participant_key not in participants:
            participants[participant_key] = db.session.scalar(
                sa.select(Participant).where(
                    Participant.forbund_id == forbund.id, Participant.code == row.participant
                )
            )
        if insatser[insats_key] is None and not create_missing:
            errors.append(
                RowError(row.line, "insats", f"insatsen {row.insats!r} finns inte i {row.forbund}")
            )
        participant = participants[participant_key]
        if participant is None and not create_missing:
            errors.append(
                RowError(row.line, "participant", f"deltagaren {row.participant!r} finns inte")
            )
        elif participant is not None and participant.gender != row.gender:
            errors.append(
                RowError(row.line, "gender", "stämmer inte med deltagarens registrerade kön")
            )
    return errors


def _store(rows: list[_Row], actor_id: int | None) -> ImportSummary:
    summary = ImportSummary(rows=len(rows))
    forbunds: dict[str, Forbund] = {}
    insatser: dict[tuple[str, str], Insats] = {}
    participants: dict[tuple[str, str], Participant] = {}
    participations: dict[tuple[str, str, str], Participation] = {}
    occasions: dict[tuple[str, str, str, tuple[OccasionKind, int]], Occasion] = {}
    responses: dict[tuple[Any, ...], Response] = {}
    first_day: dict[tuple[str, str, str], date] = {}
    for row in rows:
        key = (row.forbund, row.insats, row.participant)
        first_day[key] = min(first_day.get(key, row.day), row.day)
    for row in rows:
        forbund = forbunds.get(row.forbund) or _get_or_create_forbund(row.forbund, summary)
        forbunds[row.forbund] = forbund
        insats = insatser.get((row.forbund, row.insats)) or _get_or_create_insats(
            forbund, row, summary
        )
        insatser[(row.forbund, row.insats)] = insats
        participant = participants.get(
            (row.forbund, row.participant)
        ) or _get_or_create_participant(forbund, row, summary)
        participants[(row.forbund, row.participant)] = participant
        pkey = (row.forbund, row.insats, row.participant)
        participation = participations.get(pkey) or _get_or_create_participation(
            insats, participant, first_day[pkey], summary
        )
        participations[pkey] = participation
        if row.occasion[0] == OccasionKind.EXIT and participation.exit_date is None:
            participation.exit_date = max(row.day, participation.start_date)
            participation.status = ParticipationStatus.EXITED
        okey = (*pkey, row.occasion)
        occasion = occasions.get(okey) or _get_or_create_occasion(participation, row)
        occasions[okey] = occasion
        rkey = (*okey, row.questionnaire.id)
        response = responses.get(rkey)
        if response is None:
            existing = next(
                (r for r in occasion.responses if r.questionnaire_id == row.questionnaire.id), None
            )
            if existing is not None:
                raise ImportRejected(
                    [
                        RowError(
                            row.line,
                            "questionnaire",
                            "det finns redan svar på det här formuläret vid det här tillfället",
                        )
                    ]
                )
            keep_snapshot(row.questionnaire)
            response = Response(
                occasion=occasion,
                questionnaire_id=row.questionnaire.id,
                questionnaire_version=row.questionnaire.version,
                content_hash=row.questionnaire.content_hash,
                status=ResponseStatus.SUBMITTED,
                mode=ResponseMode.IMPORT,
                submitted_at=utcnow(),
                pages_saved=len(row.questionnaire.pages),
            )
            db.session.add(response)
            responses[rkey] = response
            summary.responses += 1
        if row.value is not None:
            response.answers.append(Answer(item_id=row.item, value=row.value))
    db.session.flush()
    audit.record(
        "responses_imported",
        actor_id=actor_id,
        forbund_id=next(iter(forbunds.values())).id if len(forbunds) == 1 else None,
        rows=summary.rows,
        responses=summary.responses,
    )
    return summary


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


def _get_or_create_participant(forbund: Forbund, row: _Row, summary: ImportSummary) -> Participant:
    participant = db.session.scalar(
        sa.select(Participant).where(
            Participant.forbund_id == forbund.id, Participant.code == row.participant
        )
    )
    if participant is None:
        participant = Participant(
            forbund_id=forbund.id,
            code=row.participant,
            gender=row.gender,
            birth_year=row.birth_year,
        )
        db.session.add(participant)
        db.session.flush()
        summary.created["deltagare"] += 1
    return participant


def _get_or_create_participation(
    insats: Insats, participant: Participant, start: date, summary: ImportSummary
) -> Participation:
    participation = db.session.scalar(
        sa.select(Participation)
        .where(Participation.insats_id == insats.id, Participation.participant_id == participant.id)
        .order_by(Participation.start_date.desc())
    )
    if participation is None:
        participation = Participation(
            participant=participant,
            insats=insats,
            remittent=Remittent.OTHER,
            start_date=start,
            status=ParticipationStatus.ACTIVE,
        )
        db.session.add(participation)
        db.session.flush()
        summary.created["deltaganden"] += 1
    return participation


def _get_or_create_occasion(participation: Participation, row: _Row) -> Occasion:
    kind, number = row.occasion
    occasion = next(
        (o for o in participation.occasions if o.kind == kind and o.number == number), None
    )
    if occasion is None:
        occasion = Occasion(participation=participation, kind=kind, number=number, due_date=row.day)
        db.session.add(occasion)
    return occasion
