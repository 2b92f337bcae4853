"""The one rule for participant codes, wherever a code enters the service: the registration
form, the CSV registration of many participants and the import of answers (`imports/answers.py`).

A code is pseudonymous: it must not be, or contain, a personnummer or samordningsnummer, and it
must be safe wherever it is shown again (a web page, an Excel cell, a CSV file, a log line).
Plain Python, no Flask: `check_code` returns the stored form of the code or raises `BadCode`
with a Swedish message.
"""

from __future__ import annotations

import re
import unicodedata

MIN_LENGTH = 2
MAX_LENGTH = 40  # the column's width (models/participants.py)
LETTERS = "A-Za-z0-9ÅÄÖåäö"
ALLOWED = re.compile(rf"[{LETTERS}][{LETTERS}_-]*")
# Characters that make a spreadsheet read a cell as a formula, and HTML's brackets; all of them
# are outside ALLOWED, but a code starting with one gets a message naming the reason.
FORMULA_STARTS = ("=", "+", "-", "@")
# YYMMDD or YYYYMMDD, an optional - or +, then four digits; anywhere in the code, not glued to
# more digits. Day 61–91 is a samordningsnummer. No Luhn check: a mistyped personnummer still
# points at a person.
_NUMBER_LIKE = re.compile(r"(?<!\d)(?:\d{2})?\d{2}(\d{2})(\d{2})[-+]?\d{4}(?!\d)")

PERSONNUMMER_MESSAGE = (
    "Koden ser ut som ett personnummer. Använd en kod som inte går att koppla till personen."
)
CHARACTERS_MESSAGE = (
    f"Koden får bara innehålla bokstäver, siffror, - och _ ({MIN_LENGTH}–{MAX_LENGTH} tecken) "
    "och måste börja med en bokstav eller siffra."
)


class BadCode(ValueError):
    """The code breaks the rule; the message is Swedish and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise(text: str) -> str:
    """The form a code is stored and compared in: trimmed, composed (Å as one character),
    upper-case."""
    return unicodedata.normalize("NFC", text.strip()).upper()


def check_code(text: str) -> str:
    """The stored form of a participant code, or BadCode saying what is wrong with it."""
    code = normalise(text)
    if not code:
        raise BadCode("Fyll i en deltagarkod.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in code):
        # NUL, line breaks, zero-width and text-direction characters: invisible on screen and
        # able to make two codes look alike.
        raise BadCode("Koden innehåller osynliga tecken (styrtecken). Skriv koden på nytt.")
    if len(code) > MAX_LENGTH:
        raise BadCode(f"Koden får vara högst {MAX_LENGTH} tecken.")
    if looks_like_personnummer(re.sub(r"[\s.]", "", code)):
        raise BadCode(PERSONNUMMER_MESSAGE)
    if code.startswith(FORMULA_STARTS):
        raise BadCode(
            "Koden får inte börja med =, +, - eller @ (Excel kan läsa den som en formel)."
        )
    if len(code) < MIN_LENGTH or ALLOWED.fullmatch(code) is None:
        raise BadCode(CHARACTERS_MESSAGE)
    return code


def looks_like_personnummer(text: str) -> bool:
    """True when the text holds ten or twelve digits shaped like a personnummer or a
    samordningsnummer (a real month, a day 1–31 or 61–91), with or without - or +."""
    for match in _NUMBER_LIKE.finditer(text):
        month, day = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91):
            return True
    return False
