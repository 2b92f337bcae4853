"""The staff interface: the insatser a user can see, their participants, registration."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from survey_app import access, mail, sms
from survey_app.auth import sessions
from survey_app.clock import STOCKHOLM, last_day
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.followup.occasions import STATUS_LABELS
from survey_app.followup.todo import apply_filters
from survey_app.forms import ConfirmForm
from survey_app.models import (
    GENDER_LABELS,
    REMITTENT_LABELS,
    AuditEvent,
    Gender,
    Insats,
    Invitation,
    Occasion,
    Participation,
    ParticipationStatus,
    Remittent,
    ResponseMode,
    StaffUser,
)
from survey_app.models._types import utcnow
from survey_app.privacy import audit
from survey_app.questionnaires.own import questionnaires_for
from survey_app.reports.protection import primary_label
from survey_app.request_guard import takes_upload
from survey_app.security import deny
from survey_app.staff import bulk, code_lookups, sending
from survey_app.staff.corrections import (
    FIELD_LABELS,
    Registration,
    correct_registration,
    current_registration,
    find_by_code,
)
from survey_app.staff.forms import (
    BulkRegisterForm,
    CorrectionForm,
    DueLinksForm,
    HandleFlagForm,
    LanguageForm,
    ParticipantForm,
    SearchForm,
    SendLinkForm,
    SendSmsForm,
    TodoFilterForm,
    end_participation_form,
)
from survey_app.staff.languages import language_choices, language_name, language_statuses
from survey_app.staff.services import (
    END_UNDO_DAYS,
    CodeUnavailable,
    NewParticipant,
    create_due_occasion,
    end_participation,
    exit_form_answers,
    exit_form_items,
    handle_flag,
    link_message,
    links_for_all_due,
    occasion_label,
    occasion_overview,
    participant_rows,
    register_participant,
    set_language,
    todo_rows,
    undo_deadline,
    undo_end,
)
from survey_app.survey import links
from survey_app.survey import routes as survey_routes
from survey_app.urls import personal_link

bp = Blueprint("staff", __name__)


@bp.route("/")
def home() -> str:
    user = current_user
    insatser = db.session.scalars(access.visible_insatser(user).order_by(Insats.name)).all()
    counts = _participation_counts([i.id for i in insatser])
    participant_level = set(
        db.session.scalars(access.participant_level_insatser(user).with_only_columns(Insats.id))
    )
    # Who cannot see an insats' participants (an analyst) sees no small count of them either:
    # no totals are shown beside these counts, so "<k" alone protects them.
    k = user.forbund.min_group_size
    shown: dict[int, dict[str, int | str]] = {
        insats_id: {
            key: primary_label(k) if insats_id not in participant_level and 0 < n < k else n
            for key, n in insats_counts.items()
        }
        for insats_id, insats_counts in counts.items()
    }
    return render_template(
        "staff/home.html",
        insatser=insatser,
        counts=shown,
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
        languages=language_statuses(insats, questionnaires_for(insats.forbund_id)),
    )


@bp.route("/insatser/<int:insats_id>/att-gora")
def todo(insats_id: int) -> WerkzeugResponse:
    """The insats' part of the one "Att göra" list (an older address, kept for bookmarks)."""
    insats = access.insats_for_participant_work(current_user, insats_id)
    return redirect(
        url_for(
            "staff.todo_all",
            insats=insats.id,
            visa=request.args.get("visa"),
            tillfalle=request.args.get("tillfalle"),
        )
    )


def _work_insatser() -> list[Insats]:
    """The insatser whose participants the user works with, by name; 404 for none (an
    analyst, who never sees a single participant)."""
    insatser = list(
        db.session.scalars(access.participant_level_insatser(current_user).order_by(Insats.name))
    )
    if not insatser:
        deny("insats", None)
    return insatser


