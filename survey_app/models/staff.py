"""Staff accounts and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models._types import Timestamp, enum_column, utcnow
from survey_app.models.organisation import Forbund, Insats


class RoleKind(enum.StrEnum):
    ADMIN = "admin"  # förbund admin: sets up insatser and staff accounts
    ANALYST = "analyst"  # sees aggregates of the whole förbund, never a single participant
    STAFF = "staff"  # insats staff: registers and follows participants of one insats


ROLE_LABELS = {
    RoleKind.ADMIN: "Förbundsadministratör",
    RoleKind.ANALYST: "Analytiker",
    RoleKind.STAFF: "Personal",
}


class StaffUser(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(sa.ForeignKey("forbund.id"), index=True)
    # Stored lower-case so that the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    # What colleagues call the person, shown beside the address; empty until an admin sets it.
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Set for a password someone else chose (an admin, the command line): the next sign-in
    # leads to choosing an own password before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # Two-step sign-in: the authenticator app's shared secret (base32) when turned on, and the
    # time step of the last code accepted (a code is never accepted twice).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    forbund: Mapped[Forbund] = relationship()
    roles: Mapped[list[Role]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        # Which session is meant is kept apart, in StaffSession (survey_app/auth/sessions.py).
        return str(self.id)

    def has_role(self, kind: RoleKind) -> bool:
        return any(role.kind == kind for role in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role(RoleKind.ADMIN)

    @property
    def is_analyst(self) -> bool:
        return self.has_role(RoleKind.ANALYST)

    @property
    def staff_insats_ids(self) -> set[int]:
        return {r.insats_id for r in self.roles if r.kind == RoleKind.STAFF and r.insats_id}


class Role(db.Model):  # type: ignore[name-defined]
    """One role of a staff user: admin or analyst of the user's förbund, or staff of one insats."""

    __tablename__ = "staff_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RoleKind] = mapped_column(enum_column(RoleKind, "role_kind"))
    insats_id: Mapped[int | None] = mapped_column(sa.ForeignKey("insats.id"), index=True)

    user: Mapped[StaffUser] = relationship(back_populates="roles")
    insats: Mapped[Insats | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "insats_id"),
        # Staff roles name an insats; förbund-wide roles must not.
        sa.CheckConstraint(
            "(kind = 'staff' AND insats_id IS NOT NULL) OR (kind <> 'staff' AND insats_id IS NULL)",
            name="insats_only_for_staff",
        ),
    )


class StaffSession(db.Model):  # type: ignore[name-defined]
    """One signed-in session of a staff user. The session cookie holds a random token, this row
    only its hash; deleting the row ends the session on the server, so a copy of the cookie
    stops working too (sign-out, tablet hand-over, password change, deactivation)."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    user: Mapped[StaffUser] = relationship()


class PasswordReset(db.Model):  # type: ignore[name-defined]
    """A "glömt lösenord" link: the token went out by e-mail, only its hash is kept. It works
    once, for a short time, and a newer request replaces it."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)

    user: Mapped[StaffUser] = relationship()
