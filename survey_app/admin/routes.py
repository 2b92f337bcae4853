"""The förbund admin's pages: insatser and staff accounts of the own förbund."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from survey_app import access, mail
from survey_app.admin import audit_view
from survey_app.admin.forms import (
    AuditFilterForm,
    EraseForm,
    ImportForm,
    InsatsForm,
    QuestionnaireFileForm,
    StaffAccountForm,
    StaffRoleForm,
    TemporaryPasswordForm,
    settings_form_class,
)
from survey_app.admin.services import (
    SETTINGS_FIELDS,
    InsatsData,
    create_staff_account,
    reset_two_step_of,
    role_of,
    save_insats,
    save_settings,
    set_account_active,
    update_staff_account,
)
from survey_app.auth import services as auth_services
from survey_app.clock import STOCKHOLM, last_day
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.forms import ConfirmForm
from survey_app.imports import answers
from survey_app.models import (
    ROLE_LABELS,
    Insats,
    OwnQuestionnaire,
    RoleKind,
    StaffUser,
)
from survey_app.models._types import utcnow
from survey_app.privacy import audit, retention
from survey_app.questionnaires import DefinitionError, Problem, own
from survey_app.questionnaires.options import current_values, option_fields, stored_options
from survey_app.questionnaires.own import questionnaires_for
from survey_app.reports.dataset import category_goal_items, exit_reason_labels, goal_measures
from survey_app.reports.workbook import protection_text
from survey_app.request_guard import takes_upload
from survey_app.security import deny, require_role
from survey_app.urls import personal_link

bp = Blueprint("admin", __name__)

OCCASION_FIELDS = {
    "start": "start_questionnaires",
    "followup": "followup_questionnaires",
    "exit": "exit_questionnaires",
    "after": "after_questionnaires",
}


@bp.before_request
@require_role(RoleKind.ADMIN)
def _only_admins() -> None:
    return None


def _questionnaire_choices() -> list[SelectChoice]:
    """Every questionnaire by the name staff know it by (not the participant's title), by
    name; the staff's own forms marked."""
    registry = questionnaires_for(current_user.forbund_id)
    return [
        SelectChoice(q.id, q.name + (" (fylls i av personal)" if q.respondent == "staff" else ""))
        for q in sorted(registry.by_id.values(), key=lambda q: q.name.casefold())
    ]


def _goal_choices(form: InsatsForm) -> None:
    registry = questionnaires_for(current_user.forbund_id)
    measures = [SelectChoice("", "Inget mål")]
    for key, label in goal_measures(registry).items():
        measures.append(SelectChoice(key, label))
    reasons = [
        SelectChoice(str(value), label) for value, label in exit_reason_labels(registry).items()
    ]
    form.set_goal_choices(measures, reasons, category_goal_items(registry))


def _own_insats(insats_id: int) -> Insats:
    insats = db.session.scalar(
        sa.select(Insats).where(
            Insats.id == insats_id, Insats.forbund_id == current_user.forbund_id
        )
    )
    if insats is None:
        deny("insats", insats_id)
    assert insats is not None  # noqa: S101  (deny() aborts)
    return insats


@bp.route("/insatser")
def insatser() -> str:
    rows = db.session.scalars(
        sa.select(Insats).where(Insats.forbund_id == current_user.forbund_id).order_by(Insats.name)
    ).all()
    return render_template("admin/insatser.html", insatser=rows)


@bp.route("/insatser/ny", methods=["GET", "POST"])
@bp.route("/insatser/<int:insats_id>", methods=["GET", "POST"])
def edit_insats(insats_id: int | None = None) -> WerkzeugResponse | str:
    insats = _own_insats(insats_id) if insats_id is not None else None
    form = InsatsForm(obj=insats)
    form.set_questionnaire_choices(_questionnaire_choices())
    if not form.is_submitted():
        if insats is not None:
            for kind, field_name in OCCASION_FIELDS.items():
                getattr(form, field_name).data = insats.questionnaires_for(kind)
            form.after_exit_months.data = ", ".join(map(str, insats.after_exit_months or []))
        form.show_goals(list(insats.goals or []) if insats is not None else [])
    _goal_choices(form)
    if form.validate_on_submit():
        data = InsatsData(
            name=form.name.data or "",
            start_date=form.start_date.data,
            end_date=form.end_date.data,
            followup_interval_months=form.followup_interval_months.data,
            after_exit_months=form.after_months(),
            bundles={
                kind: list(getattr(form, name).data or []) for kind, name in OCCASION_FIELDS.items()
            },
            goals=form.goals(),
        )
        try:
            saved = save_insats(current_user.forbund, data, insats)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Insatsen {saved.name} är sparad.", "success")
            return redirect(url_for("admin.insatser"))
    return render_template("admin/insats_form.html", form=form, insats=insats)


@bp.route("/personal")
def staff_accounts() -> str:
    users = db.session.scalars(
        sa.select(StaffUser)
        .where(StaffUser.forbund_id == current_user.forbund_id)
        .order_by(StaffUser.email)
    ).all()
    insats_names = {
        insats_id: name
        for insats_id, name in db.session.execute(
            sa.select(Insats.id, Insats.name).where(Insats.forbund_id == current_user.forbund_id)
        )
    }
    return render_template(
        "admin/staff.html",
        users=users,
        role_labels=ROLE_LABELS,
        insats_names=insats_names,
        confirm=ConfirmForm(),
    )


def _insats_choices() -> list[SelectChoice]:
    return [
        SelectChoice(i.id, i.name)
        for i in db.session.scalars(
            sa.select(Insats)
            .where(Insats.forbund_id == current_user.forbund_id)
            .order_by(Insats.name)
        )
    ]


@bp.route("/personal/ny", methods=["GET", "POST"])
def new_staff_account() -> WerkzeugResponse | str:
    form = StaffAccountForm()
    form.insatser.choices = _insats_choices()
    if form.validate_on_submit():
        try:
            user = create_staff_account(
                current_user.forbund,
                email=form.email.data or "",
                password=form.password.data or "",
                role=RoleKind(form.role.data),
                insats_ids=list(form.insatser.data or []),
                name=form.name.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Kontot {user.email} är skapat.", "success")
            return redirect(url_for("admin.staff_accounts"))
    return render_template("admin/staff_form.html", form=form)


def _own_account(user_id: int) -> StaffUser:
    """An account of the admin's own förbund (the admin's own included); otherwise 404."""
    user = db.session.scalar(
        sa.select(StaffUser).where(
            StaffUser.id == user_id, StaffUser.forbund_id == current_user.forbund_id
        )
    )
    if user is None:
        deny("staff_user", user_id)
    assert user is not None  # noqa: S101  (deny() aborts)
    return user


@bp.route("/personal/<int:user_id>", methods=["GET", "POST"])
def edit_staff_account(user_id: int) -> WerkzeugResponse | str:
    """Name, role and insatser of an account; the change applies at the person's next click."""
    user = _own_account(user_id)
    form = StaffRoleForm()
    form.insatser.choices = _insats_choices()
    if not form.is_submitted():
        form.name.data = user.name
        form.role.data = role_of(user).value
        form.insatser.data = sorted(user.staff_insats_ids)
    if form.validate_on_submit():
        try:
            changed = update_staff_account(
                user,
                name=form.name.data or "",
                role=RoleKind(form.role.data),
                insats_ids=list(form.insatser.data or []),
            )
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "role").errors.append(error.message)
        else:
            db.session.commit()
            flash(
                f"Kontot {user.email} är ändrat." if changed else "Inget ändrades.",
                "success",
            )
            return redirect(url_for("admin.staff_accounts"))
    return render_template("admin/staff_edit.html", form=form, user=user, confirm=ConfirmForm())


def _other_account(user_id: int) -> StaffUser:
    """Another account of the admin's own förbund; otherwise 404."""
    user = db.session.scalar(
        sa.select(StaffUser).where(
            StaffUser.id == user_id, StaffUser.forbund_id == current_user.forbund_id
        )
    )
    if user is None or user.id == current_user.id:
        deny("staff_user", user_id)
    assert user is not None  # noqa: S101
    return user


@bp.route("/personal/<int:user_id>/losenord", methods=["GET", "POST"])
def reset_password(user_id: int) -> WerkzeugResponse | str:
    """Give a user a temporary password (a forgotten one, no e-mail): the user must choose an
    own password at the next sign-in, and every open session of the account ends."""
    user = _other_account(user_id)
    form = TemporaryPasswordForm()
    if form.validate_on_submit():
        try:
            auth_services.reset_by_admin(current_user, user, form.password.data or "")
        except DomainError as error:
            db.session.rollback()
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            flash(
                f"{user.email} har fått ett tillfälligt lösenord och väljer ett eget vid nästa "
                "inloggning. Lämna det tillfälliga lösenordet personligen eller per telefon, "
                "inte i samma e-post som adressen.",
                "success",
            )
            return redirect(url_for("admin.staff_accounts"))
    return render_template("admin/reset_password.html", form=form, user=user)


@bp.route("/personal/<int:user_id>/<any(aktivera,inaktivera):action>", methods=["POST"])
def toggle_staff_account(user_id: int, action: str) -> WerkzeugResponse:
    form = ConfirmForm()
    user = _own_account(user_id)
    if form.validate_on_submit():
        try:
            set_account_active(current_user, user, active=action == "aktivera")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                f"Kontot {user.email} är {'aktiverat' if user.active else 'inaktiverat'}.",
                "success",
            )
    return redirect(url_for("admin.staff_accounts"))


