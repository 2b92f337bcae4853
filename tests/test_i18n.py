"""The participant pages' languages: catalogues complete and compiled, plural forms, the
language links, and right-to-left pages (issue 15 point 1)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from survey_app.i18n import LANGUAGES, TRANSLATIONS_DIR, catalogue, reviewed
from tests.survey_helpers import Setup, create_link, make_setup, staff_client

SCRIPT = runpy.run_path(str(Path(__file__).parent.parent / "scripts" / "translations"))
TRANSLATED = [code for code in LANGUAGES if code != "sv"]


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalogue_is_complete_compiled_and_says_whether_it_was_reviewed(code: str) -> None:
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as file:
        template = {m.id for m in read_po(file) if m.id}
    po = TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as file:
        messages = {m.id: m.string for m in read_po(file) if m.id}
    assert template <= set(messages)
    assert all(
        messages[m] and (not isinstance(messages[m], tuple) or all(messages[m])) for m in template
    )
    # The committed .mo is the .po compiled (scripts/translations compile).
    assert po.with_suffix(".mo").read_bytes() == SCRIPT["compiled"](code)
    # Made without a native speaker: the file says so.
    assert reviewed(code) is False


def test_plural_forms_come_from_the_catalogue() -> None:
    assert [catalogue("sv").ungettext("%(num)d sida", "%(num)d sidor", n) for n in (1, 2)] == [
        "%(num)d sida",
        "%(num)d sidor",
    ]
    english = catalogue("en")
    assert english.ungettext("%(num)d sida", "%(num)d sidor", 1) == "%(num)d page"
    arabic = catalogue("ar")
    forms = {arabic.ungettext("%(num)d sida", "%(num)d sidor", n) for n in (0, 1, 2, 3, 11, 100)}
    assert len(forms) >= 4  # Arabic has six plural forms


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def test_every_page_links_to_the_others_with_lang_and_hreflang(app: Flask, setup: Setup) -> None:
    phone = app.test_client()
    intro = phone.get(create_link(staff_client(app), setup)).get_data(as_text=True)
    assert '<html lang="sv" dir="ltr">' in intro
    assert '<a href="/svar?sprak=en" lang="en" hreflang="en" dir="ltr">English</a>' in intro
    page = phone.get("/svar/sida/1?sprak=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page and "Page 1 of 9" in page
    assert 'href="/svar/sida/1?sprak=sv" lang="sv" hreflang="sv"' in page
    assert "9 pages" in phone.get("/svar").get_data(as_text=True)  # the choice is kept


def test_every_shipped_participant_questionnaire_is_complete_in_every_language(
    app: Flask,
) -> None:
    registry = app.extensions["questionnaires"]
    for questionnaire in registry.participant_questionnaires():
        for code in LANGUAGES:
            assert questionnaire.missing_translations(code) == [], (questionnaire.id, code)
            if code != "sv":
                assert questionnaire.reviewed.get(code) is False  # nobody has reviewed them yet


def test_an_arabic_page_is_right_to_left_with_phone_numbers_left_to_right(
    app: Flask, setup: Setup
) -> None:
    phone = app.test_client()
    phone.get(create_link(staff_client(app), setup))
    intro = phone.get("/svar?sprak=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in intro and "أهلًا بك" in intro
    assert 'hreflang="sv-x-lattlast"' in intro and 'hreflang="ti"' in intro
    page = phone.get("/svar/sida/1").get_data(as_text=True)
    assert "كيف صحتك بشكل عام؟" in page and "فكّر في الأسبوع الماضي." in page
    easy = phone.get("/svar/sida/1?sprak=sv-x-lattlast").get_data(as_text=True)
    assert '<html lang="sv-x-lattlast" dir="ltr">' in easy and "Hur mår du för det mesta?" in easy
