"""Whole-bundle walks in Chromium (issue 15): the START bundle (self-assessment and EQ-5D-3L,
9 pages and the sending) answered to the end in Arabic and in easy Swedish, in the language
staff chose at registration; at 320 px width, by keyboard only (with JavaScript) and without
JavaScript (with the mouse): the full matrix of the two languages and the two ways. On every page
`html[lang]` and `dir` are right and nothing is wider than the screen. One walk also checks the
per-option "Lyssna" and a recording's <audio> player, with axe-core on that page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from survey_app.extensions import db
from survey_app.models import Occasion, Participation, ResponseStatus, RoleKind
from tests import factories
from tests.browser import chromium, live_server
from tests.test_browser_axe import AXE, TAGS
from tests.test_browser_participant import COACH, _link

pytestmark = pytest.mark.browser

WIDTH = 320
PAGES = 9  # self-assessment 3, EQ-5D-3L 6 (one question per page)
MP3 = b"ID3\x04\x00\x00" + bytes(2000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _serve(tmp_path: Path, language: str) -> Iterator[tuple[Flask, str, int]]:
    with live_server(tmp_path / "walk.sqlite3", audio_dir=tmp_path / "audio") as (app, url):
        yield app, url, _participation(app, language)


def _participation(app: Flask, language: str) -> int:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(owner, "Gröna vägen", start=["sjalvskattning", "eq5d-3l"])
        factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
        participation = factories.participation(insats, "GV-0001")
        participation.language = language  # as staff chose it at registration
        db.session.commit()
        return participation.id


def _assert_language(page: Page, language: str) -> None:
    direction = "rtl" if language == "ar" else "ltr"
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        language,
        direction,
    ]
    # Reflow at 320 px: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


FOCUSED = """() => {
  const e = document.activeElement;
  const group = e.name ? document.querySelectorAll(`input[name="${e.name}"]:checked`).length : 0;
  return {tag: e.tagName, type: e.type || '', href: e.getAttribute('href') || '',
          checked: !!e.checked, groupAnswered: group > 0, value: e.value || ''};
}"""


def _keyboard_walk(page: Page, url: str, language: str) -> None:
    """Tab through each page: answer each group with Space on its first option (and type the
    VAS), follow "Börja", press Enter on Nästa and on the sending button. Only the keyboard
    acts; the page is read to know where the focus is."""
    pages_done = 0
    for _ in range(PAGES + 3):
        _assert_language(page, language)
        if "/svar/tack" in page.url:
            return
        before = page.url
        for _ in range(80):
            page.keyboard.press("Tab")
            focused: dict[str, Any] = page.evaluate(FOCUSED)
            intro = "/svar/sida/" not in before and "/svar/skicka" not in before
            if focused["tag"] == "A" and focused["href"].endswith("/svar/sida/1") and intro:
                page.keyboard.press("Enter")  # "Börja" on the intro
                break
            if focused["tag"] == "INPUT" and focused["type"] == "radio":
                if not focused["groupAnswered"]:
                    page.keyboard.press("Space")
            elif focused["tag"] == "INPUT" and focused["type"] in ("number", "text"):
                if not focused["value"]:
                    page.keyboard.type("70")
            elif focused["tag"] == "BUTTON" and focused["type"] == "submit":
                page.keyboard.press("Enter")
                pages_done += "/sida/" in before
                break
        else:
            raise AssertionError(f"no way on by keyboard from {before}")
        page.wait_for_url(lambda now, left=before: now != left)
    raise AssertionError(f"the walk did not end; {pages_done} pages answered")


def _pointer_walk(page: Page, language: str) -> None:
    """Without JavaScript: choose each group's first option, fill the VAS, press Nästa."""
    _assert_language(page, language)
    page.locator("a[href$='/svar/sida/1']").click()
    # A click does not wait for the page it opens: read the next page only once it has loaded.
    page.wait_for_url(re.compile(r"/svar/sida/1$"))
    for _ in range(PAGES):
        _assert_language(page, language)
        for group in page.locator("fieldset").all():
            group.locator("input[type=radio]").first.check()
        number = page.locator("input[type=number], input[inputmode=numeric]")
        if number.count():
            number.first.fill("70")
        before = page.url
        page.locator("form button[type=submit]").click()
        page.wait_for_url(lambda now, left=before: now != left)
    _assert_language(page, language)
    page.locator("form button[type=submit]").click()  # "Skicka in svaren"
    page.wait_for_url(re.compile(r"/svar/tack$"))
    _assert_language(page, language)