@bp.route("/forbund", methods=["GET", "POST"])
def forbund_settings() -> WerkzeugResponse | str:
    forbund = current_user.forbund
    options = option_fields(questionnaires_for(forbund).by_id.values())
    form = settings_form_class(options)(
        obj=forbund, **current_values(options, stored_options(forbund.id))
    )
    if not form.is_submitted() and not forbund.email_template:
        form.email_template.data = mail.DEFAULT_TEMPLATE  # the box never starts empty
    if form.validate_on_submit():
        values = {key: form[key].data for key in (*SETTINGS_FIELDS, *(o.key for o in options))}
        template = str(values["email_template"] or "").strip()
        # The default text as it stands is kept as "the default", so that it follows the
        # service's own wording; an emptied box means the default too.
        values["email_template"] = "" if template == mail.DEFAULT_TEMPLATE.strip() else template
        try:
            save_settings(forbund, values, options)
        except DomainError as error:
            db.session.rollback()
            if error.field and error.field in form:
                form[error.field].errors.append(error.message)
            else:
                flash(error.message, "error")
        else:
            db.session.commit()
            flash("Inställningarna är sparade.", "success")
            return redirect(url_for("admin.forbund_settings"))
    # Exactly what a link made today is sent with: the förbund's text (or the default), the
    # subject, and the last day of a link made now with the förbund's number of days.
    days = form.link_expiry_days.data if not form.link_expiry_days.errors else None
    example = mail.render(
        form.email_template.data or "",
        forbund=forbund.name,
        link=personal_link("exempel"),
        last_day=last_day(utcnow() + timedelta(days=days or forbund.link_expiry_days)),
        first_name="Anna",
    )
    protection = protection_text(
        forbund.min_group_size, forbund.protection_keeps, forbund.merge_other_genders
    )
    return render_template(
        "admin/forbund.html",
        form=form,
        forbund=forbund,
        example=example,
        protection_text=protection,
        options=options,
    )


