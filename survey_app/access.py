"""Who may see what. Tenant and insats separation is enforced here, in the queries themselves.

- förbund admin: every insats of the own förbund, participant level included;
- analyst: every insats of the own förbund, aggregates only;
- insats staff: the insatser named in their staff roles, participant level included.
"""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Insats, Participation, StaffUser
from survey_app.security import deny


def visible_insatser(user: StaffUser) -> sa.Select[tuple[Insats]]:
    """Insatser whose existence and aggregates the user may see."""
    query = sa.select(Insats).where(Insats.forbund_id == user.forbund_id)
    if user.is_admin or user.is_analyst:
        return query
    return query.where(Insats.id.in_(user.staff_insats_ids or {-1}))


def participant_level_insatser(user: StaffUser) -> sa.Select[tuple[Insats]]:
    """Insatser whose individual participants the user may see and register."""
    query = sa.select(Insats).where(Insats.forbund_id == user.forbund_id)
    if user.is_admin:
        return query
    return query.where(Insats.id.in_(user.staff_insats_ids or {-1}))


def insats_for_participant_work(user: StaffUser, insats_id: int) -> Insats:
    """The insats if the user may work with its participants; otherwise 404 (and logged)."""
    insats = db.session.scalar(participant_level_insatser(user).where(Insats.id == insats_id))
    if insats is None:
        deny("insats", insats_id)
    assert insats is not None  # noqa: S101  (deny() aborts; this narrows the type)
    return insats


def participation_for_work(user: StaffUser, participation_id: int) -> Participation:
    """A participation in one of the user's participant-level insatser; otherwise 404."""
    allowed = participant_level_insatser(user).with_only_columns(Insats.id)
    participation = db.session.scalar(
        sa.select(Participation).where(
            Participation.id == participation_id, Participation.insats_id.in_(allowed)
        )
    )
    if participation is None:
        deny("participation", participation_id)
    assert participation is not None  # noqa: S101
    return participation
