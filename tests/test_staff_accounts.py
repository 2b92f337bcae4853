"""A förbund admin edits, deactivates and reactivates the staff accounts of the own förbund."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import AuditEvent, RoleKind, StaffSession, StaffUser
from tests import factories
from tests.conftest import login

ADMIN = "chef@example.org"
COACH = "coach@example.org"


@dataclass
class World:
    admin: FlaskClient
    admin_id: int
    coach_id: int
    green: int
    school: int
    foreign_user: int
    foreign_insats: int


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> World:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        green = factories.insats(owner, "Gröna vägen")
        school = factories.insats(owner, "Hälsoskolan")
        admin = factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        coach = factories.user(owner, RoleKind.STAFF, [green], email=COACH)
        other = factories.forbund("Annat")
        foreign_insats = factories.insats(other, "Främmande insats")
        foreign_user = factories.user(other, RoleKind.STAFF, [foreign_insats], email="x@annat.se")
        db.session.commit()
        ids = (admin.id, coach.id, green.id, school.id, foreign_user.id, foreign_insats.id)
    login(client, ADMIN, factories.PASSWORD)
    return World(client, *ids)


def _coach_client(app: Flask) -> FlaskClient:
    coach = app.test_client()
    login(coach, COACH, factories.PASSWORD)
    return coach


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_the_new_account_form_starts_at_the_least_powerful_role(world: World) -> None:
    page = world.admin.get("/admin/personal/ny").get_data(as_text=True)
    assert '<option selected value="staff">Personal</option>' in page
    assert page.index('value="staff"') < page.index('value="analyst"') < page.index('"admin"')


def test_a_new_account_can_be_given_a_name(app: Flask, world: World) -> None:
    world.admin.post(
        "/admin/personal/ny",
        data={
            "name": " Sara Lind ",
            "email": "sara@example.org",
            "password": "a long enough password",
            "role": "staff",
            "insatser": [str(world.school)],
        },
    )
    assert "Sara Lind" in world.admin.get("/admin/personal").get_data(as_text=True)


def test_an_added_insats_opens_for_the_coach_at_the_next_click(app: Flask, world: World) -> None:
    coach = _coach_client(app)
    assert coach.get(f"/insatser/{world.school}").status_code == 404

    page = world.admin.get(f"/admin/personal/{world.coach_id}").get_data(as_text=True)
    assert "Ändra konto: coach@example.org" in page
    response = world.admin.post(
        f"/admin/personal/{world.coach_id}",
        data={
            "name": "Karin Ek",
            "role": "staff",
            "insatser": [str(world.green), str(world.school)],
        },
    )
    assert response.status_code == 302

    assert coach.get(f"/insatser/{world.school}").status_code == 200
    listing = world.admin.get("/admin/personal").get_data(as_text=True)
    assert "Karin Ek" in listing and "Personal (Hälsoskolan)" in listing
    [event] = _events(app, "staff_account_updated")
    assert event.object_id == world.coach_id
    assert event.actor_id == world.admin_id
    assert event.details["fields"] == ["name", "insatser"]
    assert event.details["insats_ids_after"] == sorted([world.green, world.school])
    assert "Karin" not in str(event.details)  # names stay out of the log


def test_a_removed_insats_closes_at_once(app: Flask, world: World) -> None:
    coach = _coach_client(app)
    assert coach.get(f"/insatser/{world.green}").status_code == 200
    world.admin.post(
        f"/admin/personal/{world.coach_id}",
        data={"name": "", "role": "staff", "insatser": [str(world.school)]},
    )
    assert coach.get(f"/insatser/{world.green}").status_code == 404
    assert coach.get(f"/insatser/{world.school}").status_code == 200


def test_an_unchanged_form_changes_and_logs_nothing(app: Flask, world: World) -> None:
    response = world.admin.post(
        f"/admin/personal/{world.coach_id}",
        data={"name": "", "role": "staff", "insatser": [str(world.green)]},
        follow_redirects=True,
    )
    assert "Inget ändrades." in response.get_data(as_text=True)
    assert _events(app, "staff_account_updated") == []


def test_a_coach_made_analyst_loses_the_insats_roles(app: Flask, world: World) -> None:
    world.admin.post(f"/admin/personal/{world.coach_id}", data={"name": "", "role": "analyst"})
    with app.app_context():
        coach = db.session.get(StaffUser, world.coach_id)
        assert coach is not None
        assert [(r.kind, r.insats_id) for r in coach.roles] == [(RoleKind.ANALYST, None)]
    [event] = _events(app, "staff_account_updated")
    assert event.details["role_before"] == "staff" and event.details["role_after"] == "analyst"


def test_staff_needs_an_insats_of_the_own_forbund(app: Flask, world: World) -> None:
    for insatser in ([], [str(world.foreign_insats)], [str(world.green), "999999"]):
        response = world.admin.post(
            f"/admin/personal/{world.coach_id}",
            data={"name": "", "role": "staff", "insatser": insatser},
        )
        assert response.status_code == 200
    with app.app_context():
        coach = db.session.get(StaffUser, world.coach_id)
        assert coach is not None and coach.staff_insats_ids == {world.green}
    assert _events(app, "staff_account_updated") == []


def test_another_forbunds_account_is_not_found(app: Flask, world: World) -> None:
    foreign = world.foreign_user
    assert world.admin.get(f"/admin/personal/{foreign}").status_code == 404
    data = {"name": "Kapad", "role": "admin"}
    assert world.admin.post(f"/admin/personal/{foreign}", data=data).status_code == 404
    assert world.admin.post(f"/admin/personal/{foreign}/inaktivera").status_code == 404
    assert world.admin.get("/admin/personal/999999").status_code == 404
    assert "x@annat.se" not in world.admin.get("/admin/personal").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(StaffUser, foreign)
        assert user is not None and user.active and user.name == ""
        assert [r.kind for r in user.roles] == [RoleKind.STAFF]


def test_the_last_admin_cannot_step_down(app: Flask, world: World) -> None:
    response = world.admin.post(
        f"/admin/personal/{world.admin_id}",
        data={"name": "", "role": "staff", "insatser": [str(world.green)]},
    )
    assert "minst en aktiv administratör" in response.get_data(as_text=True)
    assert world.admin.get("/admin/personal").status_code == 200
    world.admin.post(f"/admin/personal/{world.admin_id}/inaktivera")
    assert world.admin.get("/admin/personal").status_code == 200


def test_an_admin_steps_down_when_another_active_admin_remains(app: Flask, world: World) -> None:
    world.admin.post(f"/admin/personal/{world.coach_id}", data={"name": "", "role": "admin"})
    world.admin.post(
        f"/admin/personal/{world.admin_id}",
        data={"name": "", "role": "staff", "insatser": [str(world.green)]},
    )
    assert world.admin.get("/admin/personal").status_code == 404
    assert world.admin.get(f"/insatser/{world.green}").status_code == 200


def test_an_inactive_admin_does_not_count_as_the_remaining_one(app: Flask, world: World) -> None:
    world.admin.post(f"/admin/personal/{world.coach_id}", data={"name": "", "role": "admin"})
    world.admin.post(f"/admin/personal/{world.coach_id}/inaktivera")
    response = world.admin.post(f"/admin/personal/{world.admin_id}", data={"role": "analyst"})
    assert "minst en aktiv administratör" in response.get_data(as_text=True)
    assert world.admin.get("/admin/personal").status_code == 200


def test_deactivation_ends_every_session_at_once(app: Flask, world: World) -> None:
    coach, phone = _coach_client(app), _coach_client(app)
    assert coach.get(f"/insatser/{world.green}").status_code == 200

    response = world.admin.post(f"/admin/personal/{world.coach_id}/inaktivera")
    assert response.status_code == 302

    for device in (coach, phone):
        response = device.get(f"/insatser/{world.green}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        count = sa.select(sa.func.count()).where(StaffSession.user_id == world.coach_id)
        assert db.session.scalar(count) == 0
    refused = app.test_client().post(
        "/login", data={"email": COACH, "password": factories.PASSWORD}
    )
    assert refused.status_code == 200
    assert [e.object_id for e in _events(app, "staff_account_deactivated")] == [world.coach_id]

    world.admin.post(f"/admin/personal/{world.coach_id}/aktivera")
    assert _coach_client(app).get(f"/insatser/{world.green}").status_code == 200
    assert [e.object_id for e in _events(app, "staff_account_activated")] == [world.coach_id]
