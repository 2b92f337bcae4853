"""Role and tenant separation: each role against each object it must not reach.

Förbund A has insatser A1 and A2; förbund B has B1. A's staff work in A1 only.
Everything outside a user's reach answers 404, whatever the menus show.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import Participation, RoleKind
from tests import factories
from tests.conftest import login


@dataclass(frozen=True)
class World:
    a1: int
    a2: int
    b1: int
    b_admin: int
    b_participation_code: str


EMAILS = {
    "admin": "admin-a@example.org",
    "analyst": "analyst-a@example.org",
    "staff": "staff-a1@example.org",
}


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        a, b = factories.forbund("A"), factories.forbund("B")
        a1, a2, b1 = factories.insats(a, "A1"), factories.insats(a, "A2"), factories.insats(b, "B1")
        factories.user(a, RoleKind.ADMIN, email=EMAILS["admin"])
        factories.user(a, RoleKind.ANALYST, email=EMAILS["analyst"])
        factories.user(a, RoleKind.STAFF, [a1], email=EMAILS["staff"])
        b_admin = factories.user(b, RoleKind.ADMIN, email="admin-b@example.org")
        factories.participation(a1, "A1-PERSON")
        factories.participation(a2, "A2-PERSON")
        factories.participation(b1, "B1-PERSON")
        db.session.commit()
        return World(a1.id, a2.id, b1.id, b_admin.id, "B1-PERSON")


def _as(client: FlaskClient, role: str) -> FlaskClient:
    login(client, EMAILS[role], factories.PASSWORD)
    return client


def _participations(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Participation)) or 0


NEW_PARTICIPANT = {"code": "NEW-1", "gender": "man", "remittent": "fk", "start_date": "2025-06-01"}


@pytest.mark.parametrize("role", ["admin", "analyst", "staff"])
def test_no_role_reaches_another_forbunds_insats(
    app: Flask, client: FlaskClient, world: World, role: str
) -> None:
    _as(client, role)
    before = _participations(app)
    assert client.get(f"/insatser/{world.b1}").status_code == 404
    assert client.get(f"/insatser/{world.b1}/deltagare/ny").status_code == 404
    assert (
        client.post(f"/insatser/{world.b1}/deltagare/ny", data=NEW_PARTICIPANT).status_code == 404
    )
    assert client.get(f"/admin/insatser/{world.b1}").status_code == 404
    assert client.post(f"/admin/insatser/{world.b1}", data={"name": "X"}).status_code == 404
    assert _participations(app) == before
    home = client.get("/").get_data(as_text=True)
    assert ">B1<" not in home
    assert world.b_participation_code not in home


@pytest.mark.parametrize("role", ["admin", "analyst", "staff"])
def test_no_role_reaches_another_forbunds_staff_accounts(
    client: FlaskClient, world: World, role: str
) -> None:
    _as(client, role)
    assert client.post(f"/admin/personal/{world.b_admin}/inaktivera").status_code == 404
    assert "admin-b@example.org" not in client.get("/admin/personal").get_data(as_text=True)


def test_staff_do_not_reach_an_insats_of_their_own_forbund_they_do_not_work_in(
    app: Flask, client: FlaskClient, world: World
) -> None:
    _as(client, "staff")
    assert client.get(f"/insatser/{world.a2}").status_code == 404
    assert (
        client.post(f"/insatser/{world.a2}/deltagare/ny", data=NEW_PARTICIPANT).status_code == 404
    )
    page = client.get(f"/insatser/{world.a1}")
    assert page.status_code == 200
    assert "A1-PERSON" in page.get_data(as_text=True)
    assert ">A2<" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["analyst", "staff"])
def test_only_admins_reach_the_admin_pages(client: FlaskClient, world: World, role: str) -> None:
    _as(client, role)
    for path in ("/admin/insatser", "/admin/insatser/ny", "/admin/personal", "/admin/personal/ny"):
        assert client.get(path).status_code == 404, path


def test_analyst_sees_aggregates_but_no_participant(client: FlaskClient, world: World) -> None:
    _as(client, "analyst")
    assert client.get(f"/insatser/{world.a1}").status_code == 404
    assert client.get(f"/insatser/{world.a1}/deltagare/ny").status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert ">A1<" in home and ">A2<" in home
    assert "A1-PERSON" not in home
    assert f'href="/insatser/{world.a1}"' not in home


def test_admin_reaches_every_insats_of_the_own_forbund(client: FlaskClient, world: World) -> None:
    _as(client, "admin")
    assert "A1-PERSON" in client.get(f"/insatser/{world.a1}").get_data(as_text=True)
    assert "A2-PERSON" in client.get(f"/insatser/{world.a2}").get_data(as_text=True)


def test_denied_access_is_logged_without_personal_data(
    client: FlaskClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    _as(client, "staff")
    with caplog.at_level("WARNING"):
        client.get(f"/insatser/{world.b1}")
    messages = [r.getMessage() for r in caplog.records if "access denied" in r.getMessage()]
    assert messages and f"insats:{world.b1}" in messages[0]
    assert EMAILS["staff"] not in messages[0]
