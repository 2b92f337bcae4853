"""Passwords: changing one's own, an admin's reset, and "glömt lösenord" by e-mail.

Service functions: they flush and audit; the request commits (or rolls back on DomainError).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from survey_app.auth import sessions
from survey_app.auth.passwords import hash_password, password_problem, verify_password
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.mail import Letter
from survey_app.models import PasswordReset, StaffUser
from survey_app.privacy import audit

RESET_MINUTES = 30
RESET_SUBJECT = "Välj ett nytt lösenord till Uppföljning"
RESET_BODY = (
    "Hej!\n\n"
    "Någon, förhoppningsvis du, har bett om ett nytt lösenord till kontot {email} i "
    "uppföljningstjänsten för {forbund}.\n\n"
    "Välj ett nytt lösenord med länken nedan. Den fungerar en gång och gäller i {minutes} "
    "minuter.\n\n"
    "{link}\n\n"
    "Har du inte bett om ett nytt lösenord kan du bortse från det här meddelandet: ditt "
    "lösenord är oförändrat.\n"
)


class WrongCurrentPassword(DomainError):
    """The current password given to a change was wrong (audited; the request keeps that)."""


def personal_words(user: StaffUser) -> list[str]:
    """What a guesser of this account's password would try first."""
    return [user.email, user.forbund.name]


def _check_new(user: StaffUser, new: str, field: str) -> None:
    problem = password_problem(new, personal_words(user))
    if problem:
        raise DomainError(problem, field=field)


def change_own_password(user: StaffUser, current: str, new: str) -> None:
    """The signed-in user's own change: the current password first. Ends the user's other
    sessions (a stolen cookie elsewhere dies with the old password)."""
    if not verify_password(user.password_hash, current):
        audit.record(
            "password_change_failed",
            forbund_id=user.forbund_id,
            actor_id=user.id,
            object_type="staff_user",
            object_id=user.id,
        )
        raise WrongCurrentPassword("Det nuvarande lösenordet stämmer inte.", "current_password")
    _check_new(user, new, "new_password")
    if verify_password(user.password_hash, new):
        raise DomainError("Välj ett annat lösenord än det du har nu.", field="new_password")
    forced = user.must_change_password
    _forget_reset_links(user)
    _set_password(user, new, user, "password_changed", keep_current=True, forced=forced)


def reset_by_admin(admin: StaffUser, user: StaffUser, temporary: str) -> None:
    """An admin gives a user of the same förbund a temporary password, to be changed at the
    next sign-in; the user's sessions and reset links end."""
    if user.id == admin.id or user.forbund_id != admin.forbund_id:
        raise DomainError("Byt ditt eget lösenord under ”Byt lösenord”.", field="password")
    _check_new(user, temporary, "password")
    _forget_reset_links(user)
    _set_password(user, temporary, admin, "password_reset_by_admin", must_change=True)


def _set_password(
    user: StaffUser,
    new: str,
    actor: StaffUser,
    action: str,
    *,
    must_change: bool = False,
    keep_current: bool = False,
    **details: object,
) -> None:
    """Store a new password: the user's sessions end (all, or all but this request's), and
    the change is audited as `action` by `actor`."""
    user.password_hash = hash_password(new)
    user.must_change_password = must_change
    sessions.end_all(user, keep_current=keep_current)
    db.session.flush()
    audit.record(
        action,
        forbund_id=user.forbund_id,
        actor_id=actor.id,
        object_type="staff_user",
        object_id=user.id,
        **details,
    )


# --- "glömt lösenord" -------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _forget_reset_links(user: StaffUser) -> None:
    db.session.execute(
        sa.delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    )


def request_reset(email: str, now: datetime) -> tuple[StaffUser, str] | None:
    """A reset token for the active account with this address, or None when there is none.
    The caller answers the same either way. The token is returned once and stored as a hash;
    an earlier unused link of the account stops working."""
    db.session.execute(sa.delete(PasswordReset).where(PasswordReset.expires_at < now))
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None or not user.active:
        return None
    _forget_reset_links(user)
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + timedelta(minutes=RESET_MINUTES),
        )
    )
    db.session.flush()
    audit.record(
        "password_reset_requested",
        forbund_id=user.forbund_id,
        actor_id=None,
        object_type="staff_user",
        object_id=user.id,
    )
    return user, token


def reset_letter(user: StaffUser, link: str) -> Letter:
    body = RESET_BODY.format(
        email=user.email, forbund=user.forbund.name, minutes=RESET_MINUTES, link=link
    )
    return Letter(to=user.email, subject=RESET_SUBJECT, body=body)


def usable_reset(token: str, now: datetime) -> PasswordReset | None:
    """The reset a token opens, or None when unknown, used, expired or the account inactive."""
    if not token or len(token) > 100:
        return None
    digest = _digest(token)
    found = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == digest))
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    if found.used_at is not None or found.expires_at <= now or not found.user.active:
        return None
    return found


def reset_with_token(reset: PasswordReset, new: str, now: datetime) -> StaffUser:
    """Set the password chosen through a reset link; the link is used up and every session of
    the account ends (sign-in follows, with the second step if the account has one)."""
    user = reset.user
    _check_new(user, new, "new_password")
    reset.used_at = now
    db.session.execute(
        sa.delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.id != reset.id
        )
    )
    _set_password(user, new, user, "password_reset")
    return user
