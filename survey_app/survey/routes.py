"""The respondent's pages: open a personal link, answer page by page, submit, thank-you.

The survey state lives in the session: which occasion, how it was opened (link, tablet, staff),
who answers (participant or staff) and the language. URLs carry only page numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app import access
from survey_app.exceptions import DomainError
from survey_app.extensions import db, limiter
from survey_app.forms import ConfirmForm
from survey_app.i18n import DEFAULT_LANGUAGE, LANGUAGES, Language, gettext
from survey_app.models import Invitation, Occasion, ResponseMode
from survey_app.models._types import utcnow
from survey_app.privacy import audit
from survey_app.questionnaires import Registry
from survey_app.questionnaires.own import questionnaires_for
from survey_app.responses.flow import effective_answers, next_step
from survey_app.responses.reading import InvitationRow, OccasionRow, read_occasion
from survey_app.responses.storage import (
    Bundle,
    load_bundle,
    load_occasion,
    raise_flag,
    safety_triggered,
    save_page,
    submit,
)
from survey_app.survey import audio, links
from survey_app.survey.fields import FIELD_PREFIX, field_name, page_form_class
from survey_app.survey.page_render import render_page
from survey_app.urls import LINK_PATH

bp = Blueprint("survey", __name__)

STATE = "survey"
DONE = "survey_done"
# Why the tablet is locked: it idled, the participant left quickly, or the answers were sent.
LOCKED = "kiosk_locked"
IDLE, EXITED, SENT = "idle", "exit", "sent"
# The language chosen in this browser, kept for the pages shown once the state is gone (thanks,
# the locked tablet).
LANGUAGE = "survey_language"


@dataclass
class State:
    occasion_id: int
    mode: ResponseMode
    respondent: str
    invitation_id: int | None
    language: str
    seen: float
    participation_id: int
    # Pages saved in this browser session ("<questionnaire id>:<page>"): after a quick exit,
    # only these pages show their earlier answers again (see `_prefill`).
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
    occasion: Occasion | OccasionRow,
    mode: ResponseMode,
    respondent: str,
    invitation: Invitation | InvitationRow | None,
) -> None:
    """Start answering an occasion in this browser session: a participant's pages open in the
    language staff chose for them (staff entering answers work in Swedish)."""
    session.pop(DONE, None)
    session.pop(LOCKED, None)
    chosen = occasion.participation.language if mode != ResponseMode.STAFF else None
    State(
        occasion_id=occasion.id,
        mode=mode,
        respondent=respondent,
        invitation_id=invitation.id if invitation else None,
        language=chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE,
        seen=time.time(),
        participation_id=occasion.participation_id,
    ).save()


def registry(occasion: Occasion | OccasionRow) -> Registry:
    """The questionnaires of the occasion's förbund (its förbund is loaded with the occasion)."""
    return questionnaires_for(occasion.participation.insats.forbund)


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
    loaded = read_occasion(invitation.occasion_id)  # in the invitation's read's transaction
    if loaded is None:
        return link_not_working()
    occasion, _ = loaded
    bundle = load_bundle(occasion, "participant", registry(occasion))
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
    _choose_language()
    return intro()


def link_not_working() -> tuple[str, int]:
    """One calm page for unknown, expired, revoked and used links alike."""
    return render_template("survey/link_not_working.html"), 404


@bp.before_request
def _language_before_state() -> None:
    """The language of pages without a state (thanks, locked, a link that does not work):
    `?sprak=` or what this browser chose before. `_load_state` refines it."""
    wanted = request.args.get("sprak")
    chosen = wanted if wanted in LANGUAGES else session.get(LANGUAGE)
    g.language = chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _choose_language() -> None:
    """Apply `?sprak=` to the state when the bundle offers that language."""
    state: State = g.state
    wanted = request.args.get("sprak")
    offered = offered_languages(g.bundle)
    if wanted in offered and wanted != state.language:
        state.language = wanted
        state.save()
    elif state.language not in offered:
        # The language staff chose, where a questionnaire still to answer lacks it: Swedish.
        state.language = DEFAULT_LANGUAGE
        state.save()
    g.language = state.language


def offered_languages(bundle: Bundle) -> list[str]:
    """The languages every questionnaire still to answer has texts in."""
    still_open = bundle.open_questionnaires
    return [code for code in LANGUAGES if all(code in q.languages for q in still_open)]


