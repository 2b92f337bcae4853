"""The audit log: append-only, and readable by a förbund admin for the own förbund only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.models import AuditEvent, RoleKind
from tests import factories
from tests.conftest import login

ADMIN = "chef@example.org"
COACH = "coach@example.org"


@pytest.fixture
def events(app: Flask) -> dict[str, int]:
    """Skaraborg: an admin and a coach, with events on two days; Annat: an event of its own."""
    with app.app_context():
        own = factories.forbund("Skaraborg")
        admin = factories.user(own, RoleKind.ADMIN, email=ADMIN)
        insats = factories.insats(own, "Gröna vägen")
        coach = factories.user(own, RoleKind.STAFF, [insats], email=COACH)
        other = factories.forbund("Annat")
        db.session.flush()
        # Setting up recorded its own events (insats and accounts created), today.
        setup = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.forbund_id == own.id)
        )
        for at, action, actor, forbund in [
            (datetime(2026, 3, 1, 9, 0, tzinfo=UTC), "link_created", coach, own),
            (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "export", admin, own),
            (datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "link_revoked", coach, own),  # 3 March here
            (datetime(2026, 3, 1, 9, 0, tzinfo=UTC), "export", None, other),
        ]:
            db.session.add(
                AuditEvent(
                    at=at,
                    action=action,
                    actor_id=actor.id if actor else None,
                    forbund_id=forbund.id,
                    object_type="forbund",
                    object_id=forbund.id,
                    details={"via": "test"},
                )
            )
        db.session.commit()
        return {"coach": coach.id, "admin": admin.id, "setup": setup or 0}


def _rows(client: FlaskClient, query: str = "") -> list[str]:
    page = client.get("/admin/logg" + query)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    return [row for row in body.split("<tr>")[2:] if "<td" in row]


def test_an_admin_reads_and_filters_the_own_forbunds_log(
    app: Flask, client: FlaskClient, events: dict[str, int]
) -> None:
    login(client, ADMIN, factories.PASSWORD)  # adds a "login" event of today
    everything = _rows(client)
    # Set-up, three seeded and the sign-in; nothing of the other förbund.
    assert len(everything) == events["setup"] + 4
    assert "Inloggning" in everything[0]  # newest first
    by_action = _rows(client, "?action=export")
    assert len(by_action) == 1 and "Rapport exporterad" in by_action[0] and ADMIN in by_action[0]
    coach = _rows(client, f"?actor={events['coach']}")
    assert len(coach) == 2 and all(COACH in row for row in coach)
    # Days are Stockholm days: 23:30 UTC on 2 March is 00:30 on 3 March.
    march_first_and_second = _rows(client, "?date_from=2026-03-01&date_to=2026-03-02")
    assert len(march_first_and_second) == 2
    assert len(_rows(client, "?date_from=2026-03-03&date_to=2026-03-03")) == 1
    refused = client.get("/admin/logg?date_from=2026-03-05&date_to=2026-03-01")
    assert "Slutdatum kan inte vara före startdatum." in refused.get_data(as_text=True)


def test_only_admins_see_the_log(app: Flask, client: FlaskClient, events: dict[str, int]) -> None:
    login(client, COACH, factories.PASSWORD)
    assert client.get("/admin/logg").status_code == 404


def test_the_log_cannot_be_changed_or_deleted(app: Flask, events: dict[str, int]) -> None:
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent)).first()
        assert event is not None
        event.action = "something_else"
        with pytest.raises(DomainError):
            db.session.flush()
        db.session.rollback()
        event = db.session.scalars(sa.select(AuditEvent)).first()
        db.session.delete(event)
        with pytest.raises(DomainError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(DomainError):
            db.session.execute(sa.delete(AuditEvent))
        with pytest.raises(DomainError):
            db.session.execute(sa.update(AuditEvent).values(action="x"))
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events["setup"] + 4


def test_the_log_shows_names_instead_of_ids(app: Flask, client: FlaskClient) -> None:
    """What an event concerns, and the ids in its details, are shown by name: a participant's
    code and insats, an insats, an account, a link; what was erased is said so."""
    from survey_app.survey.links import create_invitation

    with app.app_context():
        own = factories.forbund("Skaraborg")
        admin = factories.user(own, RoleKind.ADMIN, email=ADMIN)
        admin.name = "Maja Chef"
        insats = factories.insats(own, "Gröna vägen")
        coach = factories.user(own, RoleKind.STAFF, [insats], email=COACH)
        found = factories.participation(insats, "GV-7")
        create_invitation(found.occasions[0], coach)
        db.session.add(
            AuditEvent(
                action="participation_erased",
                actor_id=admin.id,
                forbund_id=own.id,
                object_type="participation",
                object_id=found.id + 1000,
                details={"svar": 3},
            )
        )
        db.session.commit()
        insats_id, coach_id = insats.id, coach.id
    login(client, ADMIN, factories.PASSWORD)
    admin_client = client
    admin_client.post(
        f"/admin/personal/{coach_id}",
        data={"name": "Kim Coach", "role": "staff", "insatser": [str(insats_id)]},
    )
    page = admin_client.get("/admin/logg").get_data(as_text=True)
    body = page.split("<tbody>", 1)[1]
    assert "GV-7 (Gröna vägen)" in body  # registered: the participant by code and insats
    assert "länk till GV-7 (Gröna vägen), Start" in body  # the link, in its details
    assert "Kim Coach" in body  # the account changed, by its name
    assert "insats: Gröna vägen" in body
    assert "deltagare (raderad)" in body
    assert "Maja Chef (chef@example.org)" in body  # who did it
    for raw in ("participation ", "staff_user ", "insats_id", "invitation_id"):
        assert raw not in body, raw
