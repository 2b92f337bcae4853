"""Cases found in review: answers never shown again where they should not be, double taps,
chained display conditions, the idle tablet, tokens in error logs."""

from __future__ import annotations

import logging
import threading

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import Answer, AuditEvent, Insats, Response, ResponseMode, ResponseStatus
from survey_app.privacy.log_redaction import RedactLinkTokens
from survey_app.questionnaires import parse_definition
from survey_app.responses.flow import effective_answers, missing_required
from tests.survey_helpers import PAGES, Setup, answer_all, create_link, make_setup, staff_client

VIOLENCE_PAGE_ONE = {
    "item_psychological": "nej",
    "item_threats": "nej",
    "item_physical": "ja",
    "item_sexual": "nej",
}


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _use_bundle(app: Flask, setup: Setup, start: list[str]) -> None:
    with app.app_context():
        from survey_app.models import Participation

        participation = db.session.get(Participation, setup.participation_id)
        assert participation is not None
        insats = db.session.get(Insats, participation.insats_id)
        assert insats is not None
        insats.bundles = {"start": start}
        db.session.commit()


def test_reopening_the_link_after_quick_exit_shows_no_earlier_answers(
    app: Flask, setup: Setup
) -> None:
    _use_bundle(app, setup, ["sjalvskattning", "valdsenkat"])
    path = create_link(staff_client(app), setup)
    phone = app.test_client()
    phone.get(path)
    for number, data in enumerate([*PAGES[:3], VIOLENCE_PAGE_ONE], start=1):
        phone.post(f"/svar/sida/{number}", data=data)
    # In the same session, Back shows what was just answered, except the violence answers.
    assert "checked" in phone.get("/svar/sida/1").get_data(as_text=True)
    assert "checked" not in phone.get("/svar/sida/4").get_data(as_text=True)
    assert "Lämna sidan snabbt" in phone.get("/svar").get_data(as_text=True)
    phone.get("/svar/lamna")
    # Someone else picks up the phone and opens the SMS link again: nothing was answered, as
    # far as the pages tell, and "Börja" leads to the first page not yet answered.
    other = app.test_client()
    intro = other.get(path).get_data(as_text=True)
    assert "Fortsätt där du slutade" not in intro and "Börja" in intro
    assert 'href="/svar/sida/5"' in intro
    for number in range(1, 5):
        assert "checked" not in other.get(f"/svar/sida/{number}").get_data(as_text=True)
    # The participant goes on: what they answer from now on is theirs to see again.
    other.post("/svar/sida/1", data=PAGES[0])
    assert "checked" in other.get("/svar/sida/1").get_data(as_text=True)
    assert "checked" not in other.get("/svar/sida/2").get_data(as_text=True)
    with app.app_context():
        kept = db.session.scalars(sa.select(Answer.item_id)).all()
    assert len(kept) == 14  # nothing saved was lost


def test_staff_entering_paper_answers_do_not_see_the_participants_answers(
    app: Flask, setup: Setup
) -> None:
    path = create_link(staff_client(app), setup)
    phone = app.test_client()
    phone.get(path)
    phone.post("/svar/sida/1", data=PAGES[0])
    staff = staff_client(app)
    staff.post(
        f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/mata-in/deltagare"
    )
    assert "checked" not in staff.get("/svar/sida/1").get_data(as_text=True)


