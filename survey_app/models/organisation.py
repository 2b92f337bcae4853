"""Förbund (the tenant) and its insatser."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models._types import Timestamp, utcnow

if TYPE_CHECKING:
    from survey_app.models.participants import Participant, Participation


class Forbund(db.Model):  # type: ignore[name-defined]
    """A samordningsförbund: the top tenant. Nothing of one förbund is visible to another."""

    __tablename__ = "forbund"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    # Days a personal survey link stays valid.
    link_expiry_days: Mapped[int] = mapped_column(default=30)
    # Smallest group whose counts and shares are shown in aggregated reports.
    min_group_size: Mapped[int] = mapped_column(default=5)
    # Small-group protection: when one more cell must be hidden, hide a part such as a gender
    # before a total ("totals"), or a total over genders before a gender ("genders").
    protection_keeps: Mapped[str] = mapped_column(sa.String(16), default="totals")
    # Report "Annat (hen)" and "Vill inte uppge" as one gender column. On for a new förbund:
    # two sparse columns often need hiding one by one, and the complements they call for can
    # take the totals with them (docs/reports.md, rule 6); a förbund may turn it off.
    merge_other_genders: Mapped[bool] = mapped_column(default=True)
    # Local support contacts shown after a "yes" in the violence screening (plain text).
    support_contacts: Mapped[str] = mapped_column(sa.Text, default="")
    # Participant-level data is deleted this many months after the participation's exit
    # (`flask purge-expired`); aggregated reports already exported are not affected.
    retention_months: Mapped[int] = mapped_column(default=60)
    # Admins must sign in with a code from an authenticator app as well as the password.
    require_totp_for_admins: Mapped[bool] = mapped_column(default=False)
    # The e-mail that carries a personal link ({fornamn}, {lank}, {sista_dag}, {forbund});
    # empty: the default text in survey_app/mail.py.
    email_template: Mapped[str] = mapped_column(sa.Text, default="")
    # Raised whenever one of the förbund's own questionnaire files is activated: every process
    # compares it with the set it has cached (survey_app/questionnaires/own.py).
    questionnaire_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    insatser: Mapped[list[Insats]] = relationship(back_populates="forbund")
    participants: Mapped[list[Participant]] = relationship(back_populates="forbund")

    __table_args__ = (
        sa.CheckConstraint("link_expiry_days BETWEEN 1 AND 365", name="link_expiry_days_range"),
        sa.CheckConstraint("min_group_size BETWEEN 1 AND 100", name="min_group_size_range"),
        sa.CheckConstraint("retention_months BETWEEN 6 AND 240", name="retention_months_range"),
        sa.CheckConstraint(
            "protection_keeps IN ('totals', 'genders')", name="protection_keeps_choice"
        ),
    )


class ReportRelease(db.Model):  # type: ignore[name-defined]
    """A published yearly report: the workbook as it was released, kept as it is.

    Readers who cannot see participants (analysts, and everything that leaves the förbund)
    get only these. One per förbund and calendar year, never changed: two versions of the same
    year could be compared to find the few participants who differ.
    """

    __tablename__ = "report_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(sa.ForeignKey("forbund.id"), index=True)
    year: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    workbook: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)

    __table_args__ = (sa.UniqueConstraint("forbund_id", "year", name="one_release_per_year"),)


class OwnQuestionnaire(db.Model):  # type: ignore[name-defined]
    """A förbund's own questionnaire definition file, exactly as uploaded.

    An active file replaces the shipped questionnaire with the same id for this förbund only;
    at most one file per förbund and questionnaire id is active. Files are never changed: a new
    version is a new row, and responses keep theirs by content hash."""

    __tablename__ = "own_questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(sa.ForeignKey("forbund.id"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[str] = mapped_column(sa.String(32))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.Text, deferred=True)
    # "draft" (checked, not in use), "active", or "retired" (replaced by a later activation).
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(Timestamp)

    __table_args__ = (
        sa.UniqueConstraint("forbund_id", "content_hash", name="own_questionnaire_once"),
        sa.UniqueConstraint(
            "forbund_id", "questionnaire_id", "version", name="own_questionnaire_version_once"
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'retired')", name="own_questionnaire_status"
        ),
    )


class QuestionnaireOptions(db.Model):  # type: ignore[name-defined]
    """A questionnaire as set up for one förbund: the values of the options its scorer declares
    (`survey_app.scoring.Scorer.options`, e.g. the EQ-5D value set), by option name. An option
    not stored has the scorer's default. Kept per questionnaire id, so a new version of the file
    keeps them."""

    __tablename__ = "questionnaire_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(sa.ForeignKey("forbund.id"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    options: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (
        sa.UniqueConstraint("forbund_id", "questionnaire_id", name="questionnaire_options_once"),
    )


class Insats(db.Model):  # type: ignore[name-defined]
    """A rehabilitation project funded by a förbund; participants take part in an insats."""

    __tablename__ = "insats"

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(sa.ForeignKey("forbund.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    # Months between follow-up measurements during participation; None means no follow-ups.
    followup_interval_months: Mapped[int | None]
    # Follow-ups after the exit, in months after the exit date (e.g. [6] or [6, 12]).
    after_exit_months: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # e.g. [{"kind": "share_improved", "item": "general_health", "target": 0.7}]
    goals: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # Questionnaire ids asked per occasion kind: {"start": [...], "followup": [...], "exit": [...],
    # "after": [...]}
    bundles: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    forbund: Mapped[Forbund] = relationship(back_populates="insatser")
    participations: Mapped[list[Participation]] = relationship(back_populates="insats")

    __table_args__ = (
        sa.UniqueConstraint("forbund_id", "name"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
        sa.CheckConstraint(
            "followup_interval_months IS NULL OR followup_interval_months BETWEEN 1 AND 60",
            name="followup_interval_range",
        ),
    )

    def questionnaires_for(self, occasion_kind: str) -> list[str]:
        return list((self.bundles or {}).get(occasion_kind, []))
