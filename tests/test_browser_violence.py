"""In a real browser: a "yes" in the violence screening, the support page, the staff flag, and
the quick exit."""

from __future__ import annotations

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
# Tests never leave this machine: the "neutral site" is the service's own health page here.
NEUTRAL = "/healthz"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Flask, str, int]]:
    with live_server(tmp_path / "violence.sqlite3", quick_exit_url=NEUTRAL) as (app, url):
        with app.app_context():
            owner = factories.forbund("Skaraborg")
            owner.support_contacts = "Kvinnojouren i Skövde: 0500-123 45"
            insats = factories.insats(owner, "Hälsoskolan", start=["valdsenkat"])
            factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
            participation = factories.participation(insats, "HS-0007")
            db.session.commit()
            participation_id = participation.id
        yield app, url, participation_id


def _staff_page(browser: Browser, url: str) -> Page:
    page = browser.new_context(locale="sv-SE").new_page()
    page.goto(url + "/login")
    page.get_by_label("E-postadress").fill(COACH)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    return page


def _link(staff: Page, url: str, participation_id: int) -> str:
    staff.goto(f"{url}/deltagande/{participation_id}")
    staff.get_by_role("button", name="Skapa personlig länk").click()
    return staff.get_by_label("Länk").input_value()


def _choose(page: Page, question_start: str, answer: str) -> None:
    group = page.get_by_role("group").filter(has_text=question_start)
    group.get_by_role("radio", name=answer, exact=True).check()


def test_yes_gives_support_and_a_flag_staff_can_handle(
    browser: Browser, server: tuple[Flask, str, int]
) -> None:
    _, url, participation_id = server
    staff = _staff_page(browser, url)
    link = _link(staff, url, participation_id)

    phone = browser.new_context(locale="sv-SE").new_page()
    phone.goto(link)
    phone.get_by_role("link", name="Börja").click()
    expect(phone.get_by_role("link", name="Lämna sidan snabbt")).to_be_visible()
    _choose(phone, "kränkt dig", "Nej")
    _choose(phone, "hotat dig", "Vill inte svara")
    _choose(phone, "slagit, sparkat", "Ja")
    _choose(phone, "sex eller sexuella", "Nej")
    phone.get_by_role("button", name="Nästa").click()

    expect(
        phone.get_by_role("heading", name="Du är inte ensam – stöd finns att få")
    ).to_be_visible()
    expect(phone.get_by_text("Kvinnofridslinjen 020-50 50 50")).to_be_visible()
    expect(phone.get_by_text("Kvinnojouren i Skövde: 0500-123 45")).to_be_visible()
    phone.get_by_role("link", name="Fortsätt").click()
    expect(phone.get_by_text("Sida 2 av 2")).to_be_visible()

    # The staff see that a follow-up is needed, not what was answered.
    staff.goto(f"{url}/deltagande/{participation_id}")
    expect(staff.get_by_text("Uppföljning av våldsfrågor behövs")).to_be_visible()
    body = staff.locator("main").inner_text()
    assert "slagit" not in body and "Ja" not in body.split()
    staff.get_by_role("button", name="Markera som hanterad").click()
    expect(staff.get_by_text("Uppföljningen är markerad som hanterad.")).to_be_visible()
    expect(staff.get_by_role("heading", name="Att följa upp")).to_have_count(0)

    # The quick exit leaves at once; Back does not bring the questionnaire back.
    phone.get_by_role("link", name="Lämna sidan snabbt").click()
    expect(phone).to_have_url(url + NEUTRAL)
    phone.go_back()
    expect(phone.get_by_role("heading", name="Länken kan inte användas längre")).to_be_visible()
    assert phone.get_by_role("radio").count() == 0