# What urlencode makes of each language's `?sprak=`, made once.
LANGUAGE_QUERIES = {code: urlencode({"sprak": code}) for code in LANGUAGES}


@bp.context_processor
def _language_context() -> dict[str, object]:
    """The page's language and links to the same page in the others (lang and hreflang on
    each), on every participant page."""
    language, links = _language_links()
    return {"language": language, "lang": language.code, "language_links": links}


def _language_links() -> tuple[Language, list[tuple[Language, str | None]]]:
    language = LANGUAGES[g.get("language", DEFAULT_LANGUAGE)]
    bundle = g.get("bundle")
    codes = offered_languages(bundle) if bundle is not None else list(LANGUAGES)
    endpoint = request.endpoint or "survey.intro"
    if endpoint == "survey.open_link":
        endpoint = "survey.intro"  # the token stays out of the page's links
    args = dict(request.view_args or {}) if endpoint == request.endpoint else {}
    # The page's address once; each language adds its query (what url_for would make, as the
    # codes need no quoting), instead of building the address again per language.
    here = url_for(endpoint, **args)
    joint = "&" if "?" in here else "?"
    links: list[tuple[Language, str | None]] = [
        (
            LANGUAGES[code],
            None if code == language.code else f"{here}{joint}{LANGUAGE_QUERIES[code]}",
        )
        for code in codes
    ]
    return language, links


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
    expired = state.mode == ResponseMode.KIOSK and time.time() - state.seen > _idle_seconds()
    # A page posted after the idle time still carries what was entered: kept as a draft.
    if expired and not (request.method == "POST" and request.endpoint in KEEPS_ENTRIES):
        lock_tablet(IDLE)
        return redirect(url_for("survey.locked"))
    loaded = _occasion_for(state)
    if loaded is None:
        session.pop(STATE, None)
        return link_not_working()
    occasion, g.invitation = loaded
    if state.mode == ResponseMode.KIOSK:
        # Only the tablet's idle lock reads the time a page was last seen; other sessions are
        # not written (and the cookie not signed again) just to record it.
        state.seen = time.time()
        state.save()
    g.state = state
    g.expired = expired
    g.bundle = load_bundle(occasion, state.respondent, registry(occasion))
    if not g.bundle.questionnaires:
        return link_not_working()
    _choose_language()
    return None


KEEPS_ENTRIES = frozenset({"survey.page", "survey.lock"})


def _idle_seconds() -> int:
    return int(current_app.config["SETTINGS"].kiosk_idle_seconds)


