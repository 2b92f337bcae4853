"""Personal survey links: a random token shown once, stored only as its hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Occasion, StaffUser
from survey_app.models._types import utcnow
from survey_app.privacy import audit

TOKEN_BYTES = 24  # 192 bits from the OS's CSPRNG


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_invitation(
    occasion: Occasion, created_by: StaffUser | None, now: datetime | None = None
) -> str:
    """Create a link for the occasion and return its token (never stored). Earlier links of the
    same occasion are revoked, so only the newest one works."""
    now = now or utcnow()
    for earlier in occasion.invitations:
        if earlier.revoked_at is None and earlier.used_at is None:
            earlier.revoked_at = now
            earlier.email = None  # contact details go with the link they were for
    token = secrets.token_urlsafe(TOKEN_BYTES)
    days = occasion.participation.insats.forbund.link_expiry_days
    invitation = Invitation(
        occasion=occasion,
        token_hash=hash_token(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "link_created",
        forbund_id=occasion.participation.insats.forbund_id,
        object_type="occasion",
        object_id=occasion.id,
        invitation_id=invitation.id,
    )
    return token


def usable_invitation(token: str, now: datetime | None = None) -> Invitation | None:
    """The invitation a token opens, or None when it is unknown, expired, revoked or used.

    The callers show one and the same page for every failure, so nobody learns which it was.
    """
    if not token or len(token) > 100:
        return None
    digest = hash_token(token)
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == digest))
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return None
    now = now or utcnow()
    if invitation.revoked_at is not None or invitation.used_at is not None:
        return None
    if invitation.expires_at <= now:
        return None
    return invitation


def revoke(invitation: Invitation, by: StaffUser) -> None:
    invitation.email = None
    if invitation.revoked_at is None and invitation.used_at is None:
        invitation.revoked_at = utcnow()
        audit.record(
            "link_revoked",
            forbund_id=by.forbund_id,
            object_type="invitation",
            object_id=invitation.id,
        )
