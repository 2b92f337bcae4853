"""Staff sign-in and sign-out, own passwords, and "glömt lösenord"."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app import mail
from survey_app.auth import services, sessions, throttle, totp
from survey_app.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
)
from survey_app.auth.passwords import hash_password, needs_rehash, verify_password
from survey_app.config import Settings
from survey_app.exceptions import DomainError
from survey_app.extensions import db, limiter
from survey_app.models import StaffUser
from survey_app.models._types import utcnow
from survey_app.privacy import audit
from survey_app.security import STAFF_SEEN

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

FAILED_LOGIN = "Fel e-postadress eller lösenord."


# Throttling counts failures only and forgives them at a successful sign-in; a stranger's
# guesses stop the stranger, not the account's owner (survey_app/auth/throttle.py).
@bp.route("/login", methods=["GET", "POST"])
def login() -> WerkzeugResponse | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        refusal = throttle.before_attempt(email)
        if refusal is not None:
            form.password.errors.append(refusal.message)
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))
        password_ok = verify_password(
            user.password_hash if user else None, form.password.data or ""
        )
        if user is None or not password_ok or not user.active:
            throttle.failed(email)
            audit.record(
                "login_failed",
                forbund_id=user.forbund_id if user else None,
                object_type="staff_user",
                object_id=user.id if user else None,
            )
            db.session.commit()
            form.password.errors.append(FAILED_LOGIN)
            return render_template("auth/login.html", form=form)
        throttle.succeeded(email)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(form.password.data or "")
        next_url = _safe_next(request.args.get("next"))
        if _needs_second_step(user):
            return _start_second_step(user, next_url)
        return _complete_login(user, next_url)
    return render_template("auth/login.html", form=form)


def _complete_login(user: StaffUser, next_url: str | None) -> WerkzeugResponse:
    # A fresh session at login: nothing from before sign-in carries over (session fixation).
    session.clear()
    session.permanent = True
    session[STAFF_SEEN] = time.time()  # see security._staff_idle_too_long
    sessions.start(user)
    login_user(user)
    user.last_login_at = utcnow()
    audit.record("login", forbund_id=user.forbund_id, object_type="staff_user", object_id=user.id)
    db.session.commit()
    if user.must_change_password:
        response = redirect(url_for("auth.change_password"))
    else:
        response = redirect(next_url or url_for("staff.home"))
    throttle.remember_device(response, user.email)
    return response


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> WerkzeugResponse:
    audit.record("logout", object_type="staff_user", object_id=current_user.id)
    # Ended on the server: a copy of the session cookie stops working too.
    sessions.end_current()
    db.session.commit()
    logout_user()
    session.clear()
    flash("Du är utloggad.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/healthz")
def health() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# --- two-step sign-in -------------------------------------------------------------------------

PENDING = "pending_user"
PENDING_SINCE = "pending_since"
PENDING_NEXT = "pending_next"
PENDING_SECRET = "pending_secret"  # noqa: S105 (a session key, not a secret)
PENDING_MINUTES = 5
WRONG_CODE = "Fel kod. Skriv de sex siffrorna som appen visar just nu."


def _needs_second_step(user: StaffUser) -> bool:
    return bool(user.totp_secret) or (user.is_admin and user.forbund.require_totp_for_admins)


def _start_second_step(user: StaffUser, next_url: str | None) -> WerkzeugResponse:
    session.clear()
    session[PENDING] = user.id
    session[PENDING_SINCE] = time.time()
    if next_url:
        session[PENDING_NEXT] = next_url
    db.session.commit()
    return redirect(url_for("auth.second_step"))


def _pending_user() -> StaffUser | None:
    user_id, since = session.get(PENDING), session.get(PENDING_SINCE)
    if not isinstance(user_id, int) or not isinstance(since, int | float):
        return None
    if time.time() - since > PENDING_MINUTES * 60:
        return None
    user = db.session.get(StaffUser, user_id)
    return user if user is not None and user.active else None


def _code_key() -> str:
    return f"totp:{session.get(PENDING)}"


@bp.route("/login/kod", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", key_func=_code_key, methods=["POST"])
def second_step() -> WerkzeugResponse | str:
    """After the password: the code from the app, or setting the app up when a förbund requires
    it of its admins and this one has none yet."""
    user = _pending_user()
    if user is None:
        session.clear()
        flash("Inloggningen tog för lång tid. Börja om.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    enrolling = not user.totp_secret
    if enrolling and PENDING_SECRET not in session:
        session[PENDING_SECRET] = totp.new_secret()
    secret = session.get(PENDING_SECRET) if enrolling else None
    if form.validate_on_submit():
        if totp.accept(user, form.code.data or "", utcnow(), secret=secret):
            if enrolling:
                user.totp_secret = secret
                audit.record(
                    "totp_enrolled",
                    forbund_id=user.forbund_id,
                    actor_id=user.id,
                    object_type="staff_user",
                    object_id=user.id,
                )
            return _complete_login(user, session.get(PENDING_NEXT))
        audit.record(
            "totp_failed",
            forbund_id=user.forbund_id,
            object_type="staff_user",
            object_id=user.id,
        )
        db.session.commit()
        form.code.errors.append(WRONG_CODE)
    return render_template(
        "auth/second_step.html",
        form=form,
        enrolling=enrolling,
        secret=secret,
        qr_svg=totp.qr_svg(secret, user.email) if secret else None,
    )


@bp.route("/konto/tvastegs", methods=["GET", "POST"])
@login_required
def enrol() -> WerkzeugResponse | str:
    """A signed-in user turns on two-step sign-in for the own account."""
    user: StaffUser = current_user
    if user.totp_secret:
        return render_template("auth/enrol.html", enrolled=True, form=None)
    if PENDING_SECRET not in session:
        session[PENDING_SECRET] = totp.new_secret()
    secret = str(session[PENDING_SECRET])
    form = CodeForm()
    if form.validate_on_submit():
        if totp.accept(user, form.code.data or "", utcnow(), secret=secret):
            user.totp_secret = secret
            session.pop(PENDING_SECRET, None)
            audit.record("totp_enrolled", object_type="staff_user", object_id=user.id)
            db.session.commit()
            flash("Tvåstegsinloggning är påslagen.", "success")
            return redirect(url_for("staff.home"))
        form.code.errors.append(WRONG_CODE)
    return render_template(
        "auth/enrol.html",
        enrolled=False,
        form=form,
        secret=secret,
        qr_svg=totp.qr_svg(secret, user.email),
    )


# --- passwords ----------------------------------------------------------------------------------


def _change_key() -> str:
    # Runs before the login check (anonymous requests are sent to the login page after it).
    return f"change-password:{getattr(current_user, 'id', None)}"


@bp.route("/konto/losenord", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", key_func=_change_key, methods=["POST"])
@login_required
def change_password() -> WerkzeugResponse | str:
    """Change the own password (the current one first). Also where a user whose password an
    admin or the command line set is sent before anything else."""
    user: StaffUser = current_user
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(
                user, form.current_password.data or "", form.new_password.data or ""
            )
        except services.WrongCurrentPassword as error:
            db.session.commit()  # the failed attempt stays in the audit log
            form.current_password.errors.append(error.message)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "new_password").errors.append(error.message)
        else:
            db.session.commit()
            flash("Ditt lösenord är bytt.", "success")
            return redirect(url_for("staff.home"))
    return render_template("auth/change_password.html", form=form, forced=user.must_change_password)


def _reset_available(settings: Settings) -> bool:
    # The link must name the service's own public address, never the request's Host header
    # (a forged Host would otherwise send the token to someone else's server).
    return mail.configured(settings) and bool(settings.public_url)


def _public_link(endpoint: str, **values: Any) -> str:
    settings: Settings = current_app.config["SETTINGS"]
    return settings.public_url.rstrip("/") + url_for(endpoint, **values)


def _send_in_background(settings: Settings, letter: mail.Letter) -> None:
    """Send without making the answer wait for the SMTP server: an address with an account
    must not answer slower than one without."""

    def send() -> None:
        try:
            mail.send(settings, letter)
        except Exception as error:  # a thread has no one else to tell
            log.warning("password reset e-mail not sent: %s", error.__class__.__name__)

    threading.Thread(target=send, name="password-reset-mail", daemon=True).start()


@bp.route("/glomt-losenord", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password() -> str:
    """The "glömt lösenord" page: the same answer whether or not the address has an account."""
    settings: Settings = current_app.config["SETTINGS"]
    form = ForgotPasswordForm()
    available = _reset_available(settings)
    if available and form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        found = (
            services.request_reset(email, utcnow()) if throttle.reset_mail_allowed(email) else None
        )
        db.session.commit()
        if found is not None:
            user, token = found
            link = _public_link("auth.reset_password", token=token)
            _send_in_background(settings, services.reset_letter(user, link))
        return render_template("auth/forgot_sent.html", minutes=services.RESET_MINUTES)
    return render_template("auth/forgot.html", form=form, available=available)


def _reset_failed(response: WerkzeugResponse) -> bool:
    return response.status_code == 404


@bp.route("/nytt-losenord/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", deduct_when=_reset_failed)
def reset_password(token: str) -> WerkzeugResponse | tuple[str, int] | str:
    """The link from the e-mail: choose a new password. Works once, for a short time."""
    reset = services.usable_reset(token, utcnow())
    if reset is None:
        return render_template("auth/reset_invalid.html", minutes=services.RESET_MINUTES), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_with_token(reset, form.new_password.data or "", utcnow())
        except DomainError as error:
            db.session.rollback()
            form.new_password.errors.append(error.message)
        else:
            db.session.commit()
            throttle.forgive(user.email)
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Ditt lösenord är bytt. Logga in med det nya lösenordet.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, email=reset.user.email)
