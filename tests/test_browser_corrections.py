"""In a real browser: a coach finds a participant by code, corrects the birth year, and ends a
participation after a confirmation page and undoes the end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from survey_app.clock import today
from survey_app.extensions import db
from survey_app.models import RoleKind
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
            green = factories.insats(owner, "Gröna vägen")
            school = factories.insats(owner, "Hälsoskolan")
            factories.user(owner, RoleKind.STAFF, [green], email=COACH)
            factories.participation(green, "GV-0042", start=date(2026, 2, 2))
            factories.participation(school, "HS-0007")
            db.session.commit()
        yield app, url


@pytest.fixture
def page(browser: Browser, server: tuple[Flask, str]) -> Iterator[Page]:
    _, url = server
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.goto(url + "/login")
    page.get_by_label("E-postadress").fill(COACH)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Insatser")).to_be_visible()
    yield page
    context.close()


def test_coach_searches_by_code(page: Page) -> None:
    page.get_by_role("link", name="Sök deltagare").click()
    page.get_by_label("Deltagarkod").fill("hs-0007")  # another insats of the förbund
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_text("Ingen deltagare med koden ”HS-0007”")).to_be_visible()

    page.get_by_label("Deltagarkod").fill("gv-00")
    page.get_by_role("button", name="Sök").click()
    row = page.get_by_role("row").filter(has_text="GV-0042")
    expect(row).to_contain_text("Gröna vägen")
    row.get_by_role("link", name="GV-0042").click()
    expect(page.get_by_role("heading", name="Deltagare GV-0042")).to_be_visible()


def test_coach_corrects_a_birth_year_and_sees_it_with_the_reason(page: Page) -> None:
    page.get_by_role("link", name="Gröna vägen").click()
    page.get_by_role("link", name="GV-0042").click()
    expect(page.get_by_text("Inga rättelser eller avslut.")).to_be_visible()
    page.get_by_role("link", name="Rätta uppgifter").click()

    expect(page.get_by_label("Födelseår")).to_have_value("1985")
    page.get_by_label("Födelseår").fill("1979")
    page.get_by_role("button", name="Spara rättelsen").click()
    expect(page.get_by_text("Skriv varför uppgifterna rättas.")).to_be_visible()

    page.get_by_label("Varför rättas uppgifterna?").fill("Fel år vid registreringen.")
    page.get_by_role("button", name="Spara rättelsen").click()
    expect(page.get_by_text("Rättelsen är sparad och syns i historiken.")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("1979")
    history = page.get_by_role("region", name="Historik")
    expect(history).to_contain_text("Födelseår 1985 → 1979")
    expect(history).to_contain_text("Orsak: Fel år vid registreringen.")
    expect(history).to_contain_text(f"rättat av {COACH}")


def test_coach_ends_a_participation_after_confirming_and_undoes_it(page: Page) -> None:
    page.get_by_role("link", name="Gröna vägen").click()
    page.get_by_role("link", name="GV-0042").click()
    page.get_by_role("link", name="Avsluta deltagandet").click()
    page.get_by_label("Slutdatum").fill(today().isoformat())
    page.get_by_role("button", name="Fortsätt").click()

    expect(page.get_by_role("heading", name="Avsluta deltagandet för GV-0042?")).to_be_visible()
    expect(page.get_by_text("ångra avslutet på deltagarens sida inom 14 dagar")).to_be_visible()
    page.get_by_role("button", name="Avsluta deltagandet").click()
    expect(page.get_by_text("Deltagandet är avslutat.")).to_be_visible()
    expect(page.locator("dl.facts")).not_to_contain_text("Pågår")

    page.get_by_role("link", name="Ångra avslutet").click()
    expect(page.get_by_role("heading", name="Ångra avslutet för GV-0042?")).to_be_visible()
    page.get_by_role("button", name="Ångra avslutet").click()
    expect(page.get_by_text("Avslutet är ångrat.")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Pågår")
    expect(page.get_by_role("link", name="Avsluta deltagandet")).to_be_visible()
    history = page.get_by_role("region", name="Historik")
    expect(history).to_contain_text(f"avslutat av {COACH}")
    expect(history).to_contain_text(f"ångrat av {COACH}")
