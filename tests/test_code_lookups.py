"""Participant codes outside one's own insatser: one answer for every refusal, and a budget per
staff user of refusals for codes they cannot see (staff/code_lookups.py)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import Participant, Participation, RoleKind
from survey_app.staff.services import CODE_UNAVAILABLE
from tests import factories
from tests.conftest import login

MINE = "coach@example.org"
THEIRS = "other@example.org"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"code_lookup_failures": "5 per hour"}


@pytest.fixture
def insatser(app: Flask) -> tuple[int, int]:
    """Insats A (our coach, with A-1) and insats B (another coach, with B-1..B-4: women born
    1985), one förbund."""
    with app.app_context():
        owner = factories.forbund()
        mine, theirs = factories.insats(owner, "A"), factories.insats(owner, "B")
        factories.user(owner, RoleKind.STAFF, [mine], email=MINE)
        factories.user(owner, RoleKind.STAFF, [theirs], email=THEIRS)
        factories.participation(mine, "A-1")
        for code in ("B-1", "B-2", "B-3", "B-4"):
            factories.participation(theirs, code)
        db.session.commit()
        return mine.id, theirs.id


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email, factories.PASSWORD)
    return client


def _register(client: FlaskClient, insats_id: int, **fields: str) -> tuple[int, list[str]]:
    """Status and the field errors shown."""
    data = {
        "code": "NEW-1",
        "gender": "kvinna",
        "birth_year": "1985",
        "remittent": "af",
        "start_date": "2026-03-02",
        **fields,
    }
    response = client.post(f"/insatser/{insats_id}/deltagare/ny", data=data)
    page = response.get_data(as_text=True)
    return response.status_code, re.findall(r'<p class="error" id="[^"]+">([^<]*)</p>', page)


def _participants(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Participant.id))) or 0


def test_every_refusal_outside_ones_insatser_gets_the_same_answer(
    app: Flask, insatser: tuple[int, int]
) -> None:
    mine, _ = insatser
    coach = _client(app, MINE)
    # factories.participation registers women born 1985.
    attempts = {
        "a code taken in another insats": {"code": "B-1"},
        "linking it with the wrong gender": {
            "code": "B-1",
            "existing_participant": "y",
            "gender": "man",
        },
        "linking it with the wrong birth year": {
            "code": "B-1",
            "existing_participant": "y",
            "birth_year": "1986",
        },
        "linking a code nobody has": {"code": "NOBODY-1", "existing_participant": "y"},
    }
    for name, fields in attempts.items():
        status, errors = _register(coach, mine, **fields)
        assert (status, errors) == (200, [CODE_UNAVAILABLE]), name
    assert _participants(app) == 5  # A-1, B-1..B-4: nothing added, nothing linked
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Participation.id))) == 5


def test_refusals_are_budgeted_and_then_every_registration_waits(
    app: Flask, insatser: tuple[int, int]
) -> None:
    mine, _ = insatser
    coach = _client(app, MINE)
    # Four refusals of the budget's five ...
    for fields in (
        {"code": "B-1"},
        {"code": "B-2"},
        {"code": "B-1", "existing_participant": "y", "gender": "man"},
        {"code": "NOBODY-1", "existing_participant": "y"},
    ):
        assert _register(coach, mine, **fields)[1] == [CODE_UNAVAILABLE]
    # ... leave room for ordinary work,
    status, _ = _register(coach, mine, code="NEW-1")
    assert status == 302
    # and the fifth spends it.
    assert _register(coach, mine, code="B-3")[1] == [CODE_UNAVAILABLE]
    for fields in (
        {"code": "NEW-2"},  # a free code
        {"code": "B-1", "existing_participant": "y"},  # the right gender and birth year
        {"code": "B-2"},
    ):
        status, _ = _register(coach, mine, **fields)
        assert status == 429, fields
    assert _participants(app) == 6  # A-1, B-1..B-4 and NEW-1
    # The budget is the user's own: the other coach registers as usual.
    other = _client(app, THEIRS)
    assert _register(other, insatser[1], code="NEW-3")[0] == 302


def test_codes_of_ones_own_participants_do_not_count(app: Flask, insatser: tuple[int, int]) -> None:
    mine, _ = insatser
    coach = _client(app, MINE)
    for _ in range(8):  # more than the budget of five
        assert _register(coach, mine, code="A-1") == (200, [CODE_UNAVAILABLE])
    assert _register(coach, mine, code="NEW-1")[0] == 302


def _upload(client: FlaskClient, insats_id: int, codes: list[str]) -> tuple[int, str]:
    rows = "".join(f"{code},kvinna,1985,af,2026-03-02\n" for code in codes)
    response = client.post(
        f"/insatser/{insats_id}/deltagare/import",
        data={
            "file": (
                io.BytesIO(("code,gender,birth_year,remittent,start_date\n" + rows).encode()),
                "deltagare.csv",
            )
        },
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def test_a_file_cannot_map_another_insats_codes(app: Flask, insatser: tuple[int, int]) -> None:
    mine, _ = insatser
    coach = _client(app, MINE)
    # Own code A-1 is free of charge; B-1 and B-2 cost two of the five.
    status, page = _upload(coach, mine, ["A-1", "B-1", "B-2", "OK-1"])
    assert status == 200
    for line in (2, 3, 4):
        assert f"rad {line}, kod: {CODE_UNAVAILABLE}" in page
    assert "rad 5" not in page
    # Four of B's codes in the next file: more than the three left, so none is named.
    status, page = _upload(coach, mine, ["B-1", "B-2", "B-3", "B-4", "OK-2"])
    assert status == 200
    assert CODE_UNAVAILABLE not in page
    assert "rad 2, kod: flera rader har koder som inte kan användas" in page
    assert "rad 3" not in page and "rad 6" not in page
    assert _participants(app) == 5
    # The three left were spent on that file: the next registration waits.
    assert _upload(coach, mine, ["OK-3"])[0] == 429
    assert _register(coach, mine, code="OK-4")[0] == 429
