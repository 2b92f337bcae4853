"""In a real browser, the participant's pages of issue 15: the tablet's warning before its idle
lock, the quick exit that leaves nothing readable behind, and the error summary."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from survey_app.extensions import db
from survey_app.models import RoleKind
from tests import factories
from tests.browser import chromium, live_server

pytestmark = pytest.mark.browser

COACH = "coach@example.org"
GENERAL = "Hur mår du i allmänhet?"
NEUTRAL = "/healthz"  # the "neutral site" of the quick exit: tests never leave this machine


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _serve(tmp_path: Path, start: list[str], **settings: object) -> Iterator[tuple[str, int]]:
    with live_server(tmp_path / "participant.sqlite3", quick_exit_url=NEUTRAL, **settings) as (
        app,
        url,
    ):
        yield url, _participation(app, start)


def _participation(app: Flask, start: list[str]) -> int:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(owner, "Gröna vägen", start=start)
        factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
        participation = factories.participation(insats, "GV-0001")
        db.session.commit()
        return participation.id


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("E-postadress").fill(COACH)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Insatser")).to_be_visible()


def _start_tablet(page: Page, url: str, participation_id: int) -> None:
    _sign_in(page, url)
    page.goto(f"{url}/deltagande/{participation_id}")
    page.get_by_role("button", name="Starta på surfplatta").click()


def _radio(page: Page, question: str, value: str) -> object:
    return page.get_by_role("group", name=question).get_by_role("radio", name=value, exact=True)


def test_the_tablet_warns_before_it_locks_and_keeps_the_entries(
    browser: Browser, tmp_path: Path
) -> None:
    # 6 seconds idle, the warning 3 seconds before: the real defaults are 10 minutes and 1.
    for url, participation_id in _serve(
        tmp_path, ["sjalvskattning"], kiosk_idle_seconds=6, kiosk_warning_seconds=3
    ):
        tablet = browser.new_context(locale="sv-SE").new_page()
        _start_tablet(tablet, url, participation_id)
        tablet.get_by_role("link", name="Börja").click()
        general = _radio(tablet, GENERAL, "7")
        general.check()  # type: ignore[attr-defined]

        warning = tablet.get_by_role("dialog", name="Är du kvar?")
        expect(warning).to_be_visible(timeout=8000)
        expect(tablet.get_by_role("button", name="Jag är kvar")).to_be_focused()
        tablet.get_by_role("button", name="Jag är kvar").click()
        expect(warning).to_be_hidden()
        expect(general).to_be_checked()  # type: ignore[arg-type]
        assert tablet.url == f"{url}/svar/sida/1"

        # Nobody answers the next warning: the tablet locks, without a word of thanks.
        expect(tablet.get_by_role("heading", name="Surfplattan är låst")).to_be_visible(
            timeout=12000
        )
        assert "Tack" not in tablet.locator("body").inner_text()

        # Staff resume the occasion: the entry is still there.
        _start_tablet(tablet, url, participation_id)
        tablet.get_by_role("link", name="Fortsätt där du slutade").click()
        expect(_radio(tablet, GENERAL, "7")).to_be_checked()  # type: ignore[arg-type]


def _link(page: Page, url: str, participation_id: int) -> str:
    _sign_in(page, url)
    page.goto(f"{url}/deltagande/{participation_id}")
    page.get_by_role("button", name="Skapa personlig länk").click()
    return page.get_by_label("Länk").input_value()


def test_shift_three_times_leaves_and_the_link_then_shows_no_earlier_answers(
    browser: Browser, tmp_path: Path
) -> None:
    for url, participation_id in _serve(tmp_path, ["valdsenkat", "sjalvskattning"]):
        link = _link(browser.new_context(locale="sv-SE").new_page(), url, participation_id)
        phone = browser.new_context(locale="sv-SE").new_page()
        phone.goto(link)
        # The intro names the violence questions: the exit is there already.
        expect(phone.get_by_role("link", name="Lämna sidan snabbt")).to_be_visible()
        phone.get_by_role("link", name="Börja").click()
        for question in ("kränkt dig", "hotat dig", "slagit, sparkat", "sex eller sexuella"):
            phone.get_by_role("group").filter(has_text=question).get_by_role(
                "radio", name="Nej", exact=True
            ).check()
        phone.get_by_role("button", name="Nästa").click()
        expect(phone.get_by_text("Sida 2 av 5")).to_be_visible()
        # The shortcut's script runs once the page has loaded (a busy machine is slower).
        phone.wait_for_load_state("load")
        for _ in range(3):
            phone.keyboard.press("Shift")
        expect(phone).to_have_url(url + NEUTRAL)

        # Whoever opens the link next finds nothing answered.
        other = browser.new_context(locale="sv-SE").new_page()
        other.goto(link)
        expect(other.get_by_role("link", name="Fortsätt där du slutade")).to_have_count(0)
        other.get_by_role("link", name="Börja").click()
        expect(other.get_by_text("Sida 2 av 5")).to_be_visible()
        other.get_by_role("link", name="Tillbaka").click()
        expect(other.get_by_text("Sida 1 av 5")).to_be_visible()
        assert other.locator("input:checked").count() == 0


def test_the_error_summary_takes_focus_and_links_to_each_question(
    browser: Browser, tmp_path: Path
) -> None:
    for url, participation_id in _serve(tmp_path, ["sjalvskattning"]):
        link = _link(browser.new_context(locale="sv-SE").new_page(), url, participation_id)
        phone = browser.new_context(
            locale="sv-SE", viewport={"width": 320, "height": 640}
        ).new_page()
        phone.goto(link)
        phone.get_by_role("link", name="Börja").click()
        _radio(phone, GENERAL, "5").check()  # type: ignore[attr-defined]
        phone.get_by_role("button", name="Nästa").click()

        summary = phone.get_by_role("alert")
        expect(summary).to_be_focused()
        expect(phone).to_have_title(re.compile(r"^Fel: "))
        expect(summary.get_by_role("link")).to_have_count(2)
        expect(phone.locator("p.error").first).to_contain_text("Välj en siffra från 1 till 10.")
        # The recall period is with every question, and the first page has its heading.
        expect(phone.get_by_text("Tänk på den senaste veckan.")).to_have_count(3)
        expect(phone.get_by_role("heading", level=1)).to_have_count(1)
        summary.get_by_role("link", name=re.compile("^Hur mår du psykiskt")).click()
        expect(
            phone.get_by_role("group", name=re.compile("^Hur mår du psykiskt"))
            .get_by_role("radio")
            .first
        ).to_be_focused()


# A voice for Swedish only, and what is "spoken" kept for the test (headless Chromium has none).
FAKE_SPEECH = """
window.spoken = [];
speechSynthesis.getVoices = () => [{lang: 'sv-SE', name: 'Test'}];
speechSynthesis.speak = (utterance) => window.spoken.push([utterance.lang, utterance.text]);
"""


def test_lyssna_reads_a_question_aloud_where_the_browser_has_a_voice(
    browser: Browser, tmp_path: Path
) -> None:
    for url, participation_id in _serve(tmp_path, ["sjalvskattning"]):
        link = _link(browser.new_context(locale="sv-SE").new_page(), url, participation_id)
        context = browser.new_context(locale="sv-SE")
        context.add_init_script(FAKE_SPEECH)
        phone = context.new_page()
        phone.goto(link)
        phone.get_by_role("link", name="Börja").click()
        phone.get_by_role("button", name=re.compile(r"^Lyssna\W+" + re.escape(GENERAL))).click()
        spoken = phone.evaluate("window.spoken")
        assert spoken[0][0] == "sv-SE"
        assert spoken[0][1].split("\n")[:3] == [GENERAL, "Tänk på den senaste veckan.", "1"]
        # No Tigrinya voice here: the buttons stay hidden.
        phone.goto(f"{url}/svar/sida/1?sprak=ti")
        expect(phone.locator("button.listen").first).to_be_hidden()
