"""Security headers on every kind of response: staff, participant, error, static."""

from __future__ import annotations

import pytest
from flask import Flask

from survey_app.headers import CONTENT_SECURITY_POLICY
from tests.survey_helpers import Setup, create_link, make_setup, staff_client


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


def test_the_policy_allows_nothing_inline_and_no_framing() -> None:
    directives = _directives(CONTENT_SECURITY_POLICY)
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_every_kind_of_response_carries_the_headers(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    path = create_link(staff, setup)
    participant = app.test_client()
    responses = {
        "login page": app.test_client().get("/login"),
        "staff page": staff.get("/"),
        "personal link": participant.get(path),
        "questionnaire page": participant.get("/svar"),
        "unknown link": app.test_client().get("/l/" + "A" * 32),
        "not found": staff.get("/finns-inte"),
        "static file": app.test_client().get("/static/style.css"),
    }
    for what, response in responses.items():
        response.close()
        assert response.status_code in (200, 404), what
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, what
        assert response.headers["X-Content-Type-Options"] == "nosniff", what
        assert response.headers["Referrer-Policy"] == "no-referrer", what
        assert response.headers["X-Frame-Options"] == "DENY", what
        assert "Strict-Transport-Security" not in response.headers, what  # plain http


def test_hsts_only_over_https(app: Flask) -> None:
    secure = app.test_client().get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    plain = app.test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers
