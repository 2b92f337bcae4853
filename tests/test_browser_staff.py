"""In a real browser: a coach logs in and registers a participant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from survey_app.extensions import db
from survey_app.models import Participation, RoleKind
from tests import factories
from tests.browser import chromium, live_server

pytestmark = pytest.mark.browser

COACH = "coach@example.org"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    with live_server(tmp_path / "live.sqlite3") as (app, url):
        with app.app_context():
            owner = factories.forbund("Skaraborg")
            insats = factories.insats(owner, "Gröna vägen")
            factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
            db.session.commit()
        yield app, url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="sv-SE")
    yield context.new_page()
    context.close()


def test_coach_logs_in_and_registers_a_participant(server: tuple[Flask, str], page: Page) -> None:
    app, url = server
    page.goto(url + "/")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()

    page.get_by_label("E-postadress").fill(COACH)
    page.get_by_label("Lösenord").fill("wrong password")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text("Fel e-postadress eller lösenord.")).to_be_visible()

    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Insatser")).to_be_visible()

    page.get_by_role("link", name="Gröna vägen").click()
    page.get_by_role("link", name="Registrera deltagare").click()
    page.get_by_label("Deltagarkod").fill("gv-0042")
    page.get_by_label("Kön").select_option(label="Kvinna")
    page.get_by_label("Födelseår").fill("1979")
    page.get_by_label("Remittent").select_option(label="Försäkringskassan")
    page.get_by_label("Startdatum").fill("2026-02-02")
    page.get_by_role("button", name="Registrera deltagare").click()

    expect(page.get_by_text("Deltagare GV-0042 är registrerad.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="GV-0042")
    expect(row).to_contain_text("Kvinna")
    expect(row).to_contain_text("2026-02-02")
    expect(row).to_contain_text("Start")

    with app.app_context():
        participation = db.session.scalars(sa.select(Participation)).one()
        assert participation.participant.code == "GV-0042"

    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    page.goto(url + "/")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()


def test_registration_form_shows_errors_next_to_the_fields(
    server: tuple[Flask, str], page: Page
) -> None:
    _, url = server
    page.goto(url + "/login")
    page.get_by_label("E-postadress").fill(COACH)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("link", name="Gröna vägen").click()
    page.get_by_role("link", name="Registrera deltagare").click()
    page.get_by_label("Deltagarkod").fill("19850101-1234")
    page.get_by_role("button", name="Registrera deltagare").click()
    expect(page.get_by_role("alert")).to_contain_text("Formuläret innehåller fel")
    expect(page.get_by_text("Koden ser ut som ett personnummer")).to_be_visible()
    expect(page.get_by_text("Välj kön")).to_be_visible()
