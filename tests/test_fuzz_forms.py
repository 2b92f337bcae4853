"""Random and malformed input to every form (hypothesis): never a server error, and nothing
stored that the questionnaire would not accept.

Under CI=true the question pages get 2,500 examples and the staff forms 1,000 (about 80 for each
of their 12 forms; each example there costs about 2.5 times one on the question pages);
elsewhere fewer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.imports.answers import parse_value
from survey_app.models import Answer, Insats, Participation, Response, RoleKind, StaffUser
from tests import factories
from tests.conftest import IN_CI, login
from tests.survey_helpers import PAGES, Setup, create_link, make_setup, staff_client

EXAMPLES = 2500 if IN_CI else 150
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
STAFF_FUZZ = settings(FUZZ, max_examples=1000 if IN_CI else 150)
ADMIN = "chef@example.org"

# Values: what a browser would send, and what one would not.
TEXTS = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "5",
            "10",
            "11",
            "-1",
            "3.5",
            "1e9",
            "ja",
            "nej",
            "NaN",
            "vill_inte_svara",
            "2026-02-30",
            "<script>",
            "'; DROP TABLE answer; --",
            "=1+1",
            "\x00",
            "🙂" * 50,
        ]
    ),
    st.text(max_size=40),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)
PAGE_FIELDS = sorted({name for page in PAGES for name in page} | {"item_nonexistent", "csrf_token"})


def _valid_as_stored(app: Flask) -> list[str]:
    """Every stored answer, checked against its definition by the import's parser (another
    path than the web form's validation)."""
    problems = []
    registry = app.extensions["questionnaires"]
    with app.app_context():
        for qid, item_id, value in db.session.execute(
            sa.select(Response.questionnaire_id, Answer.item_id, Answer.value).join(
                Answer, Answer.response_id == Response.id
            )
        ):
            item = registry.by_id[qid].item(item_id)
            text = ";".join(map(str, value)) if isinstance(value, list) else str(value)
            if item is None or parse_value(item, text)[1] is not None:
                problems.append(f"{qid}.{item_id}={value!r}")
    return problems


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the input handling is the same on both databases, and 5,000 requests on
    each would double the time for nothing."""
    return f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"


@pytest.fixture
def participant(app: Flask) -> FlaskClient:
    setup: Setup = make_setup(app)
    client = app.test_client()
    client.get(create_link(staff_client(app), setup))
    return client


@FUZZ
@given(
    number=st.integers(min_value=-1, max_value=8),
    data=st.dictionaries(st.sampled_from(PAGE_FIELDS), TEXTS, max_size=8),
)
def test_questionnaire_pages_take_any_input(
    app: Flask, participant: FlaskClient, number: int, data: dict[str, str]
) -> None:
    response = participant.post(f"/svar/sida/{number}", data=data)
    assert response.status_code < 500
    assert _valid_as_stored(app) == []


@pytest.fixture
def staff_forms(app: Flask) -> tuple[FlaskClient, list[tuple[str, list[str]]]]:
    """An admin of a förbund with an insats and a participant, and every staff form it can
    post to: (path, field names from the page's form)."""
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(owner, "Gröna vägen")
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        other = factories.user(owner, RoleKind.STAFF, [insats])
        participation = factories.participation(insats, "GV-1")
        db.session.commit()
        ids = {"insats": insats.id, "participation": participation.id, "user": other.id}
    client = app.test_client()
    login(client, ADMIN, factories.PASSWORD)
    paths = [
        f"/insatser/{ids['insats']}/deltagare/ny",
        "/admin/insatser/ny",
        f"/admin/insatser/{ids['insats']}",
        "/admin/personal/ny",
        "/admin/forbund",
        "/rapporter/intern",
        f"/admin/deltagande/{ids['participation']}/radera",
        f"/deltagande/{ids['participation']}/avsluta",
        f"/admin/personal/{ids['user']}/losenord",
        "/konto/losenord",
        f"/admin/personal/{ids['user']}",
        f"/deltagande/{ids['participation']}/ratta",
    ]
    forms = []
    for path in paths:
        page = client.get(path).get_data(as_text=True)
        names = sorted(set(re.findall(r'name="([^"]+)"', page)) - {"csrf_token"})
        assert names, path
        forms.append((path, names))
    return client, forms


@STAFF_FUZZ
@given(choice=st.integers(min_value=0, max_value=11), data=st.data())
def test_staff_forms_take_any_input(
    app: Flask, staff_forms: tuple[FlaskClient, list[tuple[str, list[str]]]], choice: int, data: Any
) -> None:
    client, forms = staff_forms
    path, names = forms[choice]
    values = data.draw(st.dictionaries(st.sampled_from(names), TEXTS, max_size=len(names)))
    response = client.post(path, data=values)
    assert response.status_code < 500, (path, values)
    with app.app_context():
        # Whatever was accepted is well-formed: every insats has a name and a valid period,
        # every account an e-mail address, every participation its participant's förbund.
        for name, start, end in db.session.execute(
            sa.select(Insats.name, Insats.start_date, Insats.end_date)
        ):
            assert name.strip() and (end is None or end >= start)
        assert all("@" in e for e in db.session.scalars(sa.select(StaffUser.email)))
        assert db.session.scalar(sa.select(sa.func.count(Participation.id))) >= 0
