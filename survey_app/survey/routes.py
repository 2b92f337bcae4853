"""The respondent's pages: open a personal link, answer page by page, submit, thank-you.

The survey state lives in the session: which occasion, how it was opened (link, tablet, staff),
who answers (participant or staff) and the language. URLs carry only page numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app import access, audit
from survey_app.exceptions import DomainError
from survey_app.extensions import db, limiter
from survey_app.forms import ConfirmForm
from survey_app.models import Invitation, Occasion, ResponseMode
from survey_app.models._types import utcnow
from survey_app.questionnaires import Registry
from survey_app.survey import links
from survey_app.survey.fields import field_name, page_form_class, render_item
from survey_app.survey.flow import effective_answers, next_step
from survey_app.survey.services import (
    Bundle,
    load_bundle,
    load_occasion,
    raise_flag,
    safety_triggered,
    save_page,
    submit,
)
from survey_app.urls import LINK_PATH

bp = Blueprint("survey", __name__)

STATE = "survey"
DONE = "survey_done"
LOCKED = "kiosk_locked"
LANGUAGES = {"sv": "Svenska", "en": "English"}


@dataclass
class State:
    occasion_id: int
    mode: ResponseMode
    respondent: str
    invitation_id: int | None
    language: str
    seen: float
    participation_id: int
    # Questionnaires saved in this browser session: only their earlier answers are shown again
    # where answers are sensitive (see `_prefill`).
    answered: list[str] = field(default_factory=list)

    def save(self) -> None:
        session[STATE] = {
            "occasion": self.occasion_id,
            "mode": self.mode.value,
            "respondent": self.respondent,
            "invitation": self.invitation_id,
            "lang": self.language,
            "seen": self.seen,
            "participation": self.participation_id,
            "answered": self.answered,
        }

    @classmethod
    def load(cls) -> State | None:
        raw = session.get(STATE)
        if not isinstance(raw, dict):
            return None
        try:
            return cls(
                occasion_id=int(raw["occasion"]),
                mode=ResponseMode(raw["mode"]),
                respondent=str(raw["respondent"]),
                invitation_id=raw.get("invitation"),
                language=str(raw.get("lang", "sv")),
                seen=float(raw.get("seen", 0)),
                participation_id=int(raw["participation"]),
                answered=[str(q) for q in raw.get("answered", [])],
            )
        except (KeyError, TypeError, ValueError):
            return None


def begin(
    occasion: Occasion, mode: ResponseMode, respondent: str, invitation: Invitation | None
) -> None:
    """Start answering an occasion in this browser session."""
    session.pop(DONE, None)
    session.pop(LOCKED, None)
    State(
        occasion_id=occasion.id,
        mode=mode,
        respondent=respondent,
        invitation_id=invitation.id if invitation else None,
        language="sv",
        seen=time.time(),
        participation_id=occasion.participation_id,
    ).save()


def registry() -> Registry:
    registry: Registry = current_app.extensions["questionnaires"]
    return registry


def _link_failures_per_address() -> str:
    return str(current_app.config["SETTINGS"].link_failures_per_address)


def _link_failures_per_prefix() -> str:
    return str(current_app.config["SETTINGS"].link_failures_per_prefix)


def _token_prefix() -> str:
    token = str((request.view_args or {}).get("token", ""))
    return "link-prefix:" + token[:TOKEN_PREFIX_LENGTH]


def _link_failed(response: WerkzeugResponse) -> bool:
    return response.status_code == 404


# 6 characters of the token's 32: about 36 bits, so two participants' links share a prefix
# about once in 69 billion; a guesser working through one prefix is stopped after 10 tries.
TOKEN_PREFIX_LENGTH = 6


@bp.route(LINK_PATH + "<token>")
@limiter.limit(_link_failures_per_address, deduct_when=_link_failed)
@limiter.limit(_link_failures_per_prefix, key_func=_token_prefix, deduct_when=_link_failed)
def open_link(token: str) -> str | WerkzeugResponse | tuple[str, int]:
    invitation = links.usable_invitation(token)
    if invitation is None:
        return link_not_working()
    loaded = load_occasion(invitation.occasion_id)
    if loaded is None:
        return link_not_working()
    occasion, _ = loaded
    bundle = load_bundle(occasion, "participant", registry())
    if bundle.submitted or not bundle.questionnaires:
        return link_not_working()
    # Whatever this browser held before (even a staff login) gives way to the participant's link.
    session.clear()
    begin(occasion, ResponseMode.LINK, "participant", invitation)
    # The intro is answered here, not through a redirect: a link clicked in webmail is a
    # cross-site navigation, on which the SameSite=Strict cookie would not follow a redirect.
    # The next click ("Börja") is on our own site, so the new session comes along.
    g.state = State.load()
    g.bundle = bundle
    return intro()


def link_not_working() -> tuple[str, int]:
    """One calm page for unknown, expired, revoked and used links alike."""
    return render_template("survey/link_not_working.html"), 404


@bp.before_request
def _load_state() -> WerkzeugResponse | tuple[str, int] | None:
    if request.endpoint in {
        "survey.open_link",
        "survey.thanks",
        "survey.locked",
        "survey.quick_exit",
    }:
        return None
    state = State.load()
    if state is None:
        if session.get(LOCKED):
            return redirect(url_for("survey.locked"))
        if session.get(DONE):
            return redirect(url_for("survey.thanks"))
        return link_not_working()
    if state.mode == ResponseMode.KIOSK:
        idle = current_app.config["SETTINGS"].kiosk_idle_minutes * 60
        if time.time() - state.seen > idle:
            lock_tablet()
            return redirect(url_for("survey.locked"))
    loaded = _occasion_for(state)
    if loaded is None:
        session.pop(STATE, None)
        return link_not_working()
    occasion, g.invitation = loaded
    state.seen = time.time()
    state.save()
    g.state = state
    g.bundle = load_bundle(occasion, state.respondent, registry())
    if not g.bundle.questionnaires:
        return link_not_working()
    return None


def _occasion_for(state: State) -> tuple[Occasion, Invitation | None] | None:
    """The occasion the session answers, and the invitation when a link opened it."""
    if state.mode == ResponseMode.STAFF:
        if not current_user.is_authenticated:
            return None
        access.participation_for_work(current_user, state.participation_id)
    link = state.mode == ResponseMode.LINK
    loaded = load_occasion(
        state.occasion_id,
        participation_id=state.participation_id,
        invitation_id=(state.invitation_id or -1) if link else None,
    )
    if loaded is None:
        return None
    occasion, invitation = loaded
    if link:
        # The session a link opened ends with the link: revoked, expired or erased.
        if invitation is None or invitation.revoked_at is not None:
            return None
        if invitation.expires_at <= utcnow():
            return None
    return occasion, invitation


def lock_tablet() -> None:
    session.clear()
    session[LOCKED] = True


@bp.context_processor
def _kiosk_idle_refresh() -> dict[str, object]:
    """On a tablet, the page itself goes to the locked screen after the idle time."""
    state = g.get("state")
    if state is not None and state.mode == ResponseMode.KIOSK:
        return {"idle_refresh_seconds": current_app.config["SETTINGS"].kiosk_idle_minutes * 60}
    return {}


@bp.route("/svar")
def intro() -> str | WerkzeugResponse:
    state: State = g.state
    bundle: Bundle = g.bundle
    wanted = request.args.get("sprak")
    if wanted in LANGUAGES:
        state.language = wanted
        state.save()
    if bundle.submitted:
        return redirect(url_for("survey.thanks"))
    position = next_step(bundle.steps, bundle.pages_saved())
    languages = {
        code: name
        for code, name in LANGUAGES.items()
        if all(code in q.languages for q in bundle.open_questionnaires)
    }
    return render_template(
        "survey/intro.html",
        bundle=bundle,
        lang=state.language,
        languages=languages,
        resume=position > 1,
        next_number=min(position, len(bundle.steps)),
        total=len(bundle.steps),
        all_saved=position > len(bundle.steps),
    )


@bp.route("/svar/sida/<int:number>", methods=["GET", "POST"])
def page(number: int) -> str | WerkzeugResponse:
    state: State = g.state
    bundle: Bundle = g.bundle
    if bundle.submitted:
        return redirect(url_for("survey.thanks"))
    steps = bundle.steps
    reachable = next_step(steps, bundle.pages_saved())
    if not 1 <= number <= len(steps):
        return redirect(url_for("survey.intro"))
    if number > reachable:
        flash("Fyll i sidorna i tur och ordning. Du är nu på den första sidan som inte är klar.")
        return redirect(url_for("survey.page", number=reachable))
    step = steps[number - 1]
    answers = effective_answers(step.questionnaire, bundle.answers(step.questionnaire.id))
    form_class = page_form_class(step.page, answers, state.language)
    form = form_class(
        data=_prefill(state, bundle, step, answers) if request.method == "GET" else None
    )
    if form.validate_on_submit():
        support = safety_triggered(step.questionnaire, form.answers())
        try:
            _save(state, step, form.answers(), raise_follow_up_flag=support)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            if step.questionnaire.id not in state.answered:
                state.answered.append(step.questionnaire.id)
                state.save()
            if support:
                return redirect(url_for("survey.support", after=number))
            if number == len(steps):
                return redirect(url_for("survey.confirm"))
            return redirect(url_for("survey.page", number=number + 1))
    return render_template(
        "survey/page.html",
        form=form,
        step=step,
        total=len(steps),
        lang=state.language,
        items=[i for i in step.page.items if field_name(i) in form],
        field_name=field_name,
        render_item=render_item,
        kiosk=state.mode == ResponseMode.KIOSK,
    )


def _prefill(state: State, bundle: Bundle, step: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """Earlier answers to show on the page. Sensitive answers (a questionnaire with a quick exit)
    and a participant's answers seen by staff are shown only to the browser session that gave
    them: reopening the link after "Lämna sidan snabbt" must not reveal them."""
    questionnaire = step.questionnaire
    response = bundle.responses.get(questionnaire.id)
    given_elsewhere = questionnaire.id not in state.answered
    staff_sees_participant = (
        state.mode == ResponseMode.STAFF
        and response is not None
        and response.mode != ResponseMode.STAFF
    )
    if given_elsewhere and (questionnaire.safety.quick_exit or staff_sees_participant):
        return {}
    return {field_name(i): answers.get(i.id) for i in step.page.items}


def _save(state: State, step: Any, answers: dict[str, Any], *, raise_follow_up_flag: bool) -> None:
    """Save the page (and raise the follow-up flag) in one short transaction. A parallel save of
    the same page (a double tap, a second tab) is settled by the database (see `save_page`)."""
    bundle: Bundle = g.bundle
    save_page(
        bundle, step.questionnaire, step.page, answers, mode=state.mode, language=state.language
    )
    if raise_follow_up_flag:
        raise_flag(bundle, step.questionnaire)
    db.session.commit()


@bp.route("/svar/stod/<int:after>")
def support(after: int) -> str:
    """Where to get help, shown after a "yes" in a screening; then the participant goes on."""
    bundle: Bundle = g.bundle
    total = len(bundle.steps)
    following = (
        url_for("survey.page", number=after + 1) if after < total else url_for("survey.confirm")
    )
    return render_template(
        "survey/support.html",
        lang=g.state.language,
        contacts=bundle.occasion.participation.insats.forbund.support_contacts,
        following=following,
    )


@bp.route("/svar/lamna")
def quick_exit() -> WerkzeugResponse:
    """ "Lämna sidan snabbt": forget the questionnaire in this browser and go to a neutral site.
    Answers already saved stay saved; on a tablet the tablet locks."""
    state = State.load()
    if state is not None and state.mode == ResponseMode.KIOSK:
        # On the office's tablet the neutral page is the locked screen.
        lock_tablet()
        return redirect(url_for("survey.locked"))
    session.pop(STATE, None)
    return redirect(current_app.config["SETTINGS"].quick_exit_url)


@bp.route("/svar/skicka", methods=["GET", "POST"])
def confirm() -> str | WerkzeugResponse:
    state: State = g.state
    bundle: Bundle = g.bundle
    if bundle.submitted:
        return _finish(state)
    steps = bundle.steps
    if next_step(steps, bundle.pages_saved()) <= len(steps):
        return redirect(url_for("survey.intro"))
    error = None
    if ConfirmForm().validate_on_submit():
        try:
            submitted = submit(bundle, g.invitation, state.mode)
        except DomainError as problem:
            db.session.rollback()
            error = problem.message
            if problem.field:
                flash(problem.message)
                return redirect(url_for("survey.page", number=int(problem.field)))
        else:
            if submitted:
                audit.record(
                    "responses_submitted",
                    forbund_id=bundle.occasion.participation.insats.forbund_id,
                    object_type="occasion",
                    object_id=bundle.occasion.id,
                    mode=state.mode.value,
                )
            db.session.commit()
            return _finish(state)
    return render_template(
        "survey/confirm.html", bundle=bundle, lang=state.language, total=len(steps), error=error
    )


def _finish(state: State) -> WerkzeugResponse:
    if state.mode == ResponseMode.STAFF:
        session.pop(STATE, None)
        flash("Svaren är sparade och inskickade.", "success")
        return redirect(url_for("staff.participation", participation_id=state.participation_id))
    if state.mode == ResponseMode.KIOSK:
        lock_tablet()
    else:
        session.pop(STATE, None)
    session[DONE] = state.language
    return redirect(url_for("survey.thanks"))


@bp.route("/svar/tack")
def thanks() -> str:
    language = session.get(DONE) if session.get(DONE) in LANGUAGES else "sv"
    return render_template("survey/thanks.html", lang=language, kiosk=bool(session.get(LOCKED)))


@bp.route("/surfplatta")
def locked() -> str:
    return render_template("survey/locked.html")
