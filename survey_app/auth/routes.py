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
from survey_app.auth.forms import LoginForm
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
        # A fresh session at login: nothing from before sign-in carries over (session fixation).
        session.clear()
        session.permanent = True
        session[STAFF_SEEN] = time.time()  # see security._staff_idle_too_long
        login_user(user)
        user.last_login_at = utcnow()
        audit.record(
            "login", forbund_id=user.forbund_id, object_type="staff_user", object_id=user.id
        )
        db.session.commit()
        return redirect(next_url or url_for("staff.home"))
    return render_template("auth/login.html", form=form)


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
