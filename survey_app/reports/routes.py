"""The report pages.

Readers who cannot see participants (analysts, and everything that leaves the förbund) get only
published yearly reports: whole calendar years, all insatser, each published once and never
changed, so that no two reports can be compared to isolate a few participants (threat model:
docs/reports.md). Förbund admins, who see participants anyway, may also make internal ad hoc
reports for any period and insatser, marked as internal.
"""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
    ValidationError,
)
from wtforms.validators import Optional

from survey_app.admin.forms import CheckboxList
from survey_app.clock import STOCKHOLM, today
from survey_app.extensions import db
from survey_app.forms import SwedishForm
from survey_app.models import Insats, ReportRelease, RoleKind
from survey_app.privacy import audit
from survey_app.questionnaires.own import questionnaires_for
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import participant_level as participant_level_export
from survey_app.reports import summary, workbook
from survey_app.reports.dataset import COHORT_DEFINITIONS, COHORT_LABELS, Cohort, ReportFilter
from survey_app.security import deny, require_role

bp = Blueprint("reports", __name__)


class ReportForm(SwedishForm):
    insatser = CheckboxList("Insatser (inga valda = alla)", choices=[], coerce=int)
    date_from = DateField("Från och med", validators=[Optional()])
    date_to = DateField("Till och med", validators=[Optional()])
    cohort = RadioField(
        "Urval",
        choices=[
            SelectChoice(c.value, f"{COHORT_LABELS[c]} ({COHORT_DEFINITIONS[c]})") for c in Cohort
        ],
        default=Cohort.ACTIVE.value,
    )
    submit = SubmitField("Ladda ner intern Excel-rapport")

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Slutdatumet kan inte ligga före startdatumet.")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PublishForm(SwedishForm):
    year = SelectField("År", coerce=int, choices=[])
    submit = SubmitField("Publicera årsrapporten")


def _publishable_years(forbund_id: int) -> list[int]:
    """Whole calendar years that have ended and have no published report yet."""
    last = today().year - 1
    taken = set(
        db.session.scalars(
            sa.select(ReportRelease.year).where(ReportRelease.forbund_id == forbund_id)
        )
    )
    return [year for year in range(last, last - 10, -1) if year not in taken]


def _releases(forbund_id: int) -> list[ReportRelease]:
    return list(
        db.session.scalars(
            sa.select(ReportRelease)
            .where(ReportRelease.forbund_id == forbund_id)
            .order_by(ReportRelease.year.desc())
        )
    )


@bp.route("/rapporter")
@require_role(RoleKind.ADMIN, RoleKind.ANALYST)
def report() -> str:
    """Published yearly reports for everyone who may read reports; for admins also the form
    to publish one and the way to internal ad hoc reports."""
    publish = PublishForm()
    publish.year.choices = [
        SelectChoice(str(y), str(y)) for y in _publishable_years(current_user.forbund_id)
    ]
    return render_template(
        "reports/report.html",
        releases=_releases(current_user.forbund_id),
        publish=publish,
        stockholm=STOCKHOLM,
    )


@bp.route("/rapporter/publicera", methods=["POST"])
@require_role(RoleKind.ADMIN)
def publish() -> WerkzeugResponse:
    """Publish the report of one ended calendar year (participations that ended in it, all
    insatser, only what never overlaps between two years: docs/reports.md): kept as it is, the
    only report readers outside the participant work get."""
    form = PublishForm()
    years = _publishable_years(current_user.forbund_id)
    form.year.choices = [SelectChoice(str(y), str(y)) for y in years]
    if not form.validate_on_submit():
        flash("Välj ett avslutat år som inte redan har en publicerad rapport.", "error")
        return redirect(url_for("reports.report"))
    year = int(form.year.data)
    report_filter = ReportFilter(
        forbund_id=current_user.forbund_id,
        date_from=date(year, 1, 1),
        date_to=date(year, 12, 31),
        cohort=Cohort.ENDED,
        released=True,
    )
    data = reports_dataset.load(report_filter, questionnaires_for(current_user.forbund_id))
    buffer = io.BytesIO()
    workbook.write(data, buffer, made_by=current_user.email)
    release = ReportRelease(
        forbund_id=current_user.forbund_id,
        year=year,
        created_by_id=current_user.id,
        workbook=buffer.getvalue(),
    )
    db.session.add(release)
    db.session.flush()
    audit.record("report_published", object_type="report_release", object_id=release.id, year=year)
    db.session.commit()
    flash(f"Årsrapporten för {year} är publicerad.", "success")
    return redirect(url_for("reports.report"))


@bp.route("/rapporter/publicerade/<int:release_id>")
@require_role(RoleKind.ADMIN, RoleKind.ANALYST)
def release(release_id: int) -> WerkzeugResponse:
    found = db.session.get(ReportRelease, release_id)
    if found is None or found.forbund_id != current_user.forbund_id:
        deny("report_release", release_id)
    assert found is not None  # noqa: S101
    audit.record("report_downloaded", object_type="report_release", object_id=found.id)
    db.session.commit()
    return send_file(
        io.BytesIO(found.workbook),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"arsrapport-{found.year}.xlsx",
    )


@bp.route("/rapporter/publicerade/<int:release_id>/sammanfattning")
@require_role(RoleKind.ADMIN, RoleKind.ANALYST)
def release_summary(release_id: int) -> str:
    """A published report's summary as a page that prints to PDF from the browser: read back
    from the stored workbook's first sheet, so it shows exactly the published figures."""
    found = db.session.get(ReportRelease, release_id)
    if found is None or found.forbund_id != current_user.forbund_id:
        deny("report_release", release_id)
    assert found is not None  # noqa: S101
    page = summary.read_back(found.workbook)
    audit.record("report_summary_viewed", object_type="report_release", object_id=found.id)
    db.session.commit()
    return render_template(
        "reports/summary.html", release=found, page=page, shown=summary.shown, stockholm=STOCKHOLM
    )


@bp.route("/rapporter/intern", methods=["GET", "POST"])
@require_role(RoleKind.ADMIN)
def adhoc() -> str | WerkzeugResponse:
    """An internal ad hoc report (any period and insatser) for förbund admins, who see
    participants anyway. Protected within itself, not against comparison with other reports:
    marked as internal on every sheet."""
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
            cohort=Cohort(form.cohort.data),
        )
        data = reports_dataset.load(report_filter, questionnaires_for(current_user.forbund_id))
        buffer = io.BytesIO()
        workbook.write(data, buffer, made_by=current_user.email, internal=True)
        audit.record(
            "export",
            object_type="forbund",
            object_id=current_user.forbund_id,
            insats_ids=list(report_filter.insats_ids),
            date_from=report_filter.date_from.isoformat() if report_filter.date_from else None,
            date_to=report_filter.date_to.isoformat() if report_filter.date_to else None,
            cohort=report_filter.cohort.value,
            via="web",
        )
        db.session.commit()
        buffer.seek(0)
        return send_file(
            buffer,
            mimetype=XLSX,
            as_attachment=True,
            download_name=f"intern-uppfoljning-{date.today().isoformat()}.xlsx",
        )
    return render_template("reports/adhoc.html", form=form)


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
            current_user.forbund_id,
            buffer,
            include_sensitive=sensitive,
            questionnaires=questionnaires_for(current_user.forbund_id).by_id.values(),
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
            mimetype=XLSX,
            as_attachment=True,
            download_name=f"deltagarniva-{date.today().isoformat()}.xlsx",
        )
    return render_template("reports/participant_level.html", form=form)