def _sent(app: Flask, participation_id: int) -> list[ResponseStatus]:
    with app.app_context():
        participation = db.session.get(Participation, participation_id)
        assert participation is not None
        occasion: Occasion = participation.occasions[0]
        return sorted(r.status for r in occasion.responses)


@pytest.mark.parametrize("language", ["ar", "sv-x-lattlast"])
@pytest.mark.parametrize("way", ["keyboard", "no-javascript"])
def test_a_whole_bundle_can_be_answered_at_320_px(
    browser: Browser, tmp_path: Path, language: str, way: str
) -> None:
    for app, url, participation_id in _serve(tmp_path, language):
        link = _link(browser.new_context().new_page(), url, participation_id)
        phone = browser.new_context(
            viewport={"width": WIDTH, "height": 640},
            java_script_enabled=way != "no-javascript",
        ).new_page()
        phone.goto(link)
        if way == "keyboard":
            _keyboard_walk(phone, url, language)
        else:
            _pointer_walk(phone, language)
        expect(phone.locator("h1")).to_have_count(1)
        assert _sent(app, participation_id) == [ResponseStatus.SUBMITTED] * 2


# Voices for Arabic and Swedish, and what is "spoken" kept (headless Chromium has none).
FAKE_SPEECH = """
window.spoken = [];
speechSynthesis.getVoices = () => [{lang: 'ar-SA', name: 'A'}, {lang: 'sv-SE', name: 'S'}];
speechSynthesis.speak = (utterance) => window.spoken.push([utterance.lang, utterance.text]);
"""


def test_each_option_is_read_aloud_and_a_recording_plays_with_no_axe_violations(
    browser: Browser, tmp_path: Path
) -> None:
    for app, url, participation_id in _serve(tmp_path, "ar"):
        with app.app_context():
            found = db.session.get(Participation, participation_id)
            assert found is not None
            forbund_id = found.insats.forbund_id
        # As `flask audio install` leaves it (tests/test_audio.py tests the installing).
        recordings = tmp_path / "audio" / str(forbund_id) / "eq5d-3l"
        recordings.mkdir(parents=True)
        (recordings / "MO.ar.mp3").write_bytes(MP3)
        link = _link(browser.new_context().new_page(), url, participation_id)
        context = browser.new_context(bypass_csp=True, viewport={"width": WIDTH, "height": 640})
        context.add_init_script(FAKE_SPEECH)
        phone = context.new_page()
        phone.goto(link)
        with phone.expect_navigation():
            phone.locator("a[href$='/svar/sida/1']").click()
        for _ in range(3):  # the self-assessment's pages, to EQ-5D's first question (MO)
            for group in phone.locator("fieldset").all():
                group.locator("input[type=radio]").first.check()
            with phone.expect_navigation():
                phone.locator("form button[type=submit]").click()
        expect(phone).to_have_url(f"{url}/svar/sida/4")
        player = phone.locator("audio.recording")
        expect(player).to_have_attribute("src", "/svar/ljud/eq5d-3l/MO.ar.mp3")
        assert (
            phone.evaluate(
                "fetch('/svar/ljud/eq5d-3l/MO.ar.mp3').then(r => r.headers.get('content-type'))"
            )
            == "audio/mpeg"
        )
        options = phone.locator(".option-row button.listen")
        expect(options.first).to_be_visible()
        label = phone.locator(".option-row label").nth(1).inner_text()
        options.nth(1).click()
        assert phone.evaluate("window.spoken") == [["ar-SA", label]]
        # Choosing by the option's card still works beside its button, and the button did not
        # choose it.
        expect(phone.locator("input[type=radio]:checked")).to_have_count(0)
        phone.add_script_tag(path=str(AXE))
        result = phone.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
        )
        assert [v["id"] for v in result["violations"]] == []