@bp.route("/att-gora")
def todo_all() -> str:
    """One "Att göra" for every insats the user works with, filterable by insats."""
    insatser = _work_insatser()
    choices = [SelectChoice("", "Alla mina insatser")]
    choices += [SelectChoice(str(i.id), i.name) for i in insatser]
    form = TodoFilterForm(request.args)
    form.insats.choices = choices
    if not form.validate():
        # An unknown filter value (a hand-edited URL, an insats one no longer has) falls back
        # to the defaults.
        form = TodoFilterForm(formdata=None)
        form.insats.choices = choices
    chosen = [i for i in insatser if str(i.id) == form.insats.data] or insatser
    rows = todo_rows(chosen)
    wanted = set(apply_filters([r.item for r in rows], form.visa.data, form.tillfalle.data))
    shown = [row for row in rows if row.item in wanted]
    return render_template(
        "staff/todo.html",
        form=form,
        rows=shown,
        total=len(rows),
        one_insats=chosen[0] if len(chosen) == 1 else None,
        several=len(insatser) > 1,
        links_form=DueLinksForm(formdata=None, insats=form.insats.data or ""),
        confirm=ConfirmForm(),
        links=_newest_links([r.item.occasion_id for r in shown if r.item.occasion_id is not None]),
    )


def _newest_links(occasion_ids: list[int]) -> dict[int, Invitation]:
    """The newest personal link of each occasion (for "skickat" / "inte skickat")."""
    newest: dict[int, Invitation] = {}
    for invitation in db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.occasion_id.in_(occasion_ids))
        .order_by(Invitation.id)
    ):
        newest[invitation.occasion_id] = invitation
    return newest


@bp.route(
    "/deltagande/<int:participation_id>/tillfalle/nytt/"
    "<any(followup, exit, after):kind>/<int:number>",
    methods=["POST"],
)
def create_occasion(participation_id: int, kind: str, number: int) -> WerkzeugResponse:
    found = access.participation_for_work(current_user, participation_id)
    if ConfirmForm().validate_on_submit():
        try:
            create_due_occasion(found, kind, number)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Mättillfället är skapat. Skapa en länk eller lämna över surfplattan.", "success")
    return redirect(url_for("staff.participation", participation_id=found.id))


@bp.route("/insatser/<int:insats_id>/deltagare/ny", methods=["GET", "POST"])
def register(insats_id: int) -> WerkzeugResponse | str:
    insats = access.insats_for_participant_work(current_user, insats_id)
    form = ParticipantForm()
    form.language.choices = language_choices(insats, questionnaires_for(insats.forbund_id))
    if form.is_submitted() and code_lookups.remaining(current_user) <= 0:
        abort(429)  # whatever the code: while spent, the answer says nothing about it
    if form.validate_on_submit():
        data = NewParticipant(
            code=form.code.data or "",
            gender=Gender(form.gender.data),
            birth_year=form.birth_year.data,
            remittent=Remittent(form.remittent.data),
            start_date=form.start_date.data,
            existing_participant=bool(form.existing_participant.data),
            language=form.language.data,
        )
        try:
            register_participant(insats, data)
        except CodeUnavailable as error:
            db.session.rollback()
            code_lookups.charge(current_user, insats.forbund_id, [error.code], error.linking)
            form.code.errors.append(error.message)
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


# --- one participation: occasions, personal links, tablet mode, staff entry -------------------


def _occasion_of(participation: Participation, occasion_id: int) -> Occasion:
    occasion = next((o for o in participation.occasions if o.id == occasion_id), None)
    if occasion is None:
        deny("occasion", occasion_id)
    assert occasion is not None  # noqa: S101  (deny() aborts)
    return occasion


@bp.route("/deltagande/<int:participation_id>")
def participation(participation_id: int) -> str:
    found = access.participation_for_work(current_user, participation_id)
    registry = questionnaires_for(current_user.forbund_id)
    return render_template(
        "staff/participation.html",
        participation=found,
        occasions=occasion_overview(found, registry),
        status_labels=STATUS_LABELS,
        gender_labels=GENDER_LABELS,
        remittent_labels=REMITTENT_LABELS,
        confirm=ConfirmForm(),
        handle_form=HandleFlagForm(),
        history=_history(found),
        undo_until=_undo_until(found),
        language_name=language_name(found),
        language_form=_language_form(found),
    )


def _language_form(found: Participation) -> LanguageForm:
    form = LanguageForm(language=found.language or "sv")
    form.language.choices = language_choices(
        found.insats, questionnaires_for(found.insats.forbund_id)
    )
    return form


@bp.route("/deltagande/<int:participation_id>/sprak", methods=["POST"])
def change_language(participation_id: int) -> WerkzeugResponse:
    """The language the participant's pages open in (links and the tablet alike)."""
    found = access.participation_for_work(current_user, participation_id)
    form = _language_form(found)
    if not form.validate_on_submit():
        flash("Välj ett av språken i listan.", "error")
    elif set_language(found, form.language.data):
        db.session.commit()
        flash(f"Deltagarens språk är nu {language_name(found).lower()}.", "success")
    return redirect(url_for("staff.participation", participation_id=found.id))


