"""Participants (pseudonymous), their participations in insatser, and measurement occasions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models._types import Timestamp, enum_column, utcnow
from survey_app.models.organisation import Forbund, Insats

if TYPE_CHECKING:
    from survey_app.models.responses import Invitation, Response


class Gender(enum.StrEnum):
    WOMAN = "kvinna"
    MAN = "man"
    OTHER = "annat"
    NOT_STATED = "ej_uppgivet"


GENDER_LABELS = {
    Gender.WOMAN: "Kvinna",
    Gender.MAN: "Man",
    Gender.OTHER: "Annat (hen)",
    Gender.NOT_STATED: "Vill inte uppge",
}


class Remittent(enum.StrEnum):
    FK = "fk"
    AF = "af"
    MUNICIPALITY = "kommun"
    REGION = "region"
    OTHER = "annan"


REMITTENT_LABELS = {
    Remittent.FK: "Försäkringskassan",
    Remittent.AF: "Arbetsförmedlingen",
    Remittent.MUNICIPALITY: "Kommun (socialtjänst, AME)",
    Remittent.REGION: "Region (vård, psykiatri)",
    Remittent.OTHER: "Annan",
}


class ParticipationStatus(enum.StrEnum):
    ACTIVE = "active"
    EXITED = "exited"


class OccasionKind(enum.StrEnum):
    START = "start"
    FOLLOWUP = "followup"
    EXIT = "exit"
    AFTER = "after"  # a follow-up a number of months after the exit date


class Participant(db.Model):  # type: ignore[name-defined]
    """A person, known to the service only by a pseudonymous code chosen by the förbund."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(sa.ForeignKey("forbund.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender, "gender"))
    birth_year: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    forbund: Mapped[Forbund] = relationship(back_populates="participants")
    participations: Mapped[list[Participation]] = relationship(back_populates="participant")

    __table_args__ = (
        sa.UniqueConstraint("forbund_id", "code"),
        sa.CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year"
        ),
    )


class Participation(db.Model):  # type: ignore[name-defined]
    """One participant's series in one insats; two insatser make two participations."""

    __tablename__ = "participation"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    insats_id: Mapped[int] = mapped_column(sa.ForeignKey("insats.id"), index=True)
    remittent: Mapped[Remittent] = mapped_column(enum_column(Remittent, "remittent"))
    start_date: Mapped[date]
    exit_date: Mapped[date | None]
    status: Mapped[ParticipationStatus] = mapped_column(
        enum_column(ParticipationStatus, "participation_status"), default=ParticipationStatus.ACTIVE
    )
    # When staff ended the participation in the service (*Avsluta deltagandet*; who did it is
    # in the audit log): the end can be undone for a while after (staff/services.py:
    # END_UNDO_DAYS). Empty for an active participation, and for one that ended before this was
    # kept or came by import.
    ended_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # The language the participant's pages open in (a code of survey_app.i18n.LANGUAGES), chosen
    # by staff at registration; empty = Swedish. Kept on the participation, not the person, so
    # that it is erased with the participation and nothing more is kept than the series needs.
    language: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="participations")
    insats: Mapped[Insats] = relationship(back_populates="participations")
    occasions: Mapped[list[Occasion]] = relationship(
        back_populates="participation", order_by="Occasion.due_date"
    )
    flags: Mapped[list[FollowUpFlag]] = relationship(
        back_populates="participation", order_by="FollowUpFlag.raised_at"
    )
    corrections: Mapped[list[RegistrationCorrection]] = relationship(
        back_populates="participation", order_by="RegistrationCorrection.id"
    )

    __table_args__ = (
        sa.CheckConstraint("exit_date IS NULL OR exit_date >= start_date", name="dates_in_order"),
        sa.CheckConstraint(
            "(status = 'exited') = (exit_date IS NOT NULL)", name="exited_has_exit_date"
        ),
    )


class Occasion(db.Model):  # type: ignore[name-defined]
    """A measurement occasion of a participation: START, follow-up N, EXIT, or a follow-up N
    months after the exit ("after")."""

    __tablename__ = "occasion"

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int] = mapped_column(sa.ForeignKey("participation.id"), index=True)
    kind: Mapped[OccasionKind] = mapped_column(enum_column(OccasionKind, "occasion_kind"))
    # 0 for START and EXIT; 1, 2, ... for follow-ups; months after the exit date for "after".
    number: Mapped[int] = mapped_column(default=0)
    due_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # The last "Lämna sidan snabbt": answers given before it are never shown again.
    quick_exit_at: Mapped[datetime | None] = mapped_column(Timestamp)

    participation: Mapped[Participation] = relationship(back_populates="occasions")
    responses: Mapped[list[Response]] = relationship(back_populates="occasion")
    invitations: Mapped[list[Invitation]] = relationship(back_populates="occasion")

    __table_args__ = (
        sa.UniqueConstraint("participation_id", "kind", "number"),
        sa.CheckConstraint(
            "(kind IN ('followup', 'after') AND number >= 1)"
            " OR (kind NOT IN ('followup', 'after') AND number = 0)",
            name="number_fits_kind",
        ),
    )


class FollowUpFlag(db.Model):  # type: ignore[name-defined]
    """Staff must follow up a participant (e.g. after a "yes" in the violence screening).

    Holds only the reason text of the questionnaire file, never the answers.
    """

    __tablename__ = "follow_up_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int] = mapped_column(sa.ForeignKey("participation.id"), index=True)
    occasion_id: Mapped[int] = mapped_column(sa.ForeignKey("occasion.id"))
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(120))
    raised_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    handled_on: Mapped[date | None]
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))

    participation: Mapped[Participation] = relationship(back_populates="flags")
    occasion: Mapped[Occasion] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("occasion_id", "questionnaire_id"),
        sa.CheckConstraint(
            "(handled_on IS NULL) = (handled_by_id IS NULL)", name="handled_by_whom"
        ),
    )


class RegistrationCorrection(db.Model):  # type: ignore[name-defined]
    """A correction of registration data (birth year, gender, remittent, start date) with the
    reason staff gave; the participant page's history. Kept here rather than in the audit log
    because it holds the values and free text, which must go when the participation is erased;
    the audit event names only the fields."""

    __tablename__ = "registration_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int] = mapped_column(sa.ForeignKey("participation.id"), index=True)
    corrected_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    corrected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    # {field: [before, after]} with values as stored codes ("kvinna", "fk", "2026-02-02", 1979).
    changes: Mapped[dict[str, list[object]]] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.String(500))

    participation: Mapped[Participation] = relationship(back_populates="corrections")
