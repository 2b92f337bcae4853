"""Sign-in throttling that stops guessing without letting a stranger lock the owner out.

Design (docs/security.md, "Sign-in throttling"):

- Failed attempts are counted per account *and* client address, and per address over all
  accounts. A stranger who guesses at a coordinator's account from one address is stopped
  there after a few tries; the coordinator signing in from anywhere else is not affected.
- A successful sign-in clears its account-and-address counter and never counts against the
  address, so signing in again after each tablet hand-over can go on all day.
- Many failures on one account from anywhere (guessing spread over many addresses) bring a
  per-account *back-off*, not a lock: attempts are spaced out, one per a delay that doubles with
  each further failure up to a ceiling (a minute by default). Browsers the account has signed in
  on before carry a signed "known device" cookie and skip the back-off, so even then the owner
  signs in at once.
- Each attempt is counted *before* the password is checked and given back if it succeeds: the
  counters are atomic in the limiter's storage (Redis with several workers), so a burst of
  parallel guesses gets no more tries than the limit.

The counters live in Flask-Limiter's storage (RATELIMIT_STORAGE_URI). Keys hold a keyed hash
of the e-mail address, never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from flask import current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from werkzeug.wrappers import Response

from survey_app.extensions import limiter

KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_DAYS = 180
KNOWN_DEVICE_ACCOUNTS = 5  # a shared office computer remembers its last few accounts
# Failures on one account from anywhere are remembered this long (back-off grows meanwhile).
ACCOUNT_WINDOW_SECONDS = 24 * 3600
# "Glömt lösenord": at most this many e-mails per account (silently; the answer is the same).
RESET_MAILS_PER_ACCOUNT = "3 per hour"


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is not even checked, in Swedish, and for how long."""

    message: str
    seconds: int


def account_key(email: str) -> str:
    """A keyed hash of the normalised address: equal for equal addresses, meaningless without
    the secret key (unlike a plain hash, which a list of addresses would reverse)."""
    secret = current_app.config["SECRET_KEY"].encode()
    normalised = email.strip().lower().encode()
    return hmac.new(secret, b"login-account:" + normalised, hashlib.sha256).hexdigest()[:32]


def _settings_limit(name: str) -> RateLimitItem:
    return parse(str(getattr(current_app.config["SETTINGS"], name)))


def _pair_limit() -> RateLimitItem:
    return _settings_limit("login_failures_per_account_and_address")


def _address_limit() -> RateLimitItem:
    return _settings_limit("login_failures_per_address")


def _give_back(item: RateLimitItem, *identifiers: str) -> None:
    limiter.storage.incr(item.key_for(*identifiers), item.get_expiry(), amount=-1)


def _seconds_until(absolute: float) -> int:
    return max(1, math.ceil(absolute - time.time()))


def _seconds(seconds: int) -> str:
    return "en sekund" if seconds == 1 else f"{seconds} sekunder"


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "en minut" if minutes == 1 else f"{minutes} minuter"


def before_attempt(email: str) -> Refusal | None:
    """Count this attempt as a failure in advance; None to go on and check the password."""
    account, address = account_key(email), get_remote_address()
    strategy = limiter.limiter
    by_address, by_pair = _address_limit(), _pair_limit()
    if not strategy.hit(by_address, "login-address", address):
        reset = strategy.get_window_stats(by_address, "login-address", address).reset_time
        wait = _seconds_until(reset)
        return Refusal(
            f"För många försök med fel lösenord härifrån. Vänta {_minutes(wait)} och försök igen.",
            wait,
        )
    if not strategy.hit(by_pair, "login-pair", account, address):
        _give_back(by_address, "login-address", address)
        reset = strategy.get_window_stats(by_pair, "login-pair", account, address).reset_time
        wait = _seconds_until(reset)
        return Refusal(
            f"För många försök med fel lösenord. Vänta {_minutes(wait)} och försök igen, "
            "eller välj ”Glömt lösenord”.",
            wait,
        )
    wait = _backoff_wait(account)
    if wait:
        _give_back(by_address, "login-address", address)
        _give_back(by_pair, "login-pair", account, address)
        return Refusal(
            f"För många försök på det här kontot just nu. Vänta {_seconds(wait)} och försök igen.",
            wait,
        )
    return None


def _backoff_wait(account: str) -> int:
    """0 if the attempt may go on; else the seconds until the account's next free slot."""
    settings = current_app.config["SETTINGS"]
    failures = limiter.storage.get(f"login-account-failures/{account}")
    if failures < settings.login_backoff_after or account in known_accounts():
        return 0
    delay = min(
        2 ** min(failures - settings.login_backoff_after, 16), settings.login_backoff_max_seconds
    )
    slot = f"login-account-slot/{account}"
    # Atomic: of many attempts at once, only the first gets the slot.
    if limiter.storage.incr(slot, delay) == 1:
        return 0
    return _seconds_until(limiter.storage.get_expiry(slot))


def failed(email: str) -> None:
    """The password was checked and was wrong (or the account is unknown or inactive)."""
    limiter.storage.incr(f"login-account-failures/{account_key(email)}", ACCOUNT_WINDOW_SECONDS)


def succeeded(email: str) -> None:
    """The password was right: this attempt was no failure, and earlier ones are forgiven."""
    _give_back(_address_limit(), "login-address", get_remote_address())
    forgive(email)


def forgive(email: str) -> None:
    """Clear the account's failures (and its counter at this address): its owner has proved
    to be here, by the password or by the e-mail of "glömt lösenord"."""
    account = account_key(email)
    limiter.limiter.clear(_pair_limit(), "login-pair", account, get_remote_address())
    limiter.storage.clear(f"login-account-failures/{account}")
    limiter.storage.clear(f"login-account-slot/{account}")


def reset_mail_allowed(email: str) -> bool:
    """False once an account has had its share of "glömt lösenord" e-mails for now."""
    return limiter.limiter.hit(parse(RESET_MAILS_PER_ACCOUNT), "reset-mail", account_key(email))


# --- the known-device cookie ----------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def known_accounts() -> list[str]:
    """The account keys this browser has signed in to (a signed cookie; a forged one is none)."""
    raw = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if not raw:
        return []
    try:
        keys = _serializer().loads(raw, max_age=KNOWN_DEVICE_DAYS * 86400)
    except BadSignature:
        return []
    return [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else []


def remember_device(response: Response, email: str) -> None:
    """After a complete sign-in: this browser is one the account's owner uses."""
    account = account_key(email)
    keys = [account] + [key for key in known_accounts() if key != account]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        _serializer().dumps(keys[:KNOWN_DEVICE_ACCOUNTS]),
        max_age=KNOWN_DEVICE_DAYS * 86400,
        path="/login",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