def _undo_until(found: Participation) -> datetime | None:
    """Until when (Swedish time) the end can still be undone, or None."""
    deadline = undo_deadline(found)
    if deadline is None or utcnow() > deadline:
        return None
    return deadline.astimezone(STOCKHOLM)


def _shown(field: str, value: object) -> str:
    """A stored value of the history in words."""
    if value is None:
        return "–"
    if field == "gender":
        return GENDER_LABELS.get(Gender(str(value)), str(value))
    if field == "remittent":
        return REMITTENT_LABELS.get(Remittent(str(value)), str(value))
    return str(value)


def _history(found: Participation) -> list[dict[str, object]]:
    """The participation's corrections, ends and undone ends, newest first, in words."""
    events = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.object_type == "participation",
            AuditEvent.object_id == found.id,
            AuditEvent.action.in_(("participation_ended", "participation_end_undone")),
            # Ids of erased participations can come back on SQLite: only this one's events.
            AuditEvent.at >= found.created_at,
        )
    ).all()
    ids = {c.corrected_by_id for c in found.corrections} | {e.actor_id for e in events}
    people: dict[int | None, str] = {
        user_id: email
        for user_id, email in db.session.execute(
            sa.select(StaffUser.id, StaffUser.email).where(StaffUser.id.in_(ids - {None}))
        )
    }
    entries: list[dict[str, object]] = [
        {
            "at": c.corrected_at.astimezone(STOCKHOLM),
            "kind": "correction",
            "by": people.get(c.corrected_by_id, "–"),
            "changes": [
                (label, _shown(name, c.changes[name][0]), _shown(name, c.changes[name][1]))
                for name, label in FIELD_LABELS.items()
                if name in c.changes
            ],
            "reason": c.reason,
        }
        for c in found.corrections
    ]
    for event in events:
        exit_date = (event.details or {}).get("exit_date") or "–"
        entries.append(
            {
                "at": event.at.astimezone(STOCKHOLM),
                "kind": "ended" if event.action == "participation_ended" else "undone",
                "by": people.get(event.actor_id, "–"),
                "exit_date": exit_date,
            }
        )
    return sorted(entries, key=lambda e: e["at"], reverse=True)  # type: ignore[arg-type,return-value]


@bp.route("/deltagande/<int:participation_id>/ratta", methods=["GET", "POST"])
def correct(participation_id: int) -> WerkzeugResponse | str:
    """Correct the registration (gender, birth year, remittent, start date) with a reason."""
    found = access.participation_for_work(current_user, participation_id)
    form = CorrectionForm()
    if not form.is_submitted():
        now = current_registration(found)
        form.gender.data = now.gender.value
        form.birth_year.data = now.birth_year
        form.remittent.data = now.remittent.value
        form.start_date.data = now.start_date
    if form.validate_on_submit():
        wanted = Registration(
            gender=Gender(form.gender.data),
            birth_year=form.birth_year.data,
            remittent=Remittent(form.remittent.data),
            start_date=form.start_date.data,
        )
        try:
            correct_registration(found, wanted, form.reason.data or "", current_user)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "reason").errors.append(error.message)
        else:
            db.session.commit()
            flash("Rättelsen är sparad och syns i historiken.", "success")
            return redirect(url_for("staff.participation", participation_id=found.id))
    others = len(found.participant.participations) - 1
    return render_template(
        "staff/correct.html", participation=found, form=form, other_participations=others
    )


@bp.route("/deltagare/sok")
def search() -> str:
    """Find participations by code in the insatser the user works with."""
    form = SearchForm(request.args)
    results: list[Participation] | None = None
    if request.args and form.validate():
        results = find_by_code(current_user, form.kod.data or "")
    return render_template(
        "staff/search.html",
        form=form,
        results=results,
        gender_labels=GENDER_LABELS,
    )