@bp.route("/import", methods=["GET", "POST"])
@takes_upload
def import_responses() -> str:
    """Answers from paper forms or old spreadsheets, for the admin's own förbund; all or nothing."""
    form = ImportForm()
    errors: list[answers.RowError] = []
    summary = None
    if form.validate_on_submit():
        stream = io.TextIOWrapper(form.file.data.stream, encoding="utf-8-sig")
        try:
            summary = answers.import_csv(
                stream,
                questionnaires_for(current_user.forbund_id),
                create_missing=bool(form.create_missing.data),
                actor_id=current_user.id,
                only_forbund=current_user.forbund.name,
                max_rows=current_app.config["SETTINGS"].import_max_rows,
            )
        except (answers.ImportRejected, UnicodeDecodeError) as problem:
            db.session.rollback()
            errors = (
                problem.errors
                if isinstance(problem, answers.ImportRejected)
                else [answers.RowError(0, "(fil)", "filen är inte UTF-8-kodad text")]
            )
        else:
            db.session.commit()
    return render_template("admin/import.html", form=form, errors=errors, summary=summary)


@bp.route("/formular", methods=["GET", "POST"])
@takes_upload
def own_questionnaires() -> WerkzeugResponse | str:
    """The förbund's own questionnaire files; uploading one checks it and keeps it as a draft
    (a broken file: its problems by line, nothing stored)."""
    form = QuestionnaireFileForm()
    problems: list[Problem] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            row = own.upload(
                current_user.forbund,
                upload.read(),
                upload.filename or "fil.yaml",
                current_user.id,
            )
        except DefinitionError as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.commit()
            return redirect(url_for("admin.own_questionnaire", file_id=row.id))
    return render_template(
        "admin/questionnaires.html",
        form=form,
        problems=problems,
        files=own.files_of(current_user.forbund_id),
        shipped=own.shipped().by_id,
        status_labels=own.STATUS_LABELS,
    )


