"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106), and the password
policy of NIST SP 800-63B: a minimum length, a check against common and easily guessed
passwords, and no composition rules (no demands for digits, capitals or special characters).

The guessability check is zxcvbn (Dropbox's estimator): common passwords, dictionary words,
names, keyboard patterns, repeats, sequences, dates, and the words of this service and of the
person's own account and förbund.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()

# SP 800-63B-4: at least 15 characters for a password that is the only factor (two-step sign-in
# is optional here), at least 64 allowed. Spaces and every Unicode character are allowed.
MIN_PASSWORD_LENGTH = 15
MAX_PASSWORD_LENGTH = 256
# zxcvbn's score 4: an estimated 10^10 guesses or more. Score 3 (10^8) is not enough: zxcvbn's
# charge for each extra part lets any three-part password reach it, "AnnaBerg1234567" included.
MIN_SCORE = 4
# zxcvbn looks at no more than this many characters (its own limit; longer is slow).
_ZXCVBN_LENGTH = 72
# zxcvbn knows English; these are what a guesser tries first in a Swedish public office.
_CONTEXT_TEXT = (
    "lösenord losenord losen hemligt hemlig uppföljning uppfoljning enkät enkat finsam "
    "samordningsförbund samordningsforbund förbund forbund insats insatser deltagare personal "
    "admin administratör kommun region försäkringskassan arbetsförmedlingen sverige svensk "
    "stockholm göteborg malmö skaraborg sommar vinter våren hösten januari februari mars april "
    "maj juni juli augusti september oktober november december måndag tisdag onsdag torsdag "
    "fredag lördag söndag hejsan hej välkommen valkommen älskling fotboll hockey mamma pappa "
    "kärlek karlek glass kaffe"
)
CONTEXT_WORDS = tuple(_CONTEXT_TEXT.split())
_lock = threading.Lock()  # zxcvbn keeps the extra words in a module-level dictionary

# Verified when the e-mail is unknown, so a failed login takes as long either way.
_DUMMY_HASH = _hasher.hash("no such account, only here to spend the same time")

# zxcvbn's warnings in Swedish (the first one found in its English warning wins).
_WARNINGS = (
    ("top-10", "Det är ett av de allra vanligaste lösenorden."),
    ("top-100", "Det är ett av de vanligaste lösenorden."),
    ("very common", "Det är ett mycket vanligt lösenord."),
    ("similar to a commonly used", "Det liknar ett vanligt lösenord."),
    ("keys", "Tangentmönster som ”qwerty” är lätta att gissa."),
    ("keyboard", "Tangentmönster som ”qwerty” är lätta att gissa."),
    ("Repeats", "Upprepningar som ”aaa” eller ”abcabc” är lätta att gissa."),
    ("Sequences", "Följder som ”abc” eller ”6543” är lätta att gissa."),
    ("years", "Årtal är lätta att gissa."),
    ("Dates", "Datum är lätta att gissa."),
    ("word by itself", "Ett enstaka ord är lätt att gissa."),
    ("surnames", "Namn är lätta att gissa."),
)
ADVICE = "Välj ett längre lösenord, till exempel tre eller fyra ord som inte hör ihop."


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, personal: Iterable[str] = ()) -> str | None:
    """A Swedish message if the password is too short, too long or too easy to guess, else None.

    `personal` are words of the account that a guesser would try: its e-mail address, the
    förbund's name. They are split into their parts ("anna.berg@x.se" → anna, berg, x, se).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Lösenordet får ha högst {MAX_PASSWORD_LENGTH} tecken."
    words = [*CONTEXT_WORDS]
    for text in personal:
        text = (text or "").strip().lower()
        if text:
            words.append(text)
            words.extend(part for part in re.split(r"[^\w]+", text) if len(part) >= 3)
    with _lock:
        result = zxcvbn(password[:_ZXCVBN_LENGTH], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    warning = str(result["feedback"].get("warning") or "")
    reason = next((swedish for key, swedish in _WARNINGS if key in warning), None)
    personal_match = any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"])
    if reason is None and personal_match:
        reason = "Det innehåller ord som hör till kontot eller tjänsten."
    return f"Lösenordet är för lätt att gissa. {reason or ''} {ADVICE}".replace("  ", " ")