@bp.route("/deltagande/<int:participation_id>/uppfoljning/<int:flag_id>", methods=["POST"])
def handle_follow_up(participation_id: int, flag_id: int) -> WerkzeugResponse:
    found = access.participation_for_work(current_user, participation_id)
    flag = next((f for f in found.flags if f.id == flag_id), None)
    if flag is None:
        deny("follow_up_flag", flag_id)
    assert flag is not None  # noqa: S101
    form = HandleFlagForm()
    if form.validate_on_submit():
        try:
            handle_flag(flag, current_user, form.handled_on.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Uppföljningen är markerad som hanterad.", "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
    return redirect(url_for("staff.participation", participation_id=found.id))


@bp.route("/deltagande/<int:participation_id>/tillfalle/<int:occasion_id>/lank", methods=["POST"])
def create_link(participation_id: int, occasion_id: int) -> str | WerkzeugResponse:
    found = access.participation_for_work(current_user, participation_id)
    occasion = _occasion_of(found, occasion_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.participation", participation_id=found.id))
    token = links.create_invitation(occasion, current_user)
    db.session.commit()
    invitation = max(occasion.invitations, key=lambda i: i.id)
    form = SendLinkForm(formdata=None, token=token)
    return _link_page(found, invitation, token, form)


def _link_page(
    found: Participation,
    invitation: Invitation,
    token: str,
    form: SendLinkForm,
    sent_to: str | None = None,
    sms_form: SendSmsForm | None = None,
) -> str:
    url = personal_link(token)
    until = last_day(invitation.expires_at)
    return render_template(
        "staff/link_created.html",
        participation=found,
        invitation=invitation,
        occasion_label=occasion_label(invitation.occasion),
        url=url,
        qr_svg=segno.make(url, error="m").svg_inline(scale=5, title="QR-kod till länken"),
        message=link_message(url, until),
        expires=until,
        form=form,
        mail_configured=mail.configured(current_app.config["SETTINGS"]),
        email_preview=sending.link_letter(found, url, invitation, form.first_name.data or ""),
        sent_to=sent_to,
        sms_form=sms_form or SendSmsForm(formdata=None, token=token),
        sms_configured=sms.gateway(current_app.config["SETTINGS"]) is not None,
    )


def _own_invitation(found: Participation, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.occasion.participation_id != found.id:
        deny("invitation", invitation_id)
    assert invitation is not None  # noqa: S101
    return invitation


@bp.route("/deltagande/<int:participation_id>/lank/<int:invitation_id>/sms", methods=["POST"])
def sms_link(participation_id: int, invitation_id: int) -> str | WerkzeugResponse:
    """Send a just-created link by SMS through the deployment's gateway (if it has one)."""
    found = access.participation_for_work(current_user, participation_id)
    invitation = _own_invitation(found, invitation_id)
    form = SendSmsForm()
    token = form.token.data or ""
    gateway = sms.gateway(current_app.config["SETTINGS"])
    if gateway is None or links.usable_invitation(token) is not invitation:
        flash("Länken kan inte skickas med sms. Skapa en ny länk.", "error")
        return redirect(url_for("staff.participation", participation_id=found.id))
    email_form = SendLinkForm(formdata=None, token=token)
    if not form.validate_on_submit():
        return _link_page(found, invitation, token, email_form, sms_form=form)
    failed = sending.sms_link(
        gateway,
        invitation,
        personal_link(token),
        form.phone.data or "",
        remind=bool(form.remind.data),
    )
    db.session.commit()
    if failed is not None:
        form.phone.errors.append(failed)
        return _link_page(found, invitation, token, email_form, sms_form=form)
    kept = (
        "Numret sparas för påminnelser tills länken är besvarad eller har gått ut."
        if form.remind.data
        else "Numret sparas inte."
    )
    flash(f"Skickat med sms till {form.phone.data}. {kept}", "success")
    return _link_page(found, invitation, token, email_form, sms_form=form)


@bp.route("/deltagande/<int:participation_id>/lank/<int:invitation_id>/epost", methods=["POST"])
def email_link(participation_id: int, invitation_id: int) -> str | WerkzeugResponse:
    """Send a just-created link by e-mail: sent, or "inte skickat" with the reason and the
    form again, to retry. Only the link's own token (from the form) can be sent."""
    found = access.participation_for_work(current_user, participation_id)
    invitation = _own_invitation(found, invitation_id)
    form = SendLinkForm()
    token = form.token.data or ""
    if links.usable_invitation(token) is not invitation:
        flash("Länken kan inte skickas längre. Skapa en ny länk.", "error")
        return redirect(url_for("staff.participation", participation_id=found.id))
    if not form.validate_on_submit():
        return _link_page(found, invitation, token, form)
    address = (form.email.data or "").strip()
    failed = sending.email_link(
        current_app.config["SETTINGS"],
        found,
        invitation,
        personal_link(token),
        address,
        form.first_name.data or "",
        remind=bool(form.remind.data),
    )
    db.session.commit()
    if failed is not None:
        form.email.errors.append(failed)
        return _link_page(found, invitation, token, form)
    return _link_page(found, invitation, token, form, sent_to=address)


@bp.route("/deltagande/<int:participation_id>/lank/<int:invitation_id>/aterkalla", methods=["POST"])
def revoke_link(participation_id: int, invitation_id: int) -> WerkzeugResponse:
    found = access.participation_for_work(current_user, participation_id)
    invitation = _own_invitation(found, invitation_id)
    if ConfirmForm().validate_on_submit():
        links.revoke(invitation, current_user)
        db.session.commit()
        flash("Länken är återkallad och fungerar inte längre.", "success")
    return redirect(url_for("staff.participation", participation_id=found.id))


@bp.route(
    "/deltagande/<int:participation_id>/tillfalle/<int:occasion_id>/surfplatta", methods=["POST"]
)
def start_tablet(participation_id: int, occasion_id: int) -> WerkzeugResponse:
    """Hand the tablet over: the staff member is signed out and the tablet shows only this
    participant's questionnaires until they are sent or the tablet idles."""
    found = access.participation_for_work(current_user, participation_id)
    occasion = _occasion_of(found, occasion_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.participation", participation_id=found.id))
    audit.record("tablet_started", object_type="occasion", object_id=occasion.id)
    # Ended on the server, not only in this cookie: a copy of the staff cookie stops working.
    sessions.end_current()
    db.session.commit()
    logout_user()
    session.clear()
    survey_routes.begin(occasion, ResponseMode.KIOSK, "participant", None)
    return redirect(url_for("survey.intro"))


@bp.route(
    "/deltagande/<int:participation_id>/tillfalle/<int:occasion_id>/mata-in/<any(deltagare,personal):who>",
    methods=["POST"],
)
def enter_answers(participation_id: int, occasion_id: int, who: str) -> WerkzeugResponse:
    """Staff fill in a staff form, or enter a participant's paper answers (mode "staff")."""
    found = access.participation_for_work(current_user, participation_id)
    occasion = _occasion_of(found, occasion_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.participation", participation_id=found.id))
    respondent = "participant" if who == "deltagare" else "staff"
    survey_routes.begin(occasion, ResponseMode.STAFF, respondent, None)
    return redirect(url_for("survey.intro"))


@bp.route("/formular/<questionnaire_id>/utskrift")
def print_questionnaire(questionnaire_id: str) -> str:
    """A paper version for participants who prefer paper; staff enter the answers afterwards."""
    questionnaire = questionnaires_for(current_user.forbund_id).get(questionnaire_id)
    if questionnaire is None:
        deny("questionnaire", None)
    return render_template("survey/print.html", questionnaire=questionnaire, lang="sv")


@bp.route("/deltagande/<int:participation_id>/avsluta", methods=["GET", "POST"])
def end(participation_id: int) -> WerkzeugResponse | str:
    """Exit in one step: date and exit form, a confirmation page, then straight to the EXIT
    questionnaires. The end can be undone within END_UNDO_DAYS (`undo_end`)."""
    found = access.participation_for_work(current_user, participation_id)
    registry = questionnaires_for(current_user.forbund_id)
    items = exit_form_items(found, registry)
    form = end_participation_form(items)
    item_fields = [getattr(form, f"item_{item.id}") for item in items]
    if found.exit_date is not None and request.method == "GET":
        flash("Deltagandet är redan avslutat.", "error")
        return redirect(url_for("staff.participation", participation_id=found.id))
    if form.validate_on_submit():
        answers = exit_form_answers(
            items, {item.id: field.data for item, field in zip(items, item_fields, strict=True)}
        )
        confirmed = form.bekraftat.data == "ja" and not form.andra.data
        if not form.andra.data and not confirmed:
            return render_template(
                "staff/end_confirm.html",
                participation=found,
                form=form,
                item_fields=item_fields,
                summary=[(f.label.text, _chosen_label(f)) for f in item_fields],
                undo_days=END_UNDO_DAYS,
            )
        if confirmed:
            try:
                end_participation(found, form.exit_date.data, answers, registry)
            except DomainError as error:
                db.session.rollback()
                getattr(form, error.field or "exit_date").errors.append(error.message)
            else:
                db.session.commit()
                flash(
                    "Deltagandet är avslutat. Låt deltagaren svara på avslutsenkäten nu: starta "
                    "den på surfplattan eller skapa en personlig länk. Blev det fel kan du ångra "
                    f"avslutet här inom {END_UNDO_DAYS} dagar.",
                    "success",
                )
                return redirect(url_for("staff.participation", participation_id=found.id))
    return render_template(
        "staff/end.html",
        participation=found,
        form=form,
        item_fields=item_fields,
        undo_days=END_UNDO_DAYS,
    )


def _chosen_label(field: Any) -> str:
    """The label of a select field's chosen option, for the confirmation page."""
    return next((c.label for c in field.choices if c.value == field.data and c.value), "–")


@bp.route("/deltagande/<int:participation_id>/angra-avslut", methods=["GET", "POST"])
def undo_end_of(participation_id: int) -> WerkzeugResponse | str:
    """Undo an end made by mistake, after a confirmation page."""
    found = access.participation_for_work(current_user, participation_id)
    registry = questionnaires_for(current_user.forbund_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            undo_end(found, registry, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                "Avslutet är ångrat. Deltagandet pågår igen; slutdatum, utskrivning och "
                "avslutstillfället är borttagna.",
                "success",
            )
        return redirect(url_for("staff.participation", participation_id=found.id))
    deadline = undo_deadline(found)
    if deadline is None or utcnow() > deadline:
        flash(
            f"Avslutet kan bara ångras inom {END_UNDO_DAYS} dagar efter att det gjordes.",
            "error",
        )
        return redirect(url_for("staff.participation", participation_id=found.id))
    return render_template(
        "staff/undo_end.html",
        participation=found,
        confirm=form,
        deadline=deadline.astimezone(STOCKHOLM),
    )


@bp.route("/att-gora/lankar", methods=["POST"])
def links_for_due() -> str | WerkzeugResponse:
    """One action: a personal link for everyone due to answer now, in one insats or all the
    user works with (shown once, to send). Due follow-ups not created yet are created."""
    insatser = _work_insatser()
    form = DueLinksForm()
    if not form.validate_on_submit():
        return redirect(url_for("staff.todo_all"))
    chosen = insatser
    if form.insats.data:
        # One of the user's own insatser, or nothing: no other value reaches a query.
        chosen = [i for i in insatser if str(i.id) == form.insats.data.strip()]
        if not chosen:
            deny("insats", None)
    created = links_for_all_due(chosen, current_user, questionnaires_for(current_user.forbund_id))
    db.session.commit()
    rows = []
    for link in created:
        url = personal_link(link.token)
        rows.append((link, url, link_message(url, link.expires)))
    expires = min((link.expires for link in created), default=None)
    return render_template(
        "staff/bulk_links.html",
        one_insats=chosen[0] if len(chosen) == 1 else None,
        back=url_for("staff.todo_all", insats=form.insats.data or None),
        rows=rows,
        expires=expires,
    )


@bp.route("/insatser/<int:insats_id>/deltagare/import", methods=["GET", "POST"])
@takes_upload
def register_many(insats_id: int) -> WerkzeugResponse | str:
    """Many participants at once from a CSV file: all or nothing, with a report of every bad row."""
    insats = access.insats_for_participant_work(current_user, insats_id)
    form = BulkRegisterForm()
    errors: list[bulk.RowError] = []
    if form.is_submitted() and code_lookups.remaining(current_user) <= 0:
        abort(429)  # as for one registration
    if form.validate_on_submit():
        # Read row by row from the uploaded file (a temporary file beyond 500 kB), never whole.
        stream = io.TextIOWrapper(form.file.data.stream, encoding="utf-8-sig", newline="")
        try:
            count = bulk.register_all(insats, stream)
        except UnicodeDecodeError:
            db.session.rollback()
            form.file.errors.append("Filen ska vara sparad som UTF-8.")
        except bulk.Rejected as rejected:
            db.session.rollback()
            errors = bulk.screen_unavailable_codes(current_user, insats.forbund_id, rejected.errors)
        else:
            audit.record(
                "participants_registered_from_file",
                object_type="insats",
                object_id=insats.id,
                count=count,
            )
            db.session.commit()
            flash(
                "1 deltagare är registrerad. Startmätningen är skapad."
                if count == 1
                else f"{count} deltagare är registrerade. Startmätningarna är skapade.",
                "success",
            )
            return redirect(url_for("staff.insats", insats_id=insats.id))
    return render_template("staff/register_many.html", insats=insats, form=form, errors=errors)
