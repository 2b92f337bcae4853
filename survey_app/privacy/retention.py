"""Data protection: deleting participant-level data (retention and erasure) and extracting it.

Plain functions over the current transaction (flush only); the caller commits and audits.
What is deleted for a participation: its answers, responses, personal links, follow-up flags,
occasions and the participation itself; the participant (code, gender, birth year) too when no
other participation remains. Audit events hold ids only and stay.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    Answer,
    FollowUpFlag,
    Forbund,
    Insats,
    Invitation,
    Occasion,
    Participant,
    Participation,
    RegistrationCorrection,
    Response,
)

log = logging.getLogger(__name__)


def cutoff(retention_months: int, today: date) -> date:
    """Participations that ended before this date are past the förbund's retention."""
    month = today.month - retention_months
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(today.day, _days_in_month(year, month))
    return date(year, month, day)


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


@dataclass(frozen=True)
class Expired:
    forbund: Forbund
    cutoff: date
    participation_ids: list[int]
    per_insats: dict[str, int]  # insats name → participations


def expired(forbund: Forbund, today: date) -> Expired:
    """The förbund's participations that ended before its retention cutoff."""
    limit = cutoff(forbund.retention_months, today)
    rows = db.session.execute(
        sa.select(Participation.id, Insats.name)
        .join(Insats, Participation.insats_id == Insats.id)
        .where(
            Insats.forbund_id == forbund.id,
            Participation.exit_date.is_not(None),
            Participation.exit_date < limit,
        )
        .order_by(Participation.id)
    ).all()
    return Expired(forbund, limit, [pid for pid, _ in rows], dict(Counter(n for _, n in rows)))


def erase(participation_ids: Sequence[int]) -> dict[str, int]:
    """Delete everything stored about these participations; counts of deleted rows by kind."""
    ids = list(participation_ids)
    if not ids:
        return {}
    occasions = sa.select(Occasion.id).where(Occasion.participation_id.in_(ids))
    responses = sa.select(Response.id).where(Response.occasion_id.in_(occasions))
    participants = set(
        db.session.scalars(sa.select(Participation.participant_id).where(Participation.id.in_(ids)))
    )
    counts = {
        "svar": _delete(sa.delete(Answer).where(Answer.response_id.in_(responses))),
        "formulär": _delete(sa.delete(Response).where(Response.occasion_id.in_(occasions))),
        "länkar": _delete(sa.delete(Invitation).where(Invitation.occasion_id.in_(occasions))),
        "uppföljningar": _delete(
            sa.delete(FollowUpFlag).where(FollowUpFlag.participation_id.in_(ids))
        ),
        "rättelser": _delete(
            sa.delete(RegistrationCorrection).where(
                RegistrationCorrection.participation_id.in_(ids)
            )
        ),
        "mättillfällen": _delete(sa.delete(Occasion).where(Occasion.participation_id.in_(ids))),
        "deltaganden": _delete(sa.delete(Participation).where(Participation.id.in_(ids))),
    }
    remaining = set(
        db.session.scalars(
            sa.select(Participation.participant_id).where(
                Participation.participant_id.in_(participants)
            )
        )
    )
    counts["deltagare"] = _delete(
        sa.delete(Participant).where(Participant.id.in_(participants - remaining))
    )
    db.session.expire_all()
    return counts


def clear_write_ahead_log() -> bool:
    """Call after an erasure or purge is committed. On SQLite the write-ahead log still holds
    the pages as they were before the deletion; a TRUNCATE checkpoint copies the new pages into
    the database file and empties the log. False (and a warning) if a reader kept it from
    finishing within the busy timeout: the next erasure or SQLite's own checkpoints finish it.
    PostgreSQL: nothing to do here (see docs/data-protection.md)."""
    if db.engine.dialect.name != "sqlite":
        return True
    with db.engine.connect() as connection:
        busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.warning("erased data: the SQLite write-ahead log could not be emptied yet")
    return not busy


def _delete(statement: Any) -> int:
    result = db.session.execute(statement, execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)


def extract(participation: Participation) -> dict[str, Any]:
    """Everything stored about one participation (GDPR art. 15), as plain data."""
    participant = participation.participant
    return {
        "deltagare": {
            "kod": participant.code,
            "kön": str(participant.gender),
            "födelseår": participant.birth_year,
            "registrerad": participant.created_at.isoformat(),
        },
        "deltagande": {
            "insats": participation.insats.name,
            "remittent": str(participation.remittent),
            "startdatum": participation.start_date.isoformat(),
            "slutdatum": participation.exit_date.isoformat() if participation.exit_date else None,
            "status": str(participation.status),
            "språk": participation.language or "sv",
        },
        "mättillfällen": [
            {
                "slag": str(occasion.kind),
                "nummer": occasion.number,
                "förfallodag": occasion.due_date.isoformat(),
                "personliga länkar": [
                    {
                        "skapad": link.created_at.isoformat(),
                        "gäller till": link.expires_at.isoformat(),
                        "använd": link.used_at.isoformat() if link.used_at else None,
                        "återkallad": link.revoked_at.isoformat() if link.revoked_at else None,
                    }
                    for link in occasion.invitations
                ],
                "formulär": [
                    {
                        "formulär": response.questionnaire_id,
                        "version": response.questionnaire_version,
                        "status": str(response.status),
                        "sätt": str(response.mode),
                        "språk": response.language,
                        "inskickat": (
                            response.submitted_at.isoformat() if response.submitted_at else None
                        ),
                        "svar": {a.item_id: a.value for a in response.answers},
                    }
                    for response in occasion.responses
                ],
            }
            for occasion in participation.occasions
        ],
        "uppföljningar av våldsfrågor": [
            {
                "skäl": flag.reason,
                "uppstod": flag.raised_at.isoformat(),
                "hanterad": flag.handled_on.isoformat() if flag.handled_on else None,
            }
            for flag in participation.flags
        ],
        "rättelser av registreringen": [
            {
                "rättad": correction.corrected_at.isoformat(),
                "ändringar": {
                    name: {"före": before, "efter": after}
                    for name, (before, after) in correction.changes.items()
                },
                "orsak": correction.reason,
            }
            for correction in participation.corrections
        ],
    }