def test_a_sent_questionnaire_is_not_opened_again_when_the_bundle_grows(
    app: Flask, setup: Setup
) -> None:
    tablet = staff_client(app)
    tablet.post(f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/surfplatta")
    answer_all(tablet)
    tablet.post("/svar/skicka")
    _use_bundle(app, setup, ["sjalvskattning", "eq5d-3l", "nojdhet"])
    with app.app_context():
        sent_at = {
            r.questionnaire_id: r.submitted_at for r in db.session.scalars(sa.select(Response))
        }
    tablet = staff_client(app)
    tablet.post(f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/surfplatta")
    intro = tablet.get("/svar").get_data(as_text=True)
    assert "Vad tyckte du om insatsen?" in intro and "Hur har du det just nu?" not in intro
    first = tablet.get("/svar/sida/1").get_data(as_text=True)
    assert "Har du blivit bemött med respekt?" in first and "checked" not in first
    with app.app_context():
        still = {
            r.questionnaire_id: r.submitted_at for r in db.session.scalars(sa.select(Response))
        }
    assert still == sent_at


def _second_tab(app: Flask, first: FlaskClient) -> FlaskClient:
    """Another tab of the same browser: the same session cookie."""
    second = app.test_client()
    cookie = first.get_cookie("session")
    assert cookie is not None
    second.set_cookie("session", cookie.value)
    return second


def test_a_double_tap_on_next_saves_the_page_once(app: Flask, setup: Setup) -> None:
    path = create_link(staff_client(app), setup)
    first = app.test_client()
    first.get(path)
    first.post("/svar/sida/1", data=PAGES[0])
    second = _second_tab(app, first)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def tap(client: object) -> None:
        barrier.wait()
        statuses.append(client.post("/svar/sida/2", data=PAGES[1]).status_code)  # type: ignore[attr-defined]

    threads = [threading.Thread(target=tap, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    with app.app_context():
        items = db.session.scalars(sa.select(Answer.item_id)).all()
    assert sorted(items) == sorted(k.removeprefix("item_") for page in PAGES[:2] for k in page)


CHAIN = """
id: chain
version: 1
title: {sv: Kedja}
pages:
  - items:
      - {id: a, type: yes_no, text: {sv: A}}
  - items:
      - {id: b, type: yes_no, text: {sv: B}, show_if: {item: a, equals: ja}}
  - items:
      - {id: c, type: yes_no, text: {sv: C}, show_if: {item: b, equals: ja}}
"""


def test_hiding_an_item_hides_what_depended_on_it() -> None:
    questionnaire = parse_definition(CHAIN, "chain.yaml")
    # A changed to "nej" hides B, and so C, whose condition was on B.
    assert effective_answers(questionnaire, {"a": "nej", "b": "ja", "c": "ja"}) == {"a": "nej"}
    assert missing_required(questionnaire, {"a": "nej", "b": "ja"}) == []
    assert missing_required(questionnaire, {"a": "ja", "b": "ja"}) == ["c"]


def test_error_log_lines_hide_link_tokens() -> None:
    record = logging.LogRecord(
        "survey_app",
        logging.ERROR,
        __file__,
        1,
        "Exception on %s [%s]",
        ("/l/SECRET123", "GET"),
        None,
    )
    assert RedactLinkTokens().filter(record)
    assert record.getMessage() == "Exception on /l/[dold] [GET]"
    assert RedactLinkTokens in {type(f) for f in logging.getLogger("survey_app").filters}


def test_staff_finishing_a_participants_response_is_recorded_as_staff(
    app: Flask, setup: Setup
) -> None:
    path = create_link(staff_client(app), setup)
    phone = app.test_client()
    phone.get(path)
    phone.post("/svar/sida/1", data=PAGES[0])
    staff = staff_client(app)
    staff.post(
        f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/mata-in/deltagare"
    )
    answer_all(staff)
    staff.post("/svar/skicka")
    with app.app_context():
        modes = {(r.status, r.mode) for r in db.session.scalars(sa.select(Response))}
    assert modes == {(ResponseStatus.SUBMITTED, ResponseMode.STAFF)}


def test_the_final_submit_from_two_tabs_at_once_stores_one_response_each(
    app: Flask, setup: Setup
) -> None:
    path = create_link(staff_client(app), setup)
    first = app.test_client()
    first.get(path)
    answer_all(first)
    second = _second_tab(app, first)
    barrier = threading.Barrier(2)
    locations: list[str] = []

    def submit(client: object) -> None:
        barrier.wait()
        response = client.post("/svar/skicka")  # type: ignore[attr-defined]
        locations.append(response.headers.get("Location", str(response.status_code)))

    threads = [threading.Thread(target=submit, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert locations == ["/svar/tack", "/svar/tack"]
    with app.app_context():
        rows = db.session.execute(
            sa.select(Response.questionnaire_id, Response.status).order_by(
                Response.questionnaire_id
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            ("eq5d-3l", ResponseStatus.SUBMITTED),
            ("sjalvskattning", ResponseStatus.SUBMITTED),
        ]
        submitted_events = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "responses_submitted"
            )
        )
        assert submitted_events == 1
