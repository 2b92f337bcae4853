"""With CSRF protection on, as in production: a post without the token is refused."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import Insats, RoleKind
from tests import factories


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"csrf_enabled": True}


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "the form carries a CSRF token"
    return match.group(1)


def test_login_without_token_is_refused(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        owner = factories.forbund()
        factories.user(owner, RoleKind.ADMIN, email="admin@example.org")
        db.session.commit()
    response = client.post(
        "/login", data={"email": "admin@example.org", "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert "Ladda om sidan och försök igen" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_and_registration_with_token_work(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        owner = factories.forbund()
        insats_id = factories.insats(owner).id
        factories.user(
            owner, RoleKind.STAFF, [db.session.get(Insats, insats_id)], email="staff@example.org"
        )
        db.session.commit()
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": "staff@example.org", "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302

    form_page = client.get(f"/insatser/{insats_id}/deltagare/ny").get_data(as_text=True)
    data = {
        "code": "ABC-1",
        "gender": "kvinna",
        "remittent": "af",
        "start_date": "2025-05-01",
    }
    assert client.post(f"/insatser/{insats_id}/deltagare/ny", data=data).status_code == 400
    data["csrf_token"] = _token(form_page)
    assert client.post(f"/insatser/{insats_id}/deltagare/ny", data=data).status_code == 302


def test_a_question_page_is_saved_only_with_its_token(app: Flask, client: FlaskClient) -> None:
    """The page's form leaves its token to CSRFProtect (survey.fields.PageForm): a save
    without the token or with another is refused and stores nothing; with the token the page
    carries, it is saved."""
    from survey_app.models import Answer
    from survey_app.survey.links import create_invitation
    from tests.survey_helpers import PAGES

    with app.app_context():
        owner = factories.forbund()
        insats = factories.insats(owner, "A", start=["sjalvskattning"])
        coach = factories.user(owner, RoleKind.STAFF, [insats], email="coach@example.org")
        participation = factories.participation(insats, "A-1")
        token = create_invitation(participation.occasions[0], coach)
        db.session.commit()
    assert client.get(f"/l/{token}").status_code == 200  # the welcome page
    page = client.get("/svar/sida/1").get_data(as_text=True)
    assert page.count('name="csrf_token"') == 1
    answers = PAGES[0]

    assert client.post("/svar/sida/1", data=answers).status_code == 400
    other = {**answers, "csrf_token": "a token of another kind"}
    assert client.post("/svar/sida/1", data=other).status_code == 400
    with app.app_context():
        assert db.session.query(Answer).count() == 0

    saved = client.post("/svar/sida/1", data={**answers, "csrf_token": _token(page)})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.query(Answer).count() == len(answers)
