"""The handed-over tablet's idle lock: announced, never losing what was entered, and never
thanking for answers that were not sent (issue 15 point 3)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import Response, ResponseStatus
from tests.survey_helpers import PAGES, Setup, create_link, make_setup, staff_client


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _tablet(app: Flask, setup: Setup) -> FlaskClient:
    tablet = staff_client(app)
    tablet.post(f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/surfplatta")
    return tablet


def _idle(tablet: FlaskClient, minutes: int = 11) -> None:
    with tablet.session_transaction() as session:
        session["survey"] = {**session["survey"], "seen": time.time() - minutes * 60}


def _stored(app: Flask) -> tuple[int, dict[str, object], ResponseStatus]:
    with app.app_context():
        response = db.session.scalars(sa.select(Response)).one()
        return (
            response.pages_saved,
            {a.item_id: a.value for a in response.answers},
            response.status,
        )


def test_the_tablet_page_warns_before_the_lock_without_a_meta_refresh(
    app: Flask, setup: Setup
) -> None:
    page = _tablet(app, setup).get("/svar/sida/1").get_data(as_text=True)
    assert "http-equiv" not in page
    assert 'data-idle-seconds="600" data-warning-seconds="60"' in page
    assert '<script src="/static/tablet.js" defer></script>' in page
    assert "Jag är kvar" in page and 'data-lock="/svar/sida/1/las"' in page
    # A participant's own phone has no idle lock.
    phone = app.test_client()
    phone.get(create_link(staff_client(app), setup))
    own = phone.get("/svar/sida/1").get_data(as_text=True)
    assert "tablet.js" not in own and "Jag är kvar" not in own


def test_a_page_posted_after_the_idle_time_keeps_its_entries_for_staff_to_resume(
    app: Flask, setup: Setup
) -> None:
    tablet = _tablet(app, setup)
    tablet.post("/svar/sida/1", data=PAGES[0])
    _idle(tablet)
    # Half of page 2 filled in, then Next long after: the tablet locks, the entries stay.
    locked = tablet.post("/svar/sida/2", data={"item_self_esteem": "4", "item_motivation": "9"})
    assert locked.headers["Location"] == "/surfplatta"
    page = tablet.get("/surfplatta").get_data(as_text=True)
    assert "Surfplattan är låst" in page and "Tack" not in page
    assert "Det som var ifyllt är sparat" in page
    saved, answers, status = _stored(app)
    assert saved == 1 and status == ResponseStatus.IN_PROGRESS
    assert answers["self_esteem"] == 4 and answers["motivation"] == 9

    resumed = _tablet(app, setup)
    assert 'href="/svar/sida/2"' in resumed.get("/svar").get_data(as_text=True)
    page_two = resumed.get("/svar/sida/2").get_data(as_text=True)
    assert 'checked id="item_self_esteem-3"' in page_two
    assert 'checked id="item_motivation-8"' in page_two


def test_the_script_s_lock_keeps_the_entries_and_keep_alive_restarts_the_time(
    app: Flask, setup: Setup
) -> None:
    tablet = _tablet(app, setup)
    _idle(tablet, minutes=9)
    assert tablet.post("/svar/kvar").status_code == 204  # "Jag är kvar"
    assert tablet.get("/svar/sida/1").status_code == 200
    locked = tablet.post("/svar/sida/1/las", data={"item_general_health": "3"})
    assert locked.headers["Location"] == "/surfplatta"
    assert _stored(app)[:2] == (0, {"general_health": 3})
    assert tablet.get("/svar/sida/1").headers["Location"] == "/surfplatta"


def test_an_idle_lock_of_a_page_without_a_form_keeps_nothing_and_says_no_thanks(
    app: Flask, setup: Setup
) -> None:
    tablet = _tablet(app, setup)
    assert tablet.post("/svar/las").headers["Location"] == "/surfplatta"
    assert "Tack" not in tablet.get("/surfplatta").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(Response)).all() == []
