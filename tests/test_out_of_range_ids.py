"""Ids too large for any id column answer 404 on every route, not a database error."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import AuditEvent, RoleKind
from tests import factories
from tests.conftest import login

ADMIN = "chef@example.org"
# 2**31 is one past PostgreSQL's integer; the other is past SQLite's 64-bit integer too.
TOO_LARGE = ["2147483648", "99999999999999999999"]


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        owner = factories.forbund()
        factories.participation(factories.insats(owner))
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        db.session.commit()
    login(client, ADMIN, factories.PASSWORD)
    return client


def _paths(app: Flask, number: str) -> list[tuple[str, str]]:
    """(method, path) of every route with a number in it, the numbers set to `number`."""
    found = []
    for rule in app.url_map.iter_rules():
        if not any(type(c).__name__ == "DatabaseInteger" for c in rule._converters.values()):
            continue
        path = rule.rule
        for name, converter in rule._converters.items():
            kind = type(converter).__name__
            value = (
                number if kind == "DatabaseInteger" else "exit" if kind == "AnyConverter" else "x"
            )
            path = re.sub(rf"<[^<>]*\b{name}>", value, path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


@pytest.mark.parametrize("number", TOO_LARGE)
def test_every_route_answers_404_for_a_too_large_id(
    app: Flask, admin: FlaskClient, number: str
) -> None:
    paths = _paths(app, number)
    assert len(paths) >= 25  # the staff, admin, report and survey routes with ids
    answers = {
        (method, path): admin.open(path, method=method).status_code for method, path in paths
    }
    assert {key: code for key, code in answers.items() if code != 404} == {}


def test_the_largest_id_is_still_an_id(app: Flask, admin: FlaskClient) -> None:
    # 2**31 - 1 reaches the views, which find nothing: 404 from them, not from routing.
    assert admin.get("/deltagande/2147483647").status_code == 404
    assert admin.get("/admin/insatser/2147483647").status_code == 404


def test_an_audit_page_past_the_last_shows_the_last(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    assert events and events < 50  # everything fits on page 1, the last page

    def table(page: str) -> str:
        response = admin.get(f"/admin/logg?sida={page}")
        assert response.status_code == 200
        # The events' table (the rest of the page holds a time-stamped CSRF token).
        found = re.search(r"<table.*</table>", response.get_data(as_text=True), re.DOTALL)
        assert found is not None
        return found.group(0)

    first = table("1")
    assert f"<caption>{events} händelser</caption>" in first
    assert table("2") == first
    assert table("99999999999999999999") == first
