"""Two-step sign-in with a time-based one-time code (TOTP, RFC 6238) from an authenticator app.

Plain functions; the secret is stored on the staff account, the last accepted time step too, so
a code cannot be used twice (not even within its 30 seconds).
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import pyotp
import segno

from survey_app.models import StaffUser

ISSUER = "Finsam uppföljning"
STEP = timedelta(seconds=30)


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(secret: str, email: str) -> str:
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return str(segno.make(uri, error="m").svg_inline(scale=4, title="QR-kod för appen"))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is, allowing one step of clock drift either way."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    for offset in (-1, 0, 1):
        moment = now + offset * STEP
        if hmac.compare_digest(totp.at(moment), code):
            return int(totp.timecode(moment))
    return None


def accept(user: StaffUser, code: str, now: datetime, secret: str | None = None) -> bool:
    """True if the code is right for the user's secret (or a new one being set up) and newer
    than the last accepted one; remembers its step."""
    step = matching_step(secret or user.totp_secret or "", code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True
