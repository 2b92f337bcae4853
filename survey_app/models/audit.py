"""The audit trail: who did what to which object, and when. Never holds answers or names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models._types import Timestamp, utcnow


class AuditEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, index=True)
    forbund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("forbund.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str | None] = mapped_column(sa.String(32))
    object_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
