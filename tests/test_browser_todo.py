"""In a real browser: the main menu's "Att göra" lists two insatser in one list, without what
is no longer asked of someone who left, and puts an overdue EXIT first; the EXIT occasion is
created from the list, a personal link with its QR code follows, and once it is sent by e-mail
(through a real SMTP server on 127.0.0.1) the list says "skickat"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from survey_app.clock import today
from survey_app.extensions import db
from survey_app.models import ParticipationStatus, RoleKind
from tests import factories
from tests.browser import chromium, live_server
from tests.smtp_server import SETTINGS, Inbox, html_of, smtp_server, text_of

pytestmark = pytest.mark.browser

COACH = "coach@example.org"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as received:
        yield received


@pytest.fixture
def server(tmp_path: Path, inbox: Inbox) -> Iterator[tuple[Flask, str]]:
    with live_server(tmp_path / "live.sqlite3", **SETTINGS) as (app, url):
        with app.app_context():
            owner = factories.forbund("Skaraborg")
            insats = factories.insats(owner, "Gröna vägen")
            school = factories.insats(owner, "Hälsoskolan")
            factories.user(owner, RoleKind.STAFF, [insats, school], email=COACH)
            factories.participation(insats, "gv-new", start=today())
            factories.participation(school, "hs-new", start=today() - timedelta(days=1))
            left = factories.participation(insats, "gv-left", start=today() - timedelta(days=90))
            left.exit_date = today() - timedelta(days=20)
            left.status = ParticipationStatus.EXITED
            db.session.commit()
        yield app, url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="sv-SE", viewport={"width": 800, "height": 1100})
    yield context.new_page()
    context.close()


def test_overdue_exit_first_then_created_linked_and_sent(
    server: tuple[Flask, str], page: Page, inbox: Inbox
) -> None:
    _, url = server
    page.goto(url + "/")
    page.get_by_label("E-postadress").fill(COACH)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Att göra").click()

    # Both insatser in one list; gv-left's unanswered START is not asked of them any more.
    rows = page.locator("table.todo tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("gv-left")
    expect(rows.nth(0)).to_contain_text("Avslut")
    expect(rows.nth(0)).to_contain_text("Försenad")
    expect(rows.nth(1)).to_contain_text("hs-new")
    expect(rows.nth(1)).to_contain_text("Hälsoskolan")
    expect(rows.nth(2)).to_contain_text("gv-new")
    expect(rows.nth(2)).to_contain_text("Gröna vägen")
    expect(page.locator("table.todo")).not_to_contain_text("gv-left Start")

    page.get_by_label("Insats").select_option(label="Gröna vägen")
    page.get_by_role("button", name="Filtrera").click()
    expect(rows).to_have_count(2)
    page.get_by_label("Mättillfälle").select_option(label="Avslut")
    page.get_by_role("button", name="Filtrera").click()
    expect(rows).to_have_count(1)

    rows.nth(0).get_by_role("button", name="Skapa tillfället").click()
    expect(page.get_by_text("Mättillfället är skapat.")).to_be_visible()
    exit_card = page.locator("section.occasion-card").filter(has_text="Avslut")
    exit_card.get_by_role("button", name="Skapa personlig länk").click()
    expect(page.get_by_role("heading", name="QR-kod")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()

    # Sent by e-mail: the list then says "skickat" for the EXIT.
    # The page previews the e-mail exactly as it goes; sent, the SMTP server on 127.0.0.1
    # receives the same text with Date and Message-ID, and an HTML part with the link.
    preview = page.locator("details.preview pre").text_content() or ""
    page.get_by_label("Deltagarens e-postadress").fill("anna@example.org")
    page.get_by_label("Förnamn i hälsningen (frivilligt)").fill("Anna")
    page.get_by_role("button", name="Skicka länken med e-post").click()
    expect(page.get_by_text("Skickat till anna@example.org")).to_be_visible()
    assert [to for to, _ in inbox.messages] == [["anna@example.org"]]
    message = inbox.messages[0][1]
    assert message["Date"] and message["Message-ID"].endswith("@forbund.example>")
    body = text_of(message)
    assert body.startswith("Hej Anna!\n") and "  " not in body
    assert body.strip() == preview.replace("Hej!", "Hej Anna!", 1).strip()
    link = page.locator("#link-url").input_value()
    assert f'<a href="{link}">' in html_of(message)
    page.goto(url + "/")
    page.get_by_role("link", name="Gröna vägen").click()
    page.get_by_role("link", name="Att göra i Gröna vägen").click()
    exit_row = (
        page.locator("table.todo tbody tr").filter(has_text="gv-left").filter(has_text="Avslut")
    )
    expect(exit_row).to_contain_text("skickat " + today().isoformat())
