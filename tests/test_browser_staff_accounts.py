"""In a real browser: a förbund admin gives a coach another insats, then deactivates the coach."""

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

ADMIN = "chef@example.org"
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
            factories.insats(owner, "Hälsoskolan")
            factories.user(owner, RoleKind.ADMIN, email=ADMIN)
            factories.user(owner, RoleKind.STAFF, [green], email=COACH)
            db.session.commit()
        yield app, url


def _signed_in(browser: Browser, url: str, email: str) -> Page:
    page = browser.new_context(locale="sv-SE").new_page()
    page.goto(url + "/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Insatser")).to_be_visible()
    return page


def test_admin_gives_a_coach_an_insats_and_then_deactivates_the_account(
    server: tuple[Flask, str], browser: Browser
) -> None:
    _, url = server
    coach = _signed_in(browser, url, COACH)
    expect(coach.get_by_role("link", name="Gröna vägen")).to_be_visible()
    expect(coach.get_by_role("link", name="Hälsoskolan")).to_have_count(0)

    admin = _signed_in(browser, url, ADMIN)
    admin.get_by_role("link", name="Personal").click()
    admin.get_by_role("link", name=f"Ändra {COACH}").click()
    expect(admin.get_by_role("heading", name=f"Ändra konto: {COACH}")).to_be_visible()
    expect(admin.get_by_label("Roll")).to_have_value("staff")
    expect(admin.get_by_label("Gröna vägen")).to_be_checked()
    admin.get_by_label("Namn").fill("Karin Ek")
    admin.get_by_label("Hälsoskolan").check()
    admin.get_by_role("button", name="Spara ändringar").click()
    expect(admin.get_by_text(f"Kontot {COACH} är ändrat.")).to_be_visible()
    row = admin.get_by_role("row").filter(has_text=COACH)
    expect(row).to_contain_text("Karin Ek")
    expect(row).to_contain_text("Personal (Hälsoskolan)")

    # The coach needs no new sign-in: the next page already lists the new insats.
    coach.reload()
    coach.get_by_role("link", name="Hälsoskolan").click()
    expect(coach.get_by_role("heading", name="Hälsoskolan")).to_be_visible()

    admin.get_by_role("link", name="Ändra Karin Ek").click()
    admin.get_by_role("button", name="Inaktivera").click()
    expect(admin.get_by_text(f"Kontot {COACH} är inaktiverat.")).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text=COACH)).to_contain_text("Inaktiverat")

    # The coach's open page is worth nothing now: the next click asks for a sign-in, and the
    # password no longer opens the service.
    coach.get_by_role("link", name="Insatser").click()
    expect(coach.get_by_role("heading", name="Logga in")).to_be_visible()
    coach.get_by_label("E-postadress").fill(COACH)
    coach.get_by_label("Lösenord").fill(factories.PASSWORD)
    coach.get_by_role("button", name="Logga in").click()
    expect(coach.get_by_role("heading", name="Logga in")).to_be_visible()
    expect(coach.get_by_role("heading", name="Insatser")).to_have_count(0)


def test_the_settings_page_fits_a_laptop_screen(
    server: tuple[Flask, str], browser: Browser
) -> None:
    """At 1366 × 768: no sideways scroll, the e-mail text in a box as wide as the form, starting
    with the default text, and its preview wrapped within the page."""
    _, url = server
    admin = _signed_in(browser, url, ADMIN)
    admin.set_viewport_size({"width": 1366, "height": 768})
    admin.get_by_role("link", name="Inställningar").click()
    box = admin.get_by_label("E-post med personlig länk")
    expect(box).to_have_value(re.compile(r"^Hej \{fornamn\}!"))
    assert admin.evaluate("document.documentElement.scrollWidth") <= 1366
    width = box.bounding_box()
    assert width is not None and width["width"] >= 600 and width["height"] >= 200
    preview = admin.locator("pre.preview").bounding_box()
    assert preview is not None and preview["x"] + preview["width"] <= 1366


def test_admin_chooses_the_eq5d_value_set_of_a_questionnaire(
    server: tuple[Flask, str], browser: Browser
) -> None:
    """The value-set selects on *Inställningar* store the option of the EQ-5D questionnaire."""
    from survey_app.models import Forbund
    from survey_app.questionnaires.options import stored_options

    app, url = server
    admin = _signed_in(browser, url, ADMIN)
    admin.get_by_role("link", name="Inställningar").click()
    three = admin.get_by_label("Värdeset för EQ-5D-3L")
    expect(three).to_have_value("se_tto_3l")
    expect(admin.get_by_label("Värdeset för EQ-5D-5L")).to_have_value("se_5l_2022")
    three.select_option(label="Storbritannien TTO (Dolan 1997) (uk_tto_3l)")
    admin.get_by_role("button", name="Spara inställningar").click()
    expect(admin.get_by_text("Inställningarna är sparade.")).to_be_visible()
    expect(admin.get_by_label("Värdeset för EQ-5D-3L")).to_have_value("uk_tto_3l")
    with app.app_context():
        owner = db.session.query(Forbund).one()
        assert stored_options(owner.id) == {"eq5d-3l": {"value_set": "uk_tto_3l"}}
