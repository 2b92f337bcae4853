"""The report page: förbund admins and analysts download the aggregated workbook."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, send_file
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SubmitField,
    ValidationError,
)
from wtforms.validators import Optional

from survey_app import audit
from survey_app.admin.forms import CheckboxList
from survey_app.extensions import db
from survey_app.forms import SwedishForm
from survey_app.models import Insats, RoleKind
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import participant_level as participant_level_export
from survey_app.reports import workbook
from survey_app.reports.dataset import ReportFilter
from survey_app.security import require_role

bp = Blueprint("reports", __name__)


class ReportForm(SwedishForm):
    insatser = CheckboxList("Insatser (inga valda = alla)", choices=[], coerce=int)
    date_from = DateField("Från och med", validators=[Optional()])
    date_to = DateField("Till och med", validators=[Optional()])
    period_by = RadioField(
        "Välj deltagare efter",
        choices=[
            SelectChoice("exit", "avslutsdatum (de som avslutades under perioden)"),
            SelectChoice("start", "startdatum (de som började under perioden)"),
        ],
        default="exit",
    )
    submit = SubmitField("Ladda ner Excel-rapport")

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Slutdatumet kan inte ligga före startdatumet.")


@bp.route("/rapporter", methods=["GET", "POST"])
@require_role(RoleKind.ADMIN, RoleKind.ANALYST)
def report() -> str | WerkzeugResponse:
    form = ReportForm()
    own = db.session.scalars(
        sa.select(Insats).where(Insats.forbund_id == current_user.forbund_id).order_by(Insats.name)
    ).all()
    form.insatser.choices = [SelectChoice(str(i.id), i.name) for i in own]
    if form.validate_on_submit():
        report_filter = ReportFilter(
            forbund_id=current_user.forbund_id,
            insats_ids=tuple(form.insatser.data or ()),
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            period_by=form.period_by.data,
        )
        data = reports_dataset.load(report_filter, current_app.extensions["questionnaires"])
        buffer = io.BytesIO()
        workbook.write(data, buffer, made_by=current_user.email)
        audit.record(
            "export",
            object_type="forbund",
            object_id=current_user.forbund_id,
            insats_ids=list(report_filter.insats_ids),
            date_from=report_filter.date_from.isoformat() if report_filter.date_from else None,
            date_to=report_filter.date_to.isoformat() if report_filter.date_to else None,
            period_by=report_filter.period_by,
            via="web",
        )
        db.session.commit()
        buffer.seek(0)
        return send_file(
            buffer,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name=f"uppfoljning-{date.today().isoformat()}.xlsx",
        )
    return render_template("reports/report.html", form=form)


class ParticipantLevelForm(SwedishForm):
    include_sensitive = BooleanField(
        "Ta med svaren på våldsenkäten (känsliga uppgifter; uttaget loggas)"
    )
    submit = SubmitField("Ladda ner deltagarnivå")


@bp.route("/rapporter/deltagarniva", methods=["GET", "POST"])
@require_role(RoleKind.ADMIN)
def participant_level() -> str | WerkzeugResponse:
    """One row per participation, pseudonymised; förbund admins only, every download audited."""
    form = ParticipantLevelForm()
    if form.validate_on_submit():
        buffer = io.BytesIO()
        sensitive = bool(form.include_sensitive.data)
        rows = participant_level_export.write(
            current_user.forbund_id, buffer, include_sensitive=sensitive
        )
        audit.record(
            "participant_level_export",
            object_type="forbund",
            object_id=current_user.forbund_id,
            rows=rows,
            violence_answers_included=sensitive,
        )
        db.session.commit()
        buffer.seek(0)
        return send_file(
            buffer,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name=f"deltagarniva-{date.today().isoformat()}.xlsx",
        )
    return render_template("reports/participant_level.html", form=form)
