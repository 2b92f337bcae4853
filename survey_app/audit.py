"""Recording audit events. Callers pass ids and codes of actions, never answers or names."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from survey_app.extensions import db
from survey_app.models import AuditEvent


def record(
    action: str,
    *,
    forbund_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    actor_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction; the request commits it with its change."""
    if actor_id is None and current_user and current_user.is_authenticated:
        actor_id = current_user.id
        if forbund_id is None:
            forbund_id = current_user.forbund_id
    event = AuditEvent(
        action=action,
        forbund_id=forbund_id,
        actor_id=actor_id,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    db.session.add(event)
    return event