def _own_file(file_id: int) -> OwnQuestionnaire:
    row = own.file_of(current_user.forbund_id, file_id)
    if row is None:
        deny("own_questionnaire", file_id)
    assert row is not None  # noqa: S101  (deny() aborts)
    return row


@bp.route("/formular/<int:file_id>")
def own_questionnaire(file_id: int) -> str:
    """A stored file as participants and the print version would show it, to activate."""
    row = _own_file(file_id)
    return render_template(
        "admin/questionnaire_preview.html",
        row=row,
        questionnaire=own.definition_of(row),
        replaces=own.shipped().get(row.questionnaire_id),
        status_labels=own.STATUS_LABELS,
        confirm=ConfirmForm(),
        lang="sv",
    )


@bp.route("/formular/<int:file_id>/aktivera", methods=["POST"])
def activate_own_questionnaire(file_id: int) -> WerkzeugResponse:
    row = _own_file(file_id)
    if ConfirmForm().validate_on_submit():
        own.activate(current_user.forbund, row, current_user.id)
        db.session.commit()
        flash(
            f"{row.questionnaire_id} version {row.version} används nu i förbundets insatser. "
            "Svar som redan har getts behåller den version de gavs i.",
            "success",
        )
    return redirect(url_for("admin.own_questionnaires"))


@bp.route("/logg")
def audit_log() -> str:
    """The förbund's own audit log, newest first, filtered by period, event and user."""
    forbund_id = current_user.forbund_id
    users = audit_view.staff_names(forbund_id)
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", "Alla händelser")] + [
        SelectChoice(action, label) for action, label in audit.ACTION_LABELS.items()
    ]
    form.actor.choices = [SelectChoice("", "Alla användare")] + [
        SelectChoice(str(user_id), email) for user_id, email in users
    ]
    wanted = audit_view.AuditFilter()
    if request.args and form.validate():
        wanted = audit_view.AuditFilter(
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            action=form.action.data or None,
            actor_id=int(form.actor.data) if form.actor.data else None,
        )
    shown = audit_view.audit_page(forbund_id, wanted, request.args.get("sida", 1, type=int) or 1)
    filters = {k: v for k, v in request.args.items() if k != "sida"}
    return render_template(
        "admin/audit_log.html",
        form=form,
        events=shown.events,
        emails=dict(users),
        labels=audit.ACTION_LABELS,
        stockholm=STOCKHOLM,
        page=shown.page,
        pages=shown.pages,
        total=shown.total,
        filters=filters,
    )


@bp.route("/deltagande/<int:participation_id>/registerutdrag")
def participation_extract(participation_id: int) -> Response:
    """All stored data about one participation (a request under GDPR art. 15), as JSON."""
    found = access.participation_for_work(current_user, participation_id)
    data = retention.extract(found)
    audit.record("participation_extracted", object_type="participation", object_id=found.id)
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="registerutdrag-{found.id}.json"'
    )
    return response


@bp.route("/deltagande/<int:participation_id>/radera", methods=["GET", "POST"])
def erase_participation(participation_id: int) -> WerkzeugResponse | str:
    """Erasure (GDPR art. 17): the participation and all its answers, after confirmation."""
    found = access.participation_for_work(current_user, participation_id)
    code, insats_id = found.participant.code, found.insats_id
    form = EraseForm()
    if form.validate_on_submit():
        if (form.code.data or "").strip().upper() != code:
            form.code.errors.append("Koden stämmer inte med deltagarens kod.")
        else:
            counts = retention.erase([found.id])
            audit.record(
                "participation_erased",
                object_type="participation",
                object_id=participation_id,
                **counts,
            )
            db.session.commit()
            retention.clear_write_ahead_log()
            flash("Deltagandet och alla dess svar är raderade.", "success")
            return redirect(url_for("staff.insats", insats_id=insats_id))
    return render_template("admin/erase.html", participation=found, form=form)


@bp.route("/personal/<int:user_id>/tvastegs", methods=["POST"])
def reset_two_step(user_id: int) -> WerkzeugResponse:
    """Another admin turns off a user's two-step sign-in (a lost phone); the user's sessions end."""
    user = _other_account(user_id)
    if ConfirmForm().validate_on_submit():
        reset_two_step_of(user)
        db.session.commit()
        flash(f"Tvåstegsinloggningen för {user.email} är återställd.", "success")
    return redirect(url_for("admin.staff_accounts"))
