"""A question page writes the browser session only when something in it changes: a page opened
by a personal link is read, not written; on a tablet (kiosk) the time the page was seen is
recorded on every page, for the idle lock."""

from __future__ import annotations

from flask import Flask
from werkzeug.test import TestResponse

from tests.survey_helpers import PAGES, create_link, make_setup, staff_client


def _sets_cookie(response: TestResponse) -> bool:
    return any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))


def test_a_linked_page_read_again_leaves_the_session_cookie_alone(app: Flask) -> None:
    setup = make_setup(app)
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    participant.get("/svar/sida/1")  # the first page: the CSRF token is stored once
    again = participant.get("/svar/sida/1")
    assert again.status_code == 200
    assert not _sets_cookie(again)
    saved = participant.post("/svar/sida/1", data=PAGES[0])
    assert saved.status_code == 302
    assert _sets_cookie(saved)  # the page is recorded as answered in this session


def test_a_tablet_records_each_page_seen(app: Flask) -> None:
    setup = make_setup(app)
    tablet = staff_client(app)
    tablet.post(f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/surfplatta")
    tablet.get("/svar/sida/1")
    again = tablet.get("/svar/sida/1")
    assert again.status_code == 200
    assert _sets_cookie(again)