def _occasion_for(
    state: State,
) -> tuple[Occasion | OccasionRow, Invitation | InvitationRow | None] | None:
    """The occasion the session answers, and the invitation when a link opened it: plain rows
    for a participant's pages and submit (`storage.submit` writes by statements); the ORM
    objects for staff's entry, whose pages show more of the participation."""
    if state.mode == ResponseMode.STAFF:
        if not current_user.is_authenticated:
            return None
        access.participation_for_work(current_user, state.participation_id)
    link = state.mode == ResponseMode.LINK
    loaded: tuple[Occasion | OccasionRow, Invitation | InvitationRow | None] | None
    if state.mode == ResponseMode.STAFF:
        loaded = load_occasion(
            state.occasion_id,
            participation_id=state.participation_id,
            invitation_id=(state.invitation_id or -1) if link else None,
        )
    else:
        loaded = read_occasion(
            state.occasion_id,
            participation_id=state.participation_id,
            invitation_id=(state.invitation_id or -1) if link else None,
            # A save reads in its session, on the connection its write uses: on SQLite before
            # its write lock (`begin_write`); on PostgreSQL alone all the same, with no BEGIN
            # (`as_one_statement_transaction`: the session has sent nothing yet), as a read in
            # the save's transaction would hold nothing the save relies on (read committed; the
            # save checks the response's state itself).
            in_session=request.method != "GET",
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


def lock_tablet(reason: str) -> None:
    language = g.get("language", DEFAULT_LANGUAGE)
    session.clear()
    session[LOCKED] = reason
    session[LANGUAGE] = language


@bp.context_processor
def _tablet_timer() -> dict[str, object]:
    """On a tablet, the page's script (static/tablet.js) warns before the idle lock and offers
    "Jag är kvar"; at the idle time it posts the page's entries to `lock`. Without JavaScript
    the server locks at the next request (no meta refresh: it would discard the entries)."""
    state = g.get("state")
    if state is None or state.mode != ResponseMode.KIOSK:
        return {}
    idle = _idle_seconds()
    warning = min(current_app.config["SETTINGS"].kiosk_warning_seconds, idle // 2)
    return {"tablet_timer": {"idle": idle, "warning": warning}}


@bp.route("/svar")
def intro() -> str | WerkzeugResponse:
    state: State = g.state
    bundle: Bundle = g.bundle
    if bundle.submitted:
        return redirect(url_for("survey.thanks"))
    position = next_step(bundle.steps, bundle.pages_saved())
    # After a quick exit the intro does not tell that anything was answered; "Börja" leads to
    # the first page not yet answered.
    begun = position > 1 or any(r.answers for r in bundle.responses.values())
    return render_template(
        "survey/intro.html",
        bundle=bundle,
        # A draft kept by the tablet's idle lock counts as begun, though no page is saved.
        resume=begun and (bundle.occasion.quick_exit_at is None or bool(state.answered)),
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
        flash(
            gettext(
                "Fyll i sidorna i tur och ordning. Du är nu på den första sidan som inte är klar."
            )
        )
        return redirect(url_for("survey.page", number=reachable))
    if request.method == "POST" and g.expired:
        return lock(number)
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
            if _page_key(step) not in state.answered:
                state.answered.append(_page_key(step))
                state.save()
            if support:
                return redirect(url_for("survey.support", after=number))
            if number == len(steps):
                return redirect(url_for("survey.confirm"))
            return redirect(url_for("survey.page", number=number + 1))
    language, language_links = _language_links()
    return render_page(
        form=form,
        step=step,
        total=len(steps),
        items=[i for i in step.page.items if field_name(i) in form],
        kiosk=state.mode == ResponseMode.KIOSK,
        recordings=_recordings(bundle, step, state.language),
        language=language.code,
        language_links=language_links,
    )


def _audio_dir() -> Path:
    return Path(current_app.config["SETTINGS"].audio_dir)


def _recordings(bundle: Bundle, step: Any, language: str) -> dict[str, str]:
    """The addresses of the förbund's recordings of the page's questions in the page's
    language, by item id (a directory listing; no database read)."""
    questionnaire_id = step.questionnaire.id
    forbund_id = bundle.occasion.participation.insats.forbund_id
    found = audio.recordings(_audio_dir(), forbund_id, questionnaire_id)
    return {
        item.id: url_for("survey.recording", questionnaire_id=questionnaire_id, name=name)
        for item in step.page.items
        if (name := found.get(f"{item.id}.{language}"))
    }


@bp.route("/svar/ljud/<questionnaire_id>/<name>")
def recording(questionnaire_id: str, name: str) -> WerkzeugResponse:
    """A recording of a question, for a browser answering a bundle that asks it. The address
    names the question and language only; the förbund is the session's."""
    bundle: Bundle = g.bundle
    path = audio.recording_path(
        _audio_dir(),
        bundle.occasion.participation.insats.forbund_id,
        questionnaire_id,
        name,
        (q.id for q in bundle.questionnaires),
    )
    if path is None:
        abort(404)
    response = send_file(path, mimetype=audio.MIME_TYPES[path.suffix], conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _page_key(step: Any) -> str:
    return f"{step.questionnaire.id}:{step.page.number}"


def _prefill(state: State, bundle: Bundle, step: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """Earlier answers to show on the page. Sensitive answers (a questionnaire with a quick exit)
    are never shown again, not even on Back. Others are shown to the browser session that gave
    them, and to a participant's later sessions unless someone has left with "Lämna sidan
    snabbt" (whoever picks up the phone and reopens the link must find nothing); staff never
    see a participant's answers."""
    questionnaire = step.questionnaire
    if questionnaire.safety.quick_exit:
        return {}
    response = bundle.responses.get(questionnaire.id)
    given_here = _page_key(step) in state.answered
    participant_answers = response is not None and response.mode != ResponseMode.STAFF
    hidden = bundle.occasion.quick_exit_at is not None or (
        state.mode == ResponseMode.STAFF and participant_answers
    )
    if hidden and not given_here:
        return {}
    return {field_name(i): answers.get(i.id) for i in step.page.items}


def _save(state: State, step: Any, answers: dict[str, Any], *, raise_follow_up_flag: bool) -> None:
    """Save the page (and raise the follow-up flag) in one short transaction. A parallel save of
    the same page (a double tap, a second tab) is settled by the database (see `save_page`)."""
    bundle: Bundle = g.bundle
    committed = save_page(
        bundle,
        step.questionnaire,
        step.page,
        answers,
        mode=state.mode,
        language=state.language,
        only_write=not raise_follow_up_flag,
    )
    if raise_follow_up_flag:
        raise_flag(bundle, step.questionnaire)
    if not committed:  # (a save that ran as its own transaction is committed)
        db.session.commit()


@bp.route("/svar/las", methods=["POST"])
@bp.route("/svar/sida/<int:number>/las", methods=["POST"])
def lock(number: int | None = None) -> WerkzeugResponse:
    """Lock the tablet at the idle time, keeping what the page held as a draft of that page:
    staff resuming the occasion on the tablet find the entries in place."""
    if g.state.mode != ResponseMode.KIOSK:
        return redirect(url_for("survey.intro"))
    if number is not None:
        _keep_draft(number)
    lock_tablet(IDLE)
    return redirect(url_for("survey.locked"))


def _keep_draft(number: int) -> None:
    state: State = g.state
    bundle: Bundle = g.bundle
    steps = bundle.steps
    reachable = min(next_step(steps, bundle.pages_saved()), len(steps))
    if bundle.submitted or not 1 <= number <= reachable:
        return
    step = steps[number - 1]
    answers = effective_answers(step.questionnaire, bundle.answers(step.questionnaire.id))
    form = page_form_class(step.page, answers, state.language)()
    if not form.validate() and form.form_errors:
        return  # answers to questions not on the page: nothing is kept
    entries = {
        item_id: value
        for item_id, value in form.answers().items()
        if value is not None and not form[FIELD_PREFIX + item_id].errors
    }
    if not entries:
        return
    try:
        save_page(
            bundle,
            step.questionnaire,
            step.page,
            entries,
            mode=state.mode,
            language=state.language,
            draft=True,
        )
        db.session.commit()
    except (IntegrityError, OperationalError):
        db.session.rollback()  # a parallel save of the page won; the lock still comes


@bp.route("/svar/kvar", methods=["POST"])
def keep_alive() -> tuple[str, int]:
    """ "Jag är kvar": the request itself restarts the idle time (see `_load_state`)."""
    return "", 204


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
        contacts=bundle.occasion.participation.insats.forbund.support_contacts,
        following=following,
    )


@bp.route("/svar/lamna")
def quick_exit() -> WerkzeugResponse:
    """ "Lämna sidan snabbt": forget the questionnaire in this browser and go to a neutral site.
    Answers already saved stay saved; on a tablet the tablet locks."""
    state = State.load()
    if state is not None and state.mode != ResponseMode.STAFF:
        _remember_quick_exit(state)
    if state is not None and state.mode == ResponseMode.KIOSK:
        # On the office's tablet the neutral page is the locked screen.
        lock_tablet(EXITED)
        return redirect(url_for("survey.locked"))
    session.pop(STATE, None)
    return redirect(current_app.config["SETTINGS"].quick_exit_url)


def _remember_quick_exit(state: State) -> None:
    """From now on the answers given so far are not shown again, to anyone who opens the link
    or the tablet (they stay saved, and the participant goes on at the first unanswered page)."""
    occasion = db.session.get(Occasion, state.occasion_id)
    if occasion is not None and occasion.participation_id == state.participation_id:
        occasion.quick_exit_at = utcnow()
        db.session.commit()


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
    return render_template("survey/confirm.html", bundle=bundle, total=len(steps), error=error)


def _finish(state: State) -> WerkzeugResponse:
    if state.mode == ResponseMode.STAFF:
        session.pop(STATE, None)
        flash("Svaren är sparade och inskickade.", "success")
        return redirect(url_for("staff.participation", participation_id=state.participation_id))
    if state.mode == ResponseMode.KIOSK:
        lock_tablet(SENT)
    else:
        session.pop(STATE, None)
    session[DONE] = True
    session[LANGUAGE] = state.language
    return redirect(url_for("survey.thanks"))


@bp.route("/svar/tack")
def thanks() -> str:
    return render_template("survey/thanks.html", kiosk=bool(session.get(LOCKED)))


@bp.route("/surfplatta")
def locked() -> str:
    """The tablet's neutral page. It thanks only for answers that were sent."""
    return render_template("survey/locked.html", reason=session.get(LOCKED))
