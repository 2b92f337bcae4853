"""Staff sessions held on the server.

The session cookie carries a random token; the database keeps its hash in `staff_session`. A
request is signed in only while that row exists, so ending a session on the server (sign-out,
tablet hand-over, password change, deactivation, an admin's reset) makes every copy of the
cookie worthless at once. A session also ends 12 hours after sign-in whatever the activity
(SP 800-63B's re-authentication at least every 12 hours), besides the idle limit in security.py.

Plain functions that only add or delete rows; the request commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import session

from survey_app.extensions import db
from survey_app.models import StaffSession, StaffUser
from survey_app.models._types import utcnow

SESSION_KEY = "staff_session"
MAX_AGE = timedelta(hours=12)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _current_token() -> str | None:
    token = session.get(SESSION_KEY)
    return token if isinstance(token, str) and 20 <= len(token) <= 100 else None


def start(user: StaffUser) -> None:
    """A new server-side session for `user` in the (freshly cleared) cookie session."""
    now = utcnow()
    db.session.execute(
        sa.delete(StaffSession).where(
            StaffSession.user_id == user.id, StaffSession.created_at < now - MAX_AGE
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(user_id=user.id, token_hash=_digest(token), created_at=now))
    session[SESSION_KEY] = token


def load_user(user_id: str) -> StaffUser | None:
    """Flask-Login's user loader: the user only if this cookie's session is alive."""
    token = _current_token()
    if token is None or not user_id.isdigit():
        return None
    found = db.session.scalar(
        sa.select(StaffSession).where(StaffSession.token_hash == _digest(token))
    )
    if found is None or found.user_id != int(user_id):
        return None
    if found.created_at <= utcnow() - MAX_AGE:
        return None
    return found.user if found.user.active else None


def end_current() -> None:
    """End the session of this request's cookie (its copies die with it)."""
    token = _current_token()
    if token is not None:
        db.session.execute(sa.delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def end_all(user: StaffUser, *, keep_current: bool = False) -> None:
    """End every session of `user`, or every one but this request's own."""
    query = sa.delete(StaffSession).where(StaffSession.user_id == user.id)
    token = _current_token() if keep_current else None
    if token is not None:
        query = query.where(StaffSession.token_hash != _digest(token))
    db.session.execute(query)
