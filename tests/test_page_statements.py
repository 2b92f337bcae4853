"""The SQL statements of a participant's page, counted so that round trips cannot creep back:
a page is read in one statement, and saved by that read and a few writes in one short write
transaction (on SQLite opened with BEGIN IMMEDIATE after the read, with no read inside it)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import RoleKind
from tests import factories
from tests.sql_statements import statements
from tests.survey_helpers import PAGES, Setup, answer_all, create_link, make_setup, staff_client

GET_LIMIT = 3
POST_LIMIT = 6
# The submit: its read, the claim, the other responses, the link used, the contact details
# and the audit event, and SQLite's BEGIN IMMEDIATE (answers a later answer hid add a DELETE
# per response that has them).
SUBMIT_LIMIT = 7


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _reads_then_writes(seen: list[str]) -> bool:
    """The reads come first; once writing starts nothing more is read."""
    writing = [not s.upper().startswith("SELECT") for s in seen]
    return writing == sorted(writing)


def _touches(statement: str, table: str) -> bool:
    """The statement reads or writes the table (SQLite's trace shows the values too, and an
    audit event names the flag it records)."""
    return re.search(rf"\b(INTO|UPDATE|FROM|JOIN) {table}\b", statement) is not None


def _counted(app: Flask, client: FlaskClient, method: str, path: str, **kwargs: Any) -> list[str]:
    with statements(app) as seen:
        response = client.open(path, method=method, **kwargs)
    assert response.status_code == (302 if method == "POST" else 200), path
    return seen


def test_a_page_is_read_in_one_statement_and_saved_in_a_few(app: Flask, setup: Setup) -> None:
    participant = app.test_client()
    link = create_link(staff_client(app), setup)
    opened = _counted(app, participant, "GET", link)
    assert len(opened) <= GET_LIMIT, opened
    # Page 1 begins the self-assessment (snapshot and response inserted), page 2 continues it,
    # page 2 again replaces its answers, page 4 begins EQ-5D; GET before each.
    for number, data in ((1, PAGES[0]), (2, PAGES[1]), (2, PAGES[1]), (3, PAGES[2]), (4, PAGES[3])):
        shown = _counted(app, participant, "GET", f"/svar/sida/{number}")
        assert len(shown) <= GET_LIMIT, shown
        # Seen at the driver: the page's read is there, even where it bypasses SQLAlchemy.
        assert shown and all(s.startswith("SELECT") for s in shown), shown
        saved = _counted(app, participant, "POST", f"/svar/sida/{number}", data=data)
        assert len(saved) <= POST_LIMIT, saved
        assert _reads_then_writes(saved), saved
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            assert "BEGIN IMMEDIATE" in saved, saved
            assert not any(s.startswith("SELECT") for s in saved[saved.index("BEGIN IMMEDIATE") :])


def test_the_review_page_is_read_in_one_statement_and_the_submit_in_one_write(
    app: Flask, setup: Setup
) -> None:
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    answer_all(participant)
    shown = _counted(app, participant, "GET", "/svar/skicka")
    assert len(shown) <= GET_LIMIT, shown
    assert shown and all(s.startswith("SELECT") for s in shown), shown
    sent = _counted(app, participant, "POST", "/svar/skicka")
    assert len(sent) <= SUBMIT_LIMIT, (len(sent), sent)
    assert _reads_then_writes(sent), sent
    assert sum(s.startswith("SELECT") for s in sent) == 1, sent
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert "BEGIN IMMEDIATE" in sent, sent


def test_a_tablet_page_is_read_and_saved_in_as_few(app: Flask, setup: Setup) -> None:
    tablet = staff_client(app)
    tablet.post(f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/surfplatta")
    shown = _counted(app, tablet, "GET", "/svar/sida/1")
    assert len(shown) <= GET_LIMIT, shown
    saved = _counted(app, tablet, "POST", "/svar/sida/1", data=PAGES[0])
    assert len(saved) <= POST_LIMIT, saved


def test_a_yes_adds_only_the_flag_and_its_audit_event(app: Flask) -> None:
    with app.app_context():
        owner = factories.forbund()
        insats = factories.insats(owner, "A", start=["valdsenkat"])
        factories.user(owner, RoleKind.STAFF, [insats], email="coach@example.org")
        participation = factories.participation(insats, "A-1")
        db.session.commit()
        ids = participation.id, participation.occasions[0].id
    tablet = staff_client(app)
    tablet.post(f"/deltagande/{ids[0]}/tillfalle/{ids[1]}/surfplatta")
    answers = ("psychological", "threats", "physical", "sexual")
    data = {f"item_{item}": "nej" for item in answers} | {"item_physical": "ja"}
    saved = _counted(app, tablet, "POST", "/svar/sida/1", data=data)
    assert len(saved) <= POST_LIMIT + 2, saved
    assert sum(_touches(s, "follow_up_flag") for s in saved) == 1
    assert sum(_touches(s, "audit_event") for s in saved) == 1
