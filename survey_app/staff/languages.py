"""The participant's language as staff choose it: the choices, each marked when a participant
reading it would meet text no native speaker has reviewed, or text still missing (shown in
Swedish instead)."""

from __future__ import annotations

from dataclasses import dataclass

from wtforms import SelectChoice

from survey_app.i18n import DEFAULT_LANGUAGE, LANGUAGES, STAFF_NAMES, unreviewed_languages
from survey_app.models import Insats, Participation
from survey_app.questionnaires import Questionnaire, Registry

UNREVIEWED = "ej granskad av modersmålstalare"
INCOMPLETE = "översättning saknas delvis (visas på svenska)"


@dataclass(frozen=True)
class LanguageStatus:
    code: str
    name: str  # in Swedish, for staff
    unreviewed: bool
    incomplete: bool

    @property
    def label(self) -> str:
        notes = [UNREVIEWED] * self.unreviewed + [INCOMPLETE] * self.incomplete
        own = LANGUAGES[self.code].name
        shown = self.name if own == self.name else f"{self.name} ({own})"
        return shown + "".join(f" – {note}" for note in notes)


def participant_questionnaires(insats: Insats, registry: Registry) -> list[Questionnaire]:
    """Every questionnaire the insats asks its participants, at any occasion."""
    ids = dict.fromkeys(i for kind in sorted(insats.bundles or {}) for i in insats.bundles[kind])
    found = [registry.get(i) for i in ids]
    return [q for q in found if q is not None and q.respondent == "participant"]


def language_statuses(insats: Insats, registry: Registry) -> list[LanguageStatus]:
    questionnaires = participant_questionnaires(insats, registry)
    unreviewed = unreviewed_languages(questionnaires)
    return [
        LanguageStatus(
            code=code,
            name=STAFF_NAMES[code],
            unreviewed=code in unreviewed,
            incomplete=any(code not in q.languages for q in questionnaires),
        )
        for code in LANGUAGES
    ]


def language_choices(insats: Insats, registry: Registry) -> list[SelectChoice]:
    return [SelectChoice(s.code, s.label) for s in language_statuses(insats, registry)]


def language_name(participation: Participation) -> str:
    """The participation's language as the staff pages name it."""
    return STAFF_NAMES.get(participation.language or DEFAULT_LANGUAGE, STAFF_NAMES["sv"])
