"""Login required by default, with an explicit allowlist of public views; role checks."""

from __future__ import annotations

import functools
import hmac
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.extensions import db, login_manager
from survey_app.models import RoleKind, StaffUser

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
STAFF_SEEN = "staff_seen"

# Views reachable without a staff login. Everything else requires one. The respondent's pages
# decide what to show from the survey state in the session (see survey/routes.py).
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.login",
        "auth.second_step",
        "auth.health",
        "survey.open_link",
        "survey.intro",
        "survey.page",
        "survey.confirm",
        "survey.thanks",
        "survey.locked",
        "survey.support",
        "survey.quick_exit",
    }
)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att fortsätta."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    app.before_request(_require_login)
    app.after_request(_no_store_for_staff_pages)


def _load_user(session_id: str) -> StaffUser | None:
    user_id, _, token = session_id.partition(".")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not user.active:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def _require_login() -> WerkzeugResponse | None:
    public = request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None
    if current_user.is_authenticated and _staff_idle_too_long():
        logout_user()
        session.clear()
        if not public:
            flash("Du har loggats ut efter en stund utan aktivitet. Logga in igen.", "info")
            return redirect(url_for("auth.login", next=request.path))
    if public:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path))
    return None


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
