"""In a real browser against a live server and a real SMTP server: the forced change at the first
sign-in, changing one's own password, "glömt lösenord" by e-mail, and a copied staff cookie that
dies at the tablet hand-over."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from survey_app.extensions import db
from survey_app.models import RoleKind
from tests import factories, smtp_server
from tests.browser import chromium, free_port, live_server

pytestmark = pytest.mark.browser

COACH = "coach@example.org"
NEWCOMER = "ny.kollega@example.org"
NEW_PASSWORD = "kaffe gruva vinter lampa"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Flask, str, smtp_server.Inbox, int]]:
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    with (
        smtp_server.smtp_server() as inbox,
        live_server(
            tmp_path / "passwords.sqlite3",
            port=port,
            public_url=public_url,
            **smtp_server.SETTINGS,
        ) as (app, url),
    ):
        assert url == public_url
        with app.app_context():
            owner = factories.forbund("Skaraborg")
            insats = factories.insats(owner, "Gröna vägen")
            factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
            factories.user(
                owner, RoleKind.STAFF, [insats], email=NEWCOMER, must_change_password=True
            )
            participation = factories.participation(insats, "GV-0001")
            db.session.commit()
            participation_id = participation.id
        yield app, url, inbox, participation_id


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="sv-SE")
    yield context.new_page()
    context.close()


def _sign_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def _choose(page: Page, new: str, current: str | None = None) -> None:
    if current is not None:
        page.get_by_label("Nuvarande lösenord").fill(current)
    page.get_by_label("Nytt lösenord", exact=True).fill(new)
    page.get_by_label("Upprepa det nya lösenordet").fill(new)
    page.get_by_role("button", name=re.compile("Byt lösenord|Spara det nya lösenordet")).click()


def test_a_new_account_chooses_its_own_password_at_the_first_sign_in(
    server: tuple[Flask, str, smtp_server.Inbox, int], page: Page
) -> None:
    _, url, _, _ = server
    _sign_in(page, url, NEWCOMER, factories.PASSWORD)
    expect(page.get_by_role("heading", name="Välj ett eget lösenord")).to_be_visible()
    page.goto(url + "/")  # nothing else opens before the change
    expect(page.get_by_role("heading", name="Välj ett eget lösenord")).to_be_visible()

    _choose(page, "password1234", current=factories.PASSWORD)
    expect(page.get_by_text("Lösenordet måste ha minst 15 tecken.")).to_be_visible()
    _choose(page, "password12345678", current=factories.PASSWORD)
    expect(page.get_by_text("Det liknar ett vanligt lösenord.")).to_be_visible()
    _choose(page, NEW_PASSWORD, current=factories.PASSWORD)
    expect(page.get_by_text("Ditt lösenord är bytt.")).to_be_visible()
    expect(page.get_by_role("heading", name="Insatser")).to_be_visible()

    page.get_by_role("button", name="Logga ut").click()
    _sign_in(page, url, NEWCOMER, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Insatser")).to_be_visible()


def test_a_coach_changes_the_password_from_the_menu(
    server: tuple[Flask, str, smtp_server.Inbox, int], page: Page
) -> None:
    _, url, _, _ = server
    _sign_in(page, url, COACH, factories.PASSWORD)
    page.get_by_role("link", name="Byt lösenord").click()
    expect(page.get_by_role("heading", name="Byt lösenord")).to_be_visible()
    _choose(page, NEW_PASSWORD, current="not my password")
    expect(page.get_by_text("Det nuvarande lösenordet stämmer inte.")).to_be_visible()
    _choose(page, NEW_PASSWORD, current=factories.PASSWORD)
    expect(page.get_by_text("Ditt lösenord är bytt.")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()

    _sign_in(page, url, COACH, factories.PASSWORD)
    expect(page.get_by_text("Fel e-postadress eller lösenord.")).to_be_visible()
    _sign_in(page, url, COACH, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Insatser")).to_be_visible()


def _wait_for(inbox: smtp_server.Inbox, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.messages) >= count


def test_forgot_password_by_e_mail(
    server: tuple[Flask, str, smtp_server.Inbox, int],
    page: Page,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")  # the live server's access log
    _, url, inbox, _ = server
    page.goto(url + "/login")
    page.get_by_role("link", name="Glömt lösenord?").click()
    page.get_by_label("E-postadress").fill("nobody@example.org")
    page.get_by_role("button", name="Skicka länk").click()
    expect(page.get_by_text("Om adressen hör till ett konto")).to_be_visible()
    unknown_answer = page.locator("main").inner_text()

    page.goto(url + "/glomt-losenord")
    page.get_by_label("E-postadress").fill(COACH)
    page.get_by_role("button", name="Skicka länk").click()
    expect(page.get_by_text("Om adressen hör till ett konto")).to_be_visible()
    assert page.locator("main").inner_text() == unknown_answer, "the same answer either way"

    _wait_for(inbox, 1)
    time.sleep(0.3)
    assert [recipients for recipients, _ in inbox.messages] == [[COACH]]
    message = inbox.messages[0][1]
    assert str(make_header(decode_header(message["Subject"]))) == (
        "Välj ett nytt lösenord till Uppföljning"
    )
    body = smtp_server.text_of(message)
    match = re.search(r"(http://\S+/nytt-losenord/(\S+))", body)
    assert match, body
    link, token = match.group(1), match.group(2)
    assert link.startswith(url + "/nytt-losenord/")

    page.goto(link)
    expect(page.get_by_role("heading", name="Välj nytt lösenord")).to_be_visible()
    _choose(page, "password12345678")
    expect(page.get_by_text("Det liknar ett vanligt lösenord.")).to_be_visible()
    _choose(page, NEW_PASSWORD)
    expect(
        page.get_by_text("Ditt lösenord är bytt. Logga in med det nya lösenordet.")
    ).to_be_visible()
    _sign_in(page, url, COACH, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Insatser")).to_be_visible()

    page.goto(link)  # used once: no more
    expect(page.get_by_role("heading", name="Länken fungerar inte")).to_be_visible()

    access_log = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/nytt-losenord/[dold]" in line for line in access_log), access_log
    assert not any(token in line for line in access_log), "the token never reaches a log"


def test_a_copied_staff_cookie_dies_at_the_tablet_hand_over(
    server: tuple[Flask, str, smtp_server.Inbox, int], browser: Browser
) -> None:
    _, url, _, participation_id = server
    tablet_context = browser.new_context(locale="sv-SE")
    thief_context = browser.new_context(locale="sv-SE")
    try:
        tablet = tablet_context.new_page()
        _sign_in(tablet, url, COACH, factories.PASSWORD)
        expect(tablet.get_by_role("heading", name="Insatser")).to_be_visible()
        thief_context.add_cookies(tablet_context.cookies())
        thief = thief_context.new_page()
        thief.goto(url + "/")
        expect(thief.get_by_role("heading", name="Insatser")).to_be_visible()

        tablet.goto(f"{url}/deltagande/{participation_id}")
        tablet.get_by_role("button", name="Starta på surfplatta").first.click()
        expect(tablet.get_by_role("link", name="Börja")).to_be_visible()

        thief.goto(f"{url}/deltagande/{participation_id}")
        expect(thief.get_by_role("heading", name="Logga in")).to_be_visible()
        thief.goto(url + "/")
        expect(thief.get_by_role("heading", name="Logga in")).to_be_visible()
    finally:
        tablet_context.close()
        thief_context.close()
