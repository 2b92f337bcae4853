"""The violence screening: support after a "yes", a follow-up flag for staff (never the answers),
marking it handled, and the quick exit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.clock import today
from survey_app.extensions import db
from survey_app.models import AuditEvent, FollowUpFlag, RoleKind
from tests import factories
from tests.survey_helpers import COACH, OTHER_COACH, staff_client

FIRST = {"psychological": "nej", "threats": "nej", "physical": "nej", "sexual": "nej"}
SECOND = {"control": "nej", "afraid": "nej", "children_exposed": "nej"}


def _form(answers: dict[str, str]) -> dict[str, str]:
    return {f"item_{k}": v for k, v in answers.items()}


@dataclass(frozen=True)
class World:
    participation_id: int
    occasion_id: int


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        owner = factories.forbund()
        owner.support_contacts = "Kvinnojouren Skövde 0500-123 45"
        mine = factories.insats(owner, "A", start=["valdsenkat"])
        other = factories.insats(owner, "B", start=["valdsenkat"])
        factories.user(owner, RoleKind.STAFF, [mine], email=COACH)
        factories.user(owner, RoleKind.STAFF, [other], email=OTHER_COACH)
        participation = factories.participation(mine, "A-1")
        db.session.commit()
        return World(participation.id, participation.occasions[0].id)


@pytest.fixture
def participant(app: Flask, world: World) -> FlaskClient:
    client = staff_client(app)
    client.post(
        f"/deltagande/{world.participation_id}/tillfalle/{world.occasion_id}/mata-in/deltagare"
    )
    return client


def _flags(app: Flask) -> list[tuple[str, object]]:
    with app.app_context():
        return [(f.reason, f.handled_on) for f in db.session.scalars(sa.select(FollowUpFlag))]


def test_a_yes_shows_support_and_raises_a_flag(app: Flask, participant: FlaskClient) -> None:
    response = participant.post("/svar/sida/1", data=_form({**FIRST, "physical": "ja"}))
    assert response.headers["Location"] == "/svar/stod/1"
    support = participant.get("/svar/stod/1").get_data(as_text=True)
    for line in (
        "020-50 50 50",
        "020-555 666",
        "116 006",
        "112",
    ):
        assert line in support
    # Every support number can be tapped to call, the förbund's own contacts too.
    assert 'href="tel:020505050"' in support and 'href="tel:112"' in support
    assert 'Kvinnojouren Skövde <a href="tel:050012345" dir="ltr">0500-123 45</a>' in support
    assert 'href="/svar/sida/2"' in support
    assert _flags(app) == [("Uppföljning av våldsfrågor behövs", None)]
    # Saving the page again does not raise a second flag.
    participant.post("/svar/sida/1", data=_form({**FIRST, "physical": "ja"}))
    assert len(_flags(app)) == 1


@pytest.mark.parametrize(
    "answers", [FIRST, {**FIRST, "sexual": "vill_inte_svara", "threats": "vill_inte_svara"}]
)
def test_no_and_decline_raise_nothing(
    app: Flask, participant: FlaskClient, answers: dict[str, str]
) -> None:
    response = participant.post("/svar/sida/1", data=_form(answers))
    assert response.headers["Location"] == "/svar/sida/2"
    assert _flags(app) == []


def test_support_after_the_last_page_leads_to_sending(app: Flask, participant: FlaskClient) -> None:
    participant.post("/svar/sida/1", data=_form(FIRST))
    response = participant.post("/svar/sida/2", data=_form({**SECOND, "afraid": "ja"}))
    assert response.headers["Location"] == "/svar/stod/2"
    assert 'href="/svar/skicka"' in participant.get("/svar/stod/2").get_data(as_text=True)


def test_staff_see_the_flag_but_not_the_answers_and_mark_it_handled(
    app: Flask, participant: FlaskClient, world: World
) -> None:
    participant.post("/svar/sida/1", data=_form({**FIRST, "sexual": "ja"}))
    staff = staff_client(app)
    listing = staff.get("/insatser/" + str(_insats_id(app, world))).get_data(as_text=True)
    assert "Uppföljning behövs" in listing
    page = staff.get(f"/deltagande/{world.participation_id}").get_data(as_text=True)
    assert "Uppföljning av våldsfrågor behövs" in page
    for answer_text in ("sexual", "sexuella", ">ja<", "Ja</"):
        assert answer_text not in page
    with app.app_context():
        flag_id = db.session.scalars(sa.select(FollowUpFlag.id)).one()
    future = (today() + timedelta(days=1)).isoformat()
    staff.post(
        f"/deltagande/{world.participation_id}/uppfoljning/{flag_id}", data={"handled_on": future}
    )
    assert _flags(app)[0][1] is None
    handled = today().isoformat()
    response = staff.post(
        f"/deltagande/{world.participation_id}/uppfoljning/{flag_id}", data={"handled_on": handled}
    )
    assert response.status_code == 302
    with app.app_context():
        flag = db.session.get(FollowUpFlag, flag_id)
        assert flag is not None and flag.handled_on == today() and flag.handled_by_id is not None
        assert db.session.scalar(
            sa.select(AuditEvent.action).where(AuditEvent.action == "follow_up_flag_handled")
        )
    assert "Uppföljning behövs" not in staff.get(
        "/insatser/" + str(_insats_id(app, world))
    ).get_data(as_text=True)


def test_staff_of_another_insats_cannot_handle_the_flag(
    app: Flask, participant: FlaskClient, world: World
) -> None:
    participant.post("/svar/sida/1", data=_form({**FIRST, "threats": "ja"}))
    with app.app_context():
        flag_id = db.session.scalars(sa.select(FollowUpFlag.id)).one()
    other = staff_client(app, OTHER_COACH)
    response = other.post(
        f"/deltagande/{world.participation_id}/uppfoljning/{flag_id}",
        data={"handled_on": today().isoformat()},
    )
    assert response.status_code == 404
    assert _flags(app)[0][1] is None


def test_quick_exit_leaves_at_once_and_forgets_the_questionnaire(app: Flask, world: World) -> None:
    staff = staff_client(app)
    participant = app.test_client()
    page = staff.post(
        f"/deltagande/{world.participation_id}/tillfalle/{world.occasion_id}/lank"
    ).get_data(as_text=True)
    link = page.split('id="link-url" type="text" readonly value="http://localhost', 1)[1].split(
        '"'
    )[0]
    participant.get(link)
    questionnaire = participant.get("/svar/sida/1").get_data(as_text=True)
    assert "Lämna sidan snabbt" in questionnaire
    leave = participant.get("/svar/lamna")
    assert leave.status_code == 302
    assert leave.headers["Location"] == "https://www.google.se/"
    assert leave.headers["Referrer-Policy"] == "no-referrer"
    assert participant.get("/svar/sida/1").status_code == 404


def test_quick_exit_on_a_tablet_locks_it(app: Flask, world: World) -> None:
    tablet = staff_client(app)
    tablet.post(f"/deltagande/{world.participation_id}/tillfalle/{world.occasion_id}/surfplatta")
    tablet.get("/svar/lamna")
    assert tablet.get("/svar/sida/1").headers["Location"] == "/surfplatta"


def test_other_questionnaires_have_no_quick_exit(app: Flask) -> None:
    from tests.survey_helpers import create_link, make_setup

    setup = make_setup(app)
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    assert "Lämna sidan snabbt" not in participant.get("/svar/sida/1").get_data(as_text=True)


def _insats_id(app: Flask, world: World) -> int:
    from survey_app.models import Participation

    with app.app_context():
        participation = db.session.get(Participation, world.participation_id)
        assert participation is not None
        return participation.insats_id
