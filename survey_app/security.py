"""Login required by default, with an explicit allowlist of public views; role checks."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.auth import sessions
from survey_app.extensions import db, login_manager
from survey_app.models import RoleKind, StaffUser

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
STAFF_SEEN = "staff_seen"
USER_ID_KEY = "_user_id"  # where Flask-Login keeps the signed-in user's id in the session

# Views reachable without a staff login. Everything else requires one. The respondent's pages
# decide what to show from the survey state in the session (see survey/routes.py).
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.login",
        "auth.second_step",
        "auth.forgot_password",
        "auth.reset_password",
        "auth.health",
        "survey.open_link",
        "survey.intro",
        "survey.page",
        "survey.confirm",
        "survey.thanks",
        "survey.locked",
        "survey.support",
        "survey.quick_exit",
        "survey.lock",
        "survey.keep_alive",
        "survey.recording",
    }
)
# While a user must choose a new password (an admin or the command line set the current one),
# only these are open to them.
WHILE_CHANGING_PASSWORD = frozenset({"static", "auth.change_password", "auth.logout"})


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the signing serializer made once per set of keys
    instead of twice per request (opened and saved; making one serialises an empty payload to
    learn its type). The keys are looked up on every request as Flask does, so a changed key or
    fallback is used at once. About 1.5 % of a page save's instructions (issue 17)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(key)
        if found is None:
            found = self._serializers[key] = super().get_signing_serializer(app)
        return found


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att fortsätta."
    login_manager.login_message_category = "info"
    # Flask-Login's "strong" protection (a hash of address and browser) did nothing here: for a
    # permanent session it only marks the login "not fresh", and nothing asks for freshness.
    # Binding sessions to an address would also sign out staff whose phone changes network.
    # Sessions are ended on the server instead (survey_app/auth/sessions.py).
    login_manager.session_protection = None
    login_manager.user_loader(sessions.load_user)
    app.before_request(_require_login)
    app.after_request(_no_store_for_staff_pages)


def _require_login() -> WerkzeugResponse | None:
    public = request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None
    if public and not _may_be_signed_in():
        return None  # a participant's page: no staff session to end, no login asked for
    if current_user.is_authenticated and _staff_idle_too_long():
        sessions.end_current()
        db.session.commit()
        logout_user()
        session.clear()
        if not public:
            flash("Du har loggats ut efter en stund utan aktivitet. Logga in igen.", "info")
            return redirect(url_for("auth.login", next=request.path))
    if public:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path))
    if current_user.must_change_password and request.endpoint not in WHILE_CHANGING_PASSWORD:
        return redirect(url_for("auth.change_password"))
    return None


def _may_be_signed_in() -> bool:
    """Whether the request can carry a staff login at all: Flask-Login keeps the signed-in
    user's id in the session, and would sign one in from its "remember me" cookie (which this
    service never sets). Participants' public pages so skip making an anonymous user on every
    request (issue 17). tests/test_auth.py ends an idle staff session on a public page: it
    fails if Flask-Login ever keeps the login elsewhere."""
    return USER_ID_KEY in session or (
        current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE) in request.cookies
    )


def _staff_idle_too_long() -> bool:
    """Staff sessions end after the configured time without a request (participants' sessions
    live longer: the cookie's own lifetime)."""
    now = time.time()
    limit = current_app.config["SETTINGS"].staff_idle_minutes * 60
    seen = session.get(STAFF_SEEN)
    if not isinstance(seen, int | float) or now - seen > limit:
        return True
    session[STAFF_SEEN] = now
    return False


def _no_store_for_staff_pages(response: WerkzeugResponse) -> WerkzeugResponse:
    # Pages with participant data must not be kept in a shared tablet's cache or history.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def require_role(*kinds: RoleKind) -> Callable[[F], F]:
    """Allow the view only to users holding at least one of `kinds`."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user: StaffUser = current_user
            if not any(user.has_role(kind) for kind in kinds):
                deny("role", None)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def deny(object_type: str, object_id: int | None) -> None:
    """Answer 404 for anything outside the user's reach, so its existence is not revealed."""
    current_app.logger.warning(
        "access denied: user=%s endpoint=%s object=%s:%s",
        getattr(current_user, "id", None),
        request.endpoint,
        object_type,
        object_id,
    )
    abort(404)
