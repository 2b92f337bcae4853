"""Registering many participants of an insats from a CSV file: all or nothing.

    code,gender,birth_year,remittent,start_date

Each row is checked exactly as the registration form checks it (the same form class, so the
same Swedish messages), then all are registered in the current transaction; any bad row, or a
code already in use, rejects the file with a report of every bad row and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from werkzeug.datastructures import MultiDict

from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.imports.csv_rows import UnreadableRow, header_and_rows
from survey_app.models import Gender, Insats, Remittent, StaffUser
from survey_app.staff import code_lookups
from survey_app.staff.forms import ParticipantForm
from survey_app.staff.services import CodeUnavailable, NewParticipant, register_participant
from survey_app.wording import plural

HEADER = ["code", "gender", "birth_year", "remittent", "start_date"]
FIELD_NAMES = {
    "code": "kod",
    "gender": "kön",
    "birth_year": "födelseår",
    "remittent": "remittent",
    "start_date": "startdatum",
}
MAX_ROWS = 5000
MAX_ERRORS = 500


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str
    # The refused code, when the row's code cannot be used (code_lookups.py).
    unavailable_code: str | None = None

    def __str__(self) -> str:
        return f"rad {self.line}, {self.column}: {self.reason}"


class Rejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} fel")
        self.errors = errors


def register_all(insats: Insats, stream: IO[str]) -> int:
    """Register every row (flush only; the caller commits); returns how many.

    The file is read row by row and no further than MAX_ROWS rows or MAX_ERRORS errors."""
    header, numbered_rows = header_and_rows(stream)
    if header is None or [h.strip().lower() for h in header] != HEADER:
        raise Rejected([RowError(1, "rubrikraden", "ska vara: " + ",".join(HEADER))])
    rows: list[tuple[int, NewParticipant]] = []
    errors: list[RowError] = []
    try:
        _check_rows(numbered_rows, rows, errors)
    except UnreadableRow as unreadable:
        errors.append(RowError(unreadable.line, "hela raden", "raden går inte att läsa som CSV"))
    for line, data in rows if not errors else []:
        try:
            with db.session.begin_nested():
                register_participant(insats, data)
        except CodeUnavailable as error:
            errors.append(RowError(line, "kod", error.message, unavailable_code=error.code))
        except DomainError as error:
            errors.append(
                RowError(line, FIELD_NAMES.get(error.field or "code", "kod"), error.message)
            )
    if errors:
        raise Rejected(errors)
    return len(rows)


def _check_rows(
    numbered_rows: Iterator[tuple[int, list[str]]],
    rows: list[tuple[int, NewParticipant]],
    errors: list[RowError],
) -> None:
    """Check each row as the registration form does: good rows to `rows`, reasons to `errors`."""
    for line, raw in numbered_rows:
        if line > MAX_ROWS + 1:
            errors.append(RowError(line, "hela filen", f"högst {MAX_ROWS} rader per fil"))
            break
        if len(errors) >= MAX_ERRORS:
            errors.append(
                RowError(line, "hela filen", f"kontrollen avbröts efter {MAX_ERRORS} fel")
            )
            break
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(HEADER):
            columns = plural(len(raw), "kolumn", "kolumner")
            errors.append(RowError(line, "hela raden", f"{columns}, ska vara 5"))
            continue
        form = ParticipantForm(
            formdata=MultiDict(dict(zip(HEADER, (c.strip() for c in raw), strict=True))),
            meta={"csrf": False},
        )
        if not form.validate():
            for name, messages in form.errors.items():
                errors.extend(RowError(line, FIELD_NAMES.get(name, name), m) for m in messages)
            continue
        rows.append(
            (
                line,
                NewParticipant(
                    code=form.code.data or "",
                    gender=Gender(form.gender.data),
                    birth_year=form.birth_year.data,
                    remittent=Remittent(form.remittent.data),
                    start_date=form.start_date.data,
                ),
            )
        )


def screen_unavailable_codes(
    user: StaffUser, forbund_id: int, errors: list[RowError]
) -> list[RowError]:
    """The report to show for a rejected file. Rows whose code cannot be used are charged to
    the user's budget (code_lookups.py); when they are more than it allows, none of them is
    named, so that one file cannot map another insats' codes."""
    refused = [e for e in errors if e.unavailable_code is not None]
    if not refused:
        return errors
    codes = {e.unavailable_code for e in refused if e.unavailable_code}
    budget = code_lookups.remaining(user)
    counted = codes - code_lookups.visible_codes(user, forbund_id, codes)
    if len(counted) <= budget:
        code_lookups.charge(user, forbund_id, codes, linking=False)
        return errors
    code_lookups.charge(user, forbund_id, sorted(counted)[:budget], linking=False)
    others = [e for e in errors if e.unavailable_code is None]
    return [
        *others,
        RowError(
            refused[0].line,
            "kod",
            "flera rader har koder som inte kan användas, fler än vad som kan visas just nu. "
            "Kontrollera koderna mot era egna register och försök igen senare.",
        ),
    ]
