"""Correcting what was registered about a participant, and finding a participant by code.

Services only flush; the request commits or rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from survey_app import access
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.models import (
    Gender,
    Insats,
    OccasionKind,
    Participant,
    Participation,
    RegistrationCorrection,
    Remittent,
    StaffUser,
)
from survey_app.privacy import audit

# The correctable fields, in the order the history shows them.
FIELD_LABELS = {
    "gender": "Kön",
    "birth_year": "Födelseår",
    "remittent": "Remittent",
    "start_date": "Startdatum",
}


@dataclass(frozen=True)
class Registration:
    gender: Gender
    birth_year: int | None
    remittent: Remittent
    start_date: date


def current_registration(participation: Participation) -> Registration:
    return Registration(
        gender=participation.participant.gender,
        birth_year=participation.participant.birth_year,
        remittent=participation.remittent,
        start_date=participation.start_date,
    )


def _stored(value: object) -> object:
    """A value as the history keeps it: codes, ISO dates and years."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Gender | Remittent):
        return value.value
    return value


def correct_registration(
    participation: Participation, wanted: Registration, reason: str, by: StaffUser
) -> RegistrationCorrection:
    """Change the registration to `wanted`, keeping the old values and the reason.

    Gender and birth year belong to the person, so they change in every participation of the
    person; remittent and start date belong to this participation. A START occasion still on the
    old start date moves with it (follow-ups are counted from the start date)."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Skriv varför uppgifterna rättas.", field="reason")
    before = current_registration(participation)
    changes = {
        name: [_stored(getattr(before, name)), _stored(getattr(wanted, name))]
        for name in FIELD_LABELS
        if getattr(before, name) != getattr(wanted, name)
    }
    if not changes:
        raise DomainError(
            "Inga uppgifter är ändrade. Ändra det som är fel, eller avbryt.", field="reason"
        )
    if "start_date" in changes:
        if participation.exit_date is not None and wanted.start_date > participation.exit_date:
            raise DomainError("Startdatumet kan inte ligga efter avslutsdatumet.", "start_date")
        end = participation.insats.end_date
        if end is not None and wanted.start_date > end:
            raise DomainError("Startdatumet ligger efter insatsens slutdatum.", "start_date")
        for occasion in participation.occasions:
            if occasion.kind == OccasionKind.START and occasion.due_date == before.start_date:
                occasion.due_date = wanted.start_date
    participant = participation.participant
    participant.gender = wanted.gender
    participant.birth_year = wanted.birth_year
    participation.remittent = wanted.remittent
    participation.start_date = wanted.start_date
    correction = RegistrationCorrection(
        participation=participation, corrected_by_id=by.id, changes=changes, reason=reason
    )
    db.session.add(correction)
    db.session.flush()
    # The log names the fields only: values and the reason stay with the participation and are
    # erased with it.
    audit.record(
        "participation_corrected",
        forbund_id=participant.forbund_id,
        object_type="participation",
        object_id=participation.id,
        fields=list(changes),
    )
    return correction


def find_by_code(user: StaffUser, code: str, limit: int = 50) -> list[Participation]:
    """Participations whose code starts with `code`, in the insatser the user works with.

    Anything outside them is simply not there: the caller shows the same "not found" for a code
    that exists elsewhere as for one that exists nowhere."""
    allowed = access.participant_level_insatser(user).with_only_columns(Insats.id)
    return list(
        db.session.scalars(
            sa.select(Participation)
            .join(Participant, Participant.id == Participation.participant_id)
            .where(
                Participant.forbund_id == user.forbund_id,
                Participation.insats_id.in_(allowed),
                Participant.code.startswith(code.strip().upper(), autoescape=True),
            )
            .order_by(Participant.code, Participation.start_date, Participation.id)
            .limit(limit)
        )
    )
