"""The HTML of every questionnaire page is exactly what it was: the shipped questionnaires (and
one of every item type and option, `golden/alla-typer.yaml`), each page blank, with the messages
of an empty submit and with saved answers shown again, in Swedish and English, and the staff
forms in staff mode. The files in `golden/pages/` were written from main's rendering (WTForms
widgets through the `item` macro) before rendering was made faster; rewrite them only for a
change meant to alter the HTML: `GOLDEN_UPDATE=1 pytest tests/test_page_html.py`."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import RoleKind
from survey_app.questionnaires import Item, ItemType, Registry
from survey_app.survey import fields
from tests import factories
from tests.survey_helpers import COACH

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "pages"
SHIPPED = HERE.parent / "questionnaires"
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"
CSRF = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+(")')
PARTICIPANT = ["sjalvskattning", "eq5d-3l", "eq5d-5l", "valdsenkat", "nojdhet", "alla-typer"]
STAFF = ["inskrivning", "utskrivning"]


@pytest.fixture(scope="module")
def questionnaire_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("questionnaires")
    for path in [*SHIPPED.glob("*.yaml"), HERE / "golden" / "alla-typer.yaml"]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the HTML does not depend on the database."""
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def settings_overrides(questionnaire_dir: Path) -> dict[str, object]:
    return {"csrf_enabled": True, "questionnaire_dir": questionnaire_dir}


def _token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has a CSRF token"
    return html[match.end(1) : match.start(2)]


def _answer(item: Item) -> Any:
    """A valid form value for the item, worked out from its definition."""
    kind = item.type
    if kind == ItemType.SCALE:
        assert item.min is not None and item.max is not None
        return str(int((item.min + item.max) // 2))
    if kind == ItemType.YES_NO:
        return "nej"
    if kind == ItemType.SINGLE_CHOICE:
        return str(item.choices[0].value)
    if kind == ItemType.MULTIPLE_CHOICE:
        return [str(c.value) for c in item.choices[:2]]
    if kind == ItemType.VAS:
        return "50"
    if kind == ItemType.NUMBER:
        return "7" if item.integer else "2.5"
    if kind == ItemType.DATE:
        return "2026-03-01"
    return 'Ett svar med <tecken> & "citat"'


def _answers(registry: Registry, html: str) -> dict[str, Any]:
    data: dict[str, Any] = {"csrf_token": _token(html)}
    for name in dict.fromkeys(re.findall(r'name="item_([^"]+)"', html)):
        item = next(i for q in registry.by_id.values() for i in q.items if i.id == name)
        data[f"item_{name}"] = _answer(item)
    return data


def _compare(name: str, html: str) -> None:
    html = CSRF.sub(r"\1CSRF\2", html)
    path = GOLDEN / f"{name}.html"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(html.encode())
    assert path.exists(), f"no golden file {path.name}: GOLDEN_UPDATE=1 writes it"
    assert html == path.read_bytes().decode(), name  # bytes: WTForms' textarea has a CRLF


def _walk(client: FlaskClient, registry: Registry, prefix: str, pages: int) -> None:
    """Every page: blank, after an empty submit, and shown again once saved."""
    for number in range(1, pages + 1):
        path = f"/svar/sida/{number}"
        blank = client.get(path)
        assert blank.status_code == 200, path
        html = blank.get_data(as_text=True)
        _compare(f"{prefix}-{number:02d}-blank", html)
        empty = client.post(path, data={"csrf_token": _token(html)})
        if empty.status_code == 200:
            _compare(f"{prefix}-{number:02d}-errors", empty.get_data(as_text=True))
        saved = client.post(path, data=_answers(registry, html))
        assert saved.status_code == 302, (path, saved.get_data(as_text=True)[-600:])
        _compare(f"{prefix}-{number:02d}-saved", client.get(path).get_data(as_text=True))


def _world(app: Flask, bundle: list[str]) -> tuple[int, int]:
    with app.app_context():
        owner = factories.forbund()
        insats = factories.insats(owner, "A", start=bundle)
        factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
        participation = factories.participation(insats, "A-1")
        db.session.commit()
        return participation.id, participation.occasions[0].id


def _enter(app: Flask, bundle: list[str], who: str, language: str) -> FlaskClient:
    participation_id, occasion_id = _world(app, bundle)
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    signed_in = client.post(
        "/login",
        data={"email": COACH, "password": factories.PASSWORD, "csrf_token": _token(login)},
    )
    assert signed_in.status_code == 302
    start = client.get(f"/deltagande/{participation_id}").get_data(as_text=True)
    client.post(
        f"/deltagande/{participation_id}/tillfalle/{occasion_id}/mata-in/{who}",
        data={"csrf_token": _token(start)},
    )
    assert client.get(f"/svar?sprak={language}").status_code == 200
    return client


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_questionnaire_page_renders_as_before(app: Flask, language: str) -> None:
    registry: Registry = app.extensions["questionnaires"]
    pages = sum(len(registry.by_id[q].pages) for q in PARTICIPANT)
    client = _enter(app, PARTICIPANT, "deltagare", language)
    _walk(client, registry, f"participant-{language}", pages)


def test_every_staff_form_page_renders_as_before(app: Flask) -> None:
    registry: Registry = app.extensions["questionnaires"]
    pages = sum(len(registry.by_id[q].pages) for q in STAFF)
    client = _enter(app, STAFF, "personal", "sv")
    _walk(client, registry, "staff-sv", pages)


def test_an_answer_outside_the_choices_is_rendered_but_not_kept(app: Flask) -> None:
    registry: Registry = app.extensions["questionnaires"]
    page = registry.by_id["sjalvskattning"].pages[0]
    item = page.items[0]
    name = f"item_{item.id}"
    with app.test_request_context(method="POST", data={name: "99"}):
        form = fields.page_form_class(page, {}, "sv")()
        form.validate()
        kept = dict(fields._ITEM_MARKUP)
        html = fields.render_item(form[name], item, "sv")
        assert kept == fields._ITEM_MARKUP  # what a request sends cannot grow the cache
        assert 'value="99"' not in html and "checked" not in html
    with app.test_request_context(method="POST", data={name: "7"}):
        form = fields.page_form_class(page, {}, "sv")()
        first = fields.render_item(form[name], item, "sv")
        again = fields.render_item(form[name], item, "sv")
        assert again is first  # a choice the item has is kept and served again
        assert f'checked id="{name}-6"' in first
