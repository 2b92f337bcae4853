"""Staff sign-in and sign-out."""

from __future__ import annotations

import hashlib
import time
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

from survey_app import audit
from survey_app.auth import totp
from survey_app.auth.forms import CodeForm, LoginForm
from survey_app.auth.passwords import hash_password, needs_rehash, verify_password
from survey_app.extensions import db, limiter
from survey_app.models import StaffUser
from survey_app.models._types import utcnow
from survey_app.security import STAFF_SEEN

bp = Blueprint("auth", __name__)

FAILED_LOGIN = "Fel e-postadress eller lösenord."


def _per_address_limit() -> str:
    return str(current_app.config["SETTINGS"].login_limit_per_address)


def _per_account_limit() -> str:
    return str(current_app.config["SETTINGS"].login_limit_per_account)


def _account_key() -> str:
    # Only the rate-limit key reads the raw field; hashed so no address lands in limiter storage.
    email = request.form.get("email", "").strip().lower()
    return "login-account:" + hashlib.sha256(email.encode()).hexdigest()


# Every attempt counts, before the password is checked: counting only failures afterwards would
# let a burst of parallel guesses through before the first failure is recorded.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_per_address_limit, methods=["POST"])
@limiter.limit(_per_account_limit, key_func=_account_key, methods=["POST"])
def login() -> WerkzeugResponse | str:
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))
        password_ok = verify_password(
            user.password_hash if user else None, form.password.data or ""
        )
        if user is None or not password_ok or not user.active:
            audit.record(
                "login_failed",
                forbund_id=user.forbund_id if user else None,
                object_type="staff_user",
                object_id=user.id if user else None,
            )
            db.session.commit()
            form.password.errors.append(FAILED_LOGIN)
            return render_template("auth/login.html", form=form)
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
    login_user(user)
    user.last_login_at = utcnow()
    audit.record("login", forbund_id=user.forbund_id, object_type="staff_user", object_id=user.id)
    db.session.commit()
    return redirect(next_url or url_for("staff.home"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> WerkzeugResponse:
    audit.record("logout", object_type="staff_user", object_id=current_user.id)
    # A copy of the old session cookie stops working too.
    current_user.rotate_session_token()
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
