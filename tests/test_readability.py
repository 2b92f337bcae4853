"""How easy the participants' Swedish is to read: LIX (words per sentence + the share of words of
more than six letters, in per cent) of every text a participant reads, the questionnaires' and
the pages' own words. Under 40 is easy; under 30 very easy, as easy Swedish (lättläst) must be."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from survey_app.i18n import TRANSLATIONS_DIR
from survey_app.questionnaires import Registry

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"
WORD = re.compile(r"[A-Za-zÅÄÖåäöÉé]+")
# A sentence ends at . ! ? : or a line break; a text without one (a label, a title) is one.
SENTENCE_END = re.compile(r"[.!?:\n]+(?:\s|$)")


def lix(texts: list[str]) -> float:
    words = long_words = sentences = 0
    for text in texts:
        found = WORD.findall(text)
        words += len(found)
        long_words += sum(len(word) > 6 for word in found)
        sentences += max(1, len(SENTENCE_END.findall(text.strip() + " ")))
    return words / sentences + 100 * long_words / words


@cache
def participant_texts(code: str) -> list[str]:
    registry = Registry(QUESTIONNAIRES)
    texts = [
        text.translations[code]
        for questionnaire in registry.participant_questionnaires()
        for _, text in questionnaire.texts()
    ]
    if code == "sv":  # the source language: the catalogue's ids
        with (TRANSLATIONS_DIR / "messages.pot").open("rb") as file:
            return texts + [m.id for m in read_po(file) if isinstance(m.id, str) and m.id]
    with (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return texts + [m.string for m in read_po(file) if isinstance(m.string, str) and m.id]


def test_lix_counts_words_sentences_and_long_words() -> None:
    # 5 words in 2 sentences, 2 of them of more than six letters: 5 / 2 + 100 * 2 / 5.
    assert lix(["Jag mår bra. Situationen förbättras."]) == 2.5 + 40


@pytest.mark.parametrize(("code", "most"), [("sv", 40), ("sv-x-lattlast", 30)])
def test_participant_swedish_is_easy_to_read(code: str, most: int) -> None:
    assert lix(participant_texts(code)) <= most


def test_easy_swedish_is_easier_than_swedish() -> None:
    assert lix(participant_texts("sv-x-lattlast")) < lix(participant_texts("sv"))
