"""The participant pages' languages: which there are, their writing direction, and the gettext
catalogues of the pages' own words (Flask-Babel). Questionnaire texts are not in catalogues but
in the definition files, per language.

Catalogues are `translations/<code>/LC_MESSAGES/messages.po`, compiled to `.mo` files that are
committed (a fresh machine needs no build step); `scripts/translations` extracts, updates and
compiles them, and a test checks that every `.mo` matches its `.po`. Each `.po` records in its
header comment whether a native speaker has reviewed it ("# Reviewed by a native speaker: no").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from babel.support import NullTranslations, Translations
from flask import Flask, g, has_request_context
from flask_babel import Babel, Domain, gettext, ngettext

__all__ = [
    "LANGUAGES",
    "STAFF_NAMES",
    "Language",
    "current_language",
    "gettext",
    "init_app",
    "ngettext",
    "unreviewed_languages",
]

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DEFAULT_LANGUAGE = "sv"
REVIEW_LINE = "# reviewed by a native speaker:"


@dataclass(frozen=True)
class Language:
    code: str  # a BCP 47 tag: the pages' lang attribute and the key in definition files
    name: str  # the language's name in itself, for the language links
    babel_locale: str  # plural rules and formats (easy Swedish is Swedish to Babel)
    rtl: bool = False

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("sv", "Svenska", "sv"),
        # Easy Swedish has no standard tag: a private-use subtag keeps lang="sv" semantics for
        # screen readers while naming the variant.
        Language("sv-x-lattlast", "Lättläst svenska", "sv"),
        Language("en", "English", "en"),
        Language("ar", "العربية", "ar", rtl=True),
        Language("fa", "فارسی", "fa", rtl=True),
        Language("so", "Soomaali", "so"),
        Language("ti", "ትግርኛ", "ti"),
    )
}


# The languages' names on the staff pages, which are in Swedish.
STAFF_NAMES: dict[str, str] = {
    "sv": "Svenska",
    "sv-x-lattlast": "Lättläst svenska",
    "en": "Engelska",
    "ar": "Arabiska",
    "fa": "Persiska",
    "so": "Somaliska",
    "ti": "Tigrinska",
}


class _Translated(Protocol):
    @property
    def respondent(self) -> str: ...

    @property
    def reviewed(self) -> Mapping[str, bool]: ...


def unreviewed_languages(questionnaires: Iterable[_Translated]) -> frozenset[str]:
    """The languages in which a participant would read text that no native speaker has
    reviewed: the pages' own catalogue, or the translation of one of `questionnaires` a
    participant answers (a translation a file does not mark as reviewed counts as unreviewed).
    Swedish, the source language, never is."""
    asked = [q for q in questionnaires if q.respondent == "participant"]
    return frozenset(
        code
        for code in LANGUAGES
        if code != DEFAULT_LANGUAGE
        and (reviewed(code) is False or not all(q.reviewed.get(code, False) for q in asked))
    )


def current_language() -> Language:
    """The language of the page being made: the participant's choice (set by the survey
    blueprint as `g.language`), Swedish elsewhere."""
    code = g.get("language", DEFAULT_LANGUAGE) if has_request_context() else DEFAULT_LANGUAGE
    return LANGUAGES.get(code, LANGUAGES[DEFAULT_LANGUAGE])


@cache
def catalogue(code: str) -> NullTranslations:
    """The compiled catalogue of a language; Swedish, the source language, needs none."""
    path = TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.mo"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as file:
        return Translations(file)


def reviewed(code: str) -> bool | None:
    """Whether a native speaker has reviewed the language's catalogue, as its header comment
    says ("# Reviewed by a native speaker: yes"); None for the source language, Swedish."""
    path = TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.lower().startswith(REVIEW_LINE):
            return line[len(REVIEW_LINE) :].strip().lower().startswith("yes")
    return False


class _ParticipantDomain(Domain):
    """The catalogue by our language code, not Babel's locale: easy Swedish is its own
    catalogue though Babel knows it only as Swedish."""

    def get_translations(self) -> NullTranslations:
        return catalogue(current_language().code)


class _Babel(Babel):
    @property
    def domain_instance(self) -> Domain:
        return _DOMAIN


_DOMAIN = _ParticipantDomain()


def init_app(app: Flask) -> None:
    _Babel(app, locale_selector=lambda: current_language().babel_locale)
    # The templates' _() and friends straight to the page's catalogue: the same catalogue
    # Flask-Babel's callables reach through its domain lookup (`_ParticipantDomain`), without
    # that lookup, which was half the cost of each _() on a participant's page. (The method is
    # added to the environment by the i18n extension, which Flask-Babel has loaded.)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _page_catalogue().ugettext(s),
        ngettext=lambda s, p, n: _page_catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _page_catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _page_catalogue().unpgettext(c, s, p, n),
    )


def _page_catalogue() -> NullTranslations:
    return catalogue(current_language().code)
