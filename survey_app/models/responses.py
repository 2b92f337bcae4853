"""Personal survey links, responses to questionnaires and their answers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models._types import Timestamp, enum_column, utcnow

if TYPE_CHECKING:
    from survey_app.models.participants import Occasion
    from survey_app.models.staff import StaffUser


class ResponseStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class ResponseMode(enum.StrEnum):
    LINK = "link"  # personal link on the participant's own device
    KIOSK = "kiosk"  # tablet handed over in the office
    STAFF = "staff"  # entered by staff (staff forms, paper answers)
    IMPORT = "import"  # historical answers imported from a file


class Invitation(db.Model):  # type: ignore[name-defined]
    """A personal link to one occasion. Only a hash of the token is stored."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[int] = mapped_column(sa.ForeignKey("occasion.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # Sent by e-mail: when, or why not (the address itself is not kept).
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    send_error: Mapped[str | None] = mapped_column(sa.String(200))
    # For reminders only, and only while the link is pending: deleted when it is answered,
    # revoked, replaced or expired (`flask send-reminders` clears expired ones).
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # The same for reminders by SMS: a mobile number (+467…), kept on the same terms.
    phone: Mapped[str | None] = mapped_column(sa.String(16))
    reminded_at: Mapped[datetime | None] = mapped_column(Timestamp)

    occasion: Mapped[Occasion] = relationship(back_populates="invitations")
    created_by: Mapped[StaffUser | None] = relationship()


@sa.event.listens_for(Invitation.email, "set")
def _contact_details_go_together(
    target: Invitation, value: str | None, _old: object, _initiator: object
) -> None:
    """Wherever the address is deleted (answered, revoked, replaced, expired), the number goes
    with it: contact details go with the link they were for."""
    if value is None:
        target.phone = None


class Response(db.Model):  # type: ignore[name-defined]
    """One questionnaire answered at one occasion, pinned to the exact definition used."""

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[int] = mapped_column(sa.ForeignKey("occasion.id"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    questionnaire_version: Mapped[str] = mapped_column(sa.String(32))
    # sha256 of the definition file, so a later edit never changes what stored answers meant.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[ResponseStatus] = mapped_column(
        enum_column(ResponseStatus, "response_status"), default=ResponseStatus.IN_PROGRESS
    )
    mode: Mapped[ResponseMode] = mapped_column(enum_column(ResponseMode, "response_mode"))
    language: Mapped[str] = mapped_column(sa.String(8), default="sv")
    # How many pages of the questionnaire have been saved, so an interrupted answer resumes there.
    pages_saved: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(Timestamp)

    occasion: Mapped[Occasion] = relationship(back_populates="responses")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # One response per questionnaire and occasion: a resent submit cannot store a second one.
        sa.UniqueConstraint("occasion_id", "questionnaire_id"),
        sa.CheckConstraint(
            "(status = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_has_time"
        ),
    )


class QuestionnaireSnapshot(db.Model):  # type: ignore[name-defined]
    """The exact definition file a response was answered on, kept while responses refer to it."""

    __tablename__ = "questionnaire_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[str] = mapped_column(sa.String(32))
    source: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Answer(db.Model):  # type: ignore[name-defined]
    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (response_id, item_id) serves lookups by response.
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(sa.String(64))
    # JSON keeps the type of the answer: a number, a choice code, a list of codes, a date string.
    value: Mapped[Any] = mapped_column(sa.JSON)

    response: Mapped[Response] = relationship(back_populates="answers")

    __table_args__ = (sa.UniqueConstraint("response_id", "item_id"),)
