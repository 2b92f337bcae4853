"""A participant's page is read as plain rows (`responses.reading.read_occasion`) and rendered
from a kept skeleton of its template (`survey.page_render`): the rows hold what the ORM read
holds, and a page served from the skeleton is byte for byte the page the whole template makes."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Invitation,
    Occasion,
    OccasionKind,
    Response,
    ResponseMode,
    ResponseStatus,
)
from survey_app.models._types import utcnow
from survey_app.responses import reading
from survey_app.responses.reading import read_occasion
from survey_app.responses.storage import load_occasion
from survey_app.survey import links, page_render
from survey_app.urls import LINK_PATH
from tests.survey_helpers import PAGES, create_link, make_setup, staff_client


def test_the_plain_read_holds_the_answers_saved_and_the_link(app: Flask) -> None:
    setup = make_setup(app)
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    for number, data in ((1, PAGES[0]), (2, PAGES[1])):
        assert participant.post(f"/svar/sida/{number}", data=data).status_code == 302
    with app.app_context():
        invitation_id = db.session.scalar(
            sa.select(Invitation.id).where(Invitation.occasion_id == setup.occasion_id)
        )
        assert invitation_id is not None
        read = read_occasion(
            setup.occasion_id,
            participation_id=setup.participation_id,
            invitation_id=invitation_id,
            in_session=False,
        )
        assert read is not None
        occasion, invitation = read
        assert occasion.id == setup.occasion_id
        assert occasion.participation_id == setup.participation_id
        assert occasion.quick_exit_at is None
        assert occasion.participation.insats.questionnaires_for("start") == [
            "sjalvskattning",
            "eq5d-3l",
        ]
        (response,) = occasion.responses
        assert response.questionnaire_id == "sjalvskattning"
        assert response.status == ResponseStatus.IN_PROGRESS
        assert response.mode == ResponseMode.LINK
        assert response.pages_saved == 2
        # The values posted on pages 1 and 2, as the 1–10 scales store them: numbers.
        assert {a.item_id: a.value for a in response.answers} == {
            "general_health": 5,
            "mental_health": 6,
            "physical_health": 7,
            "self_esteem": 4,
            "activity_level": 4,
            "everyday_life": 4,
            "motivation": 9,
        }
        assert invitation is not None
        assert invitation.id == invitation_id
        assert invitation.revoked_at is None
        assert invitation.expires_at > utcnow()

        # The same as the ORM read of the occasion.
        loaded = load_occasion(
            setup.occasion_id, participation_id=setup.participation_id, invitation_id=invitation_id
        )
        assert loaded is not None
        orm_occasion, orm_invitation = loaded
        (orm_response,) = orm_occasion.responses
        assert response.id == orm_response.id
        assert response.content_hash == orm_response.content_hash
        assert occasion.kind == orm_occasion.kind
        assert occasion.participation.language == orm_occasion.participation.language
        assert occasion.participation.insats.forbund.questionnaire_generation == (
            orm_occasion.participation.insats.forbund.questionnaire_generation
        )
        assert orm_invitation is not None
        assert invitation.expires_at == orm_invitation.expires_at

        # Another participation's occasion, or another link, is not read.
        assert (
            read_occasion(setup.occasion_id, participation_id=setup.other_participation_id) is None
        )
        elsewhere = read_occasion(
            setup.occasion_id, participation_id=setup.participation_id, invitation_id=-1
        )
        assert elsewhere is not None
        assert elsewhere[1] is None


def test_the_read_at_the_driver_converts_every_column_as_sqlalchemy_does(app: Flask) -> None:
    """The page's read runs at the driver (`_read_on_driver`), on a connection of its own and on
    the session's; its rows are those of SQLAlchemy's own execution of the statement. Every kind
    of value a page reads: answers as numbers, decimals, codes, lists, dates and null; a
    finished and a staff response; a time of quick exit and a revoked link (aware UTC times), a
    language and a bundle (JSON)."""
    setup = make_setup(app)
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    assert participant.post("/svar/sida/1", data=PAGES[0]).status_code == 302
    with app.app_context():
        occasion = db.session.get(Occasion, setup.occasion_id)
        assert occasion is not None
        occasion.quick_exit_at = utcnow()
        occasion.participation.language = "fa"
        (invitation,) = db.session.scalars(
            sa.select(Invitation).where(Invitation.occasion_id == setup.occasion_id)
        ).all()
        invitation.revoked_at = utcnow()
        (given,) = occasion.responses
        other = Response(
            occasion_id=occasion.id,
            questionnaire_id="eq5d-3l",
            questionnaire_version="1",
            content_hash="0" * 64,
            status=ResponseStatus.SUBMITTED,
            mode=ResponseMode.STAFF,
            pages_saved=3,
            submitted_at=utcnow(),
        )
        db.session.add(other)
        db.session.flush()
        values = {"mobility": "2", "list": ["a", "c"], "day": "2026-11-30", "vas": 72.5}
        db.session.add_all(
            Answer(response_id=other.id, item_id=k, value=v) for k, v in values.items()
        )
        db.session.add(Answer(response_id=given.id, item_id="blank", value=None))
        db.session.commit()
        invitation_id = invitation.id

        arguments = {"participation_id": setup.participation_id, "invitation_id": invitation_id}
        parameters = {"occasion_id": setup.occasion_id, **arguments}
        query = reading._query(True, True)
        expected = db.session.execute(query, parameters).all()  # SQLAlchemy's own execution
        db.session.rollback()
        with db.engine.connect() as connection:
            own = reading._read_on_driver(connection, (True, True), parameters)
            # A read of its own leaves no transaction open (on PostgreSQL: no BEGIN was sent,
            # so none waits for the pool's ROLLBACK), and the connection is as it was.
            driver = connection.connection.driver_connection
            if isinstance(driver, psycopg.Connection):
                assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
                assert driver.autocommit is False
            else:
                assert isinstance(driver, sqlite3.Connection)
                assert not driver.in_transaction
        in_session = reading._read_on_driver(db.session.connection(), (True, True), parameters)
        db.session.rollback()
        assert len(expected) == 3 + 1 + 4  # a row per answer: page 1, the blank, the other's
        for rows in (own, in_session):
            assert [tuple(r) for r in rows] == [tuple(r) for r in expected]
            assert rows[0]._fields == tuple(expected[0]._fields)

        at_driver = read_occasion(setup.occasion_id, **arguments, in_session=False)
        assert at_driver == read_occasion(setup.occasion_id, **arguments, in_session=True)
        assert at_driver is not None
        occasion_row, invitation_row = at_driver
        assert occasion_row.kind is OccasionKind.START
        assert occasion_row.participation.language == "fa"
        assert occasion_row.quick_exit_at is not None
        assert occasion_row.quick_exit_at.utcoffset() == timedelta(0)
        assert invitation_row is not None and invitation_row.revoked_at is not None
        assert invitation_row.expires_at.utcoffset() == timedelta(0)
        by_id = {r.id: r for r in occasion_row.responses}
        assert by_id[other.id].status is ResponseStatus.SUBMITTED
        assert by_id[other.id].mode is ResponseMode.STAFF
        assert {a.item_id: a.value for a in by_id[other.id].answers} == values
        assert {a.item_id: a.value for a in by_id[given.id].answers}["blank"] is None
        # Both read the occasion only where the participation and link match.
        for in_session_or_not in (False, True):
            assert (
                read_occasion(
                    setup.occasion_id,
                    participation_id=setup.other_participation_id,
                    in_session=in_session_or_not,
                )
                is None
            )


def _checked(html: str, name: str) -> list[str]:
    """The values of the checked radio buttons named `name`."""
    return [
        value
        for tag in re.findall(r"<input[^>]*>", html)
        if f'name="{name}"' in tag and "checked" in tag
        for value in re.findall(r'value="([^"]*)"', tag)
    ]


def test_a_page_from_its_kept_skeleton_is_the_page_the_template_makes(app: Flask) -> None:
    setup = make_setup(app)
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    page_render._SKELETONS.clear()
    blank = participant.get("/svar/sida/1").get_data(as_text=True)
    assert page_render._SKELETONS, "the page's skeleton is kept"
    assert _checked(blank, "item_general_health") == []

    assert participant.post("/svar/sida/1", data=PAGES[0]).status_code == 302
    from_skeleton = participant.get("/svar/sida/1").get_data(as_text=True)
    assert _checked(from_skeleton, "item_general_health") == ["5"]
    assert _checked(from_skeleton, "item_physical_health") == ["7"]

    # Templates reloaded (as in development) are rendered as a whole each time.
    app.jinja_env.auto_reload = True
    whole = participant.get("/svar/sida/1").get_data(as_text=True)
    assert from_skeleton == whole


@pytest.mark.parametrize("settings_overrides", [{"csrf_enabled": True}])
def test_a_page_from_its_skeleton_carries_this_session_s_csrf_token(app: Flask) -> None:
    setup = make_setup(app)
    with app.app_context():
        occasion = db.session.get(Occasion, setup.occasion_id)
        assert occasion is not None
        token = links.create_invitation(occasion, None)
        db.session.commit()
    participant = app.test_client()
    opened = participant.get(LINK_PATH + token)
    assert opened.status_code == 200
    participant.get("/svar/sida/1")
    page = participant.get("/svar/sida/1").get_data(as_text=True)
    tokens = re.findall(
        r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)">', page
    )
    assert len(tokens) == 1
    refused = participant.post("/svar/sida/1", data=PAGES[0])
    assert refused.status_code == 400
    saved = participant.post("/svar/sida/1", data={**PAGES[0], "csrf_token": tokens[0]})
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/svar/sida/2")


def test_a_flashed_notice_is_shown_once_and_not_kept_in_the_skeleton(app: Flask) -> None:
    setup = make_setup(app)
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    participant.get("/svar/sida/1")  # the skeleton of page 1, without a notice
    ahead = participant.get("/svar/sida/3", follow_redirects=True)
    assert ahead.request.path == "/svar/sida/1"
    notice = "Fyll i sidorna i tur och ordning."
    assert ahead.get_data(as_text=True).count(notice) == 1
    assert notice not in participant.get("/svar/sida/1").get_data(as_text=True)
