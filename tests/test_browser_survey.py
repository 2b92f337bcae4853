"""In a real browser: a participant answers through a personal link, and on a handed-over tablet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from survey_app.extensions import db
from survey_app.models import Answer, Response, ResponseStatus, RoleKind
from tests import factories
from tests.browser import chromium, live_server

pytestmark = pytest.mark.browser

COACH = "coach@example.org"
GENERAL = "Hur mår du i allmänhet?"
PAGE_ONE = {
    GENERAL: "5",
    "Hur mår du psykiskt?": "6",
    "Hur mår du i kroppen, och hur mycket rör du på dig?": "7",
}
PAGE_TWO = {
    "Hur ser du på dig själv och det du kan?": "4",
    "Hur mycket orkar du göra under en vanlig dag?": "3",
    "Hur klarar du vardagen, till exempel mat, räkningar och tider?": "6",
    "Hur gärna vill du förändra din situation?": "9",
}
PAGE_THREE = {
    "Hur ser du på din framtid?": "8",
    "Hur mycket har du andra människor att vara med?": "2",
    "Hur nära känner du dig ett arbete eller studier?": "1",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Flask, str, int]]:
    with live_server(tmp_path / "survey.sqlite3") as (app, url):
        with app.app_context():
            owner = factories.forbund("Skaraborg")
            insats = factories.insats(owner, "Gröna vägen", start=["sjalvskattning"])
            factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
            participation = factories.participation(insats, "GV-0001")
            db.session.commit()
            participation_id = participation.id
        yield app, url, participation_id


# Chromium reports what the Content-Security-Policy blocked on the console.
CSP_VIOLATIONS: list[str] = []


def _new_page(browser: Browser, requests: list[str] | None = None) -> Page:
    page = browser.new_context(locale="sv-SE").new_page()
    if requests is not None:
        page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            CSP_VIOLATIONS.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("E-postadress").fill(COACH)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Insatser")).to_be_visible()


def _answer(page: Page, answers: dict[str, str]) -> None:
    for question, value in answers.items():
        page.get_by_role("group", name=question).get_by_role(
            "radio", name=value, exact=False
        ).first.check()


def _responses(app: Flask) -> list[tuple[str, ResponseStatus]]:
    with app.app_context():
        return [(r.questionnaire_id, r.status) for r in db.session.scalars(sa.select(Response))]


def test_participant_answers_through_a_personal_link(
    browser: Browser, server: tuple[Flask, str, int]
) -> None:
    app, url, participation_id = server
    CSP_VIOLATIONS.clear()
    staff = _new_page(browser)
    _sign_in(staff, url)
    staff.goto(f"{url}/deltagande/{participation_id}")
    staff.get_by_role("button", name="Skapa personlig länk").click()
    expect(staff.get_by_text("Länken visas bara nu.")).to_be_visible()
    expect(staff.locator(".qr svg")).to_be_visible()
    link = staff.get_by_label("Länk").input_value()
    assert link.startswith(url + "/l/")
    assert link in staff.get_by_label("Text att kopiera").input_value()

    requests: list[str] = []
    phone = _new_page(browser, requests)
    phone.goto(link)
    phone.get_by_role("link", name="Börja").click()
    expect(phone.get_by_text("Sida 1 av 3")).to_be_visible()
    assert "/l/" not in phone.url  # past the intro, the token is no longer in the address bar

    # Next without answers: messages next to the questions, nothing stored.
    phone.get_by_role("button", name="Nästa").click()
    expect(phone.get_by_role("alert")).to_contain_text("Det finns ett problem")
    expect(phone.locator("p.error")).to_have_count(3)

    _answer(phone, PAGE_ONE)
    phone.get_by_role("button", name="Nästa").click()
    expect(phone.get_by_text("Sida 2 av 3")).to_be_visible()

    # Back, change an answer, forward again.
    phone.get_by_role("link", name="Tillbaka").click()
    expect(phone.get_by_text("Sida 1 av 3")).to_be_visible()
    general = phone.get_by_role("group", name=GENERAL)
    expect(general.get_by_role("radio", name="5", exact=True)).to_be_checked()
    general.get_by_role("radio", name="8", exact=True).check()
    phone.get_by_role("button", name="Nästa").click()
    _answer(phone, PAGE_TWO)
    phone.get_by_role("button", name="Nästa").click()
    expect(phone.get_by_text("Sida 3 av 3")).to_be_visible()

    # Interrupted: the page is reloaded, and later the link is opened again.
    phone.reload()
    expect(phone.get_by_text("Sida 3 av 3")).to_be_visible()
    phone.goto(link)
    phone.get_by_role("link", name="Fortsätt där du slutade").click()
    expect(phone.get_by_text("Sida 3 av 3")).to_be_visible()
    _answer(phone, PAGE_THREE)
    phone.get_by_role("button", name="Nästa").click()

    send = phone.get_by_role("button", name="Skicka in svaren")
    send.dblclick()  # a double tap
    expect(phone.get_by_role("heading", name="Tack för dina svar!")).to_be_visible()
    phone.go_back()
    phone.go_forward()

    assert _responses(app) == [("sjalvskattning", ResponseStatus.SUBMITTED)]
    with app.app_context():
        general_health = db.session.scalar(
            sa.select(Answer.value).where(Answer.item_id == "general_health")
        )
        assert general_health == 8

    again = _new_page(browser)
    again.goto(link)
    expect(again.get_by_role("heading", name="Länken kan inte användas längre")).to_be_visible()
    assert all(r.startswith(url) for r in requests), "no request to any other host"
    assert CSP_VIOLATIONS == [], "the pages work under the Content-Security-Policy"


def test_tablet_locks_after_the_participant_is_done(
    browser: Browser, server: tuple[Flask, str, int]
) -> None:
    app, url, participation_id = server
    tablet = _new_page(browser)
    _sign_in(tablet, url)
    tablet.goto(f"{url}/deltagande/{participation_id}")
    tablet.get_by_role("button", name="Starta på surfplatta").click()
    tablet.get_by_role("link", name="Börja").click()
    for answers in (PAGE_ONE, PAGE_TWO, PAGE_THREE):
        _answer(tablet, answers)
        tablet.get_by_role("button", name="Nästa").click()
    tablet.get_by_role("button", name="Skicka in svaren").click()
    expect(tablet.get_by_text("Lämna tillbaka surfplattan till personalen.")).to_be_visible()

    # Back through the history: never an answer, never the staff interface.
    for _ in range(6):
        tablet.go_back()
        body = tablet.locator("body").inner_text()
        assert "Sida" not in body and "Deltagare GV-0001" not in body
        assert tablet.get_by_role("radio").count() == 0
    tablet.goto(url + "/")
    expect(tablet.get_by_role("heading", name="Logga in")).to_be_visible()
    tablet.goto(f"{url}/deltagande/{participation_id}")
    expect(tablet.get_by_role("heading", name="Logga in")).to_be_visible()
    assert _responses(app) == [("sjalvskattning", ResponseStatus.SUBMITTED)]


def test_a_link_clicked_on_another_site_works(
    browser: Browser, server: tuple[Flask, str, int]
) -> None:
    """Webmail and web messengers open the link from another site; the Strict session cookie
    must still come along once the participant starts."""
    _, url, participation_id = server
    staff = _new_page(browser)
    _sign_in(staff, url)
    staff.goto(f"{url}/deltagande/{participation_id}")
    staff.get_by_role("button", name="Skapa personlig länk").click()
    link = staff.get_by_label("Länk").input_value()

    mail = _new_page(browser)
    mail.set_content(f'<p>Hej!</p><a href="{link}">Öppna dina frågor</a>')  # another origin
    mail.get_by_role("link", name="Öppna dina frågor").click()
    mail.get_by_role("link", name="Börja").click()
    expect(mail.get_by_text("Sida 1 av 3")).to_be_visible()
    _answer(mail, PAGE_ONE)
    mail.get_by_role("button", name="Nästa").click()
    expect(mail.get_by_text("Sida 2 av 3")).to_be_visible()
