"""In a real browser: a förbund admin uploads a broken questionnaire file (shown with line and
reason), then a good one, previews it and activates it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import OwnQuestionnaire, RoleKind
from tests import factories
from tests.browser import chromium, live_server
from tests.own_files import BROKEN, mala

pytestmark = pytest.mark.browser

ADMIN = "chef@example.org"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    with live_server(tmp_path / "live.sqlite3") as (app, url):
        with app.app_context():
            owner = factories.forbund("Skaraborg")
            factories.user(owner, RoleKind.ADMIN, email=ADMIN)
            db.session.commit()
        yield app, url


def test_admin_sees_a_broken_file_by_line_then_previews_and_activates_a_good_one(
    server: tuple[Flask, str], tmp_path: Path
) -> None:
    app, url = server
    broken = tmp_path / "trasig.yaml"
    broken.write_bytes(BROKEN)
    good = tmp_path / "mala.yaml"
    good.write_bytes(mala())
    with chromium() as browser:
        page = browser.new_context(locale="sv-SE").new_page()
        page.goto(url + "/login")
        page.get_by_label("E-postadress").fill(ADMIN)
        page.get_by_label("Lösenord").fill(factories.PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        page.get_by_role("link", name="Frågeformulär").click()
        expect(page.get_by_role("heading", name="Egna frågeformulär")).to_be_visible()

        page.get_by_label("Definitionsfil (YAML)").set_input_files(str(broken))
        page.get_by_role("button", name="Ladda upp och kontrollera").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Filen har fel och har inte sparats")
        expect(alert).to_contain_text("Rad 12 (pages[0].items[0].max): fel typ: 'sex' ska vara")

        page.get_by_label("Definitionsfil (YAML)").set_input_files(str(good))
        page.get_by_role("button", name="Ladda upp och kontrollera").click()
        expect(page.get_by_role("heading", name="Måla för hälsan version 1")).to_be_visible()
        preview = page.get_by_role("region", name="Förhandsvisning")
        expect(preview).to_contain_text("3. Jag rör på mig")
        expect(preview).to_contain_text("☐ Mest hemma")
        page.get_by_role("button", name="Aktivera").click()
        expect(page.get_by_text("mala version 1 används nu i förbundets insatser.")).to_be_visible()
        expect(page.get_by_role("cell", name="Används")).to_be_visible()
    with app.app_context():
        rows = db.session.scalars(sa.select(OwnQuestionnaire)).all()
        assert [(r.questionnaire_id, r.status) for r in rows] == [("mala", "active")]
