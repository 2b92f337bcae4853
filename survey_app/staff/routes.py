"""The staff interface: the insatser a user can see, their participants, registration."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app import access
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.models import (
    GENDER_LABELS,
    Gender,
    Insats,
    Participation,
    ParticipationStatus,
    Remittent,
)
from survey_app.occasions import STATUS_LABELS
from survey_app.staff.forms import ParticipantForm
from survey_app.staff.services import NewParticipant, participant_rows, register_participant

bp = Blueprint("staff", __name__)


@bp.route("/")
def home() -> str:
    user = current_user
    insatser = db.session.scalars(access.visible_insatser(user).order_by(Insats.name)).all()
    counts = _participation_counts([i.id for i in insatser])
    participant_level = set(
        db.session.scalars(access.participant_level_insatser(user).with_only_columns(Insats.id))
    )
    return render_template(
        "staff/home.html",
        insatser=insatser,
        counts=counts,
        participant_level=participant_level,
    )


@bp.route("/insatser/<int:insats_id>")
def insats(insats_id: int) -> str:
    insats = access.insats_for_participant_work(current_user, insats_id)
    return render_template(
        "staff/insats.html",
        insats=insats,
        rows=participant_rows(insats),
        gender_labels=GENDER_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.route("/insatser/<int:insats_id>/deltagare/ny", methods=["GET", "POST"])
def register(insats_id: int) -> WerkzeugResponse | str:
    insats = access.insats_for_participant_work(current_user, insats_id)
    form = ParticipantForm()
    if form.validate_on_submit():
        data = NewParticipant(
            code=form.code.data or "",
            gender=Gender(form.gender.data),
            birth_year=form.birth_year.data,
            remittent=Remittent(form.remittent.data),
            start_date=form.start_date.data,
            existing_participant=bool(form.existing_participant.data),
        )
        try:
            register_participant(insats, data)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "code").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Deltagare {data.code} är registrerad. Startmätningen är skapad.", "success")
            return redirect(url_for("staff.insats", insats_id=insats.id))
    return render_template("staff/register.html", insats=insats, form=form)


def _participation_counts(insats_ids: list[int]) -> dict[int, dict[str, int]]:
    """Aggregates only: active and exited participations per insats."""
    counts: dict[int, dict[str, int]] = {i: {"active": 0, "exited": 0} for i in insats_ids}
    if not insats_ids:
        return counts
    rows = db.session.execute(
        sa.select(Participation.insats_id, Participation.status, sa.func.count())
        .where(Participation.insats_id.in_(insats_ids))
        .group_by(Participation.insats_id, Participation.status)
    )
    for insats_id, status, n in rows:
        key = "active" if status == ParticipationStatus.ACTIVE else "exited"
        counts[insats_id][key] = n
    return counts
