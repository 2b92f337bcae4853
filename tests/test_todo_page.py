"""The "Att göra" page of an insats: urgency order, filters, and only the user's own insatser."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.clock import today
from survey_app.extensions import db
from survey_app.models import (
    Insats,
    Occasion,
    OccasionKind,
    Participant,
    Participation,
    ParticipationStatus,
    RoleKind,
)
from tests import factories
from tests.conftest import login

STAFF = "coach@example.org"


@pytest.fixture
def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        owner = factories.forbund()
        mine = factories.insats(owner, "Gröna vägen")
        factories.user(owner, RoleKind.STAFF, [mine], email=STAFF)
        # Started 60 days ago and left 30 days ago: START and EXIT both overdue.
        left = factories.participation(mine, "gv-left", start=today() - timedelta(days=60))
        left.exit_date = today() - timedelta(days=30)
        left.status = ParticipationStatus.EXITED
        # Starts today: START due now.
        factories.participation(mine, "gv-new", start=today())
        other = factories.insats(factories.forbund(), "Annat förbund")
        factories.participation(other, "xx-other", start=today() - timedelta(days=60))
        db.session.commit()
        return {"mine": mine.id, "other": other.id}


@pytest.fixture
def coach(client: FlaskClient, ids: dict[str, int]) -> FlaskClient:
    login(client, STAFF, factories.PASSWORD)
    return client


def _rows(html: str) -> list[str]:
    """The code and label of each table row, in page order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in body.split("<tr")[1:]:
        code = row.split("</a>", 1)[0].rsplit(">", 1)[1]
        label = row.split("<td>", 1)[1].split("<", 1)[0].strip()
        rows.append(f"{code} {label}")
    return rows


def test_overdue_exit_is_listed_first_and_nothing_else_of_who_left(
    coach: FlaskClient, ids: dict[str, int]
) -> None:
    page = coach.get("/att-gora")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # gv-left never answered START, but has left: only the EXIT is asked of them now.
    assert _rows(html) == ["gv-left Avslut", "gv-new Start"]
    assert "Försenad" in html
    assert "xx-other" not in html
    # The insats' older address leads to the same list, narrowed to the insats.
    old = coach.get(f"/insatser/{ids['mine']}/att-gora", query_string={"visa": "alla"})
    assert old.status_code == 302
    assert old.headers["Location"] == f"/att-gora?insats={ids['mine']}&visa=alla"


def test_filters_narrow_the_list(coach: FlaskClient, ids: dict[str, int]) -> None:
    url = "/att-gora"
    overdue = coach.get(url, query_string={"visa": "forsenade"}).get_data(as_text=True)
    assert _rows(overdue) == ["gv-left Avslut"]
    starts = coach.get(url, query_string={"visa": "att-gora", "tillfalle": "start"})
    assert _rows(starts.get_data(as_text=True)) == ["gv-new Start"]
    # A hand-edited value falls back to the default list instead of failing.
    for odd_value in ({"visa": "<script>"}, {"insats": str(ids["other"])}, {"insats": "x"}):
        odd = coach.get(url, query_string=odd_value)
        assert odd.status_code == 200
        assert _rows(odd.get_data(as_text=True)) == ["gv-left Avslut", "gv-new Start"]


def test_another_forbunds_insats_is_not_found(coach: FlaskClient, ids: dict[str, int]) -> None:
    assert coach.get(f"/insatser/{ids['other']}/att-gora").status_code == 404


def test_one_list_for_every_insats_one_works_with(app: Flask, ids: dict[str, int]) -> None:
    """A coach of two insatser sees both in one list, each row naming its insats, and narrows
    it to one; an analyst, who never sees single participants, has no list."""
    with app.app_context():
        mine = db.session.get(Insats, ids["mine"])
        assert mine is not None
        second = factories.insats(mine.forbund, "Hälsoskolan")
        factories.participation(second, "hs-new", start=today())
        gone = factories.participation(second, "hs-gone", start=today() - timedelta(days=90))
        gone.exit_date = today() - timedelta(days=3)
        gone.status = ParticipationStatus.EXITED
        factories.user(mine.forbund, RoleKind.STAFF, [mine, second], email="both@example.org")
        factories.user(mine.forbund, RoleKind.ANALYST, email="analyst@example.org")
        db.session.commit()
        second_id = second.id
    both = app.test_client()
    login(both, "both@example.org", factories.PASSWORD)
    home = both.get("/").get_data(as_text=True)
    assert 'href="/att-gora"' in home  # in the main menu
    html = both.get("/att-gora").get_data(as_text=True)
    assert _rows(html) == ["gv-left Avslut", "hs-gone Avslut", "gv-new Start", "hs-new Start"]
    assert "Hälsoskolan" in html and "Gröna vägen" in html
    narrowed = both.get("/att-gora", query_string={"insats": str(second_id)})
    assert _rows(narrowed.get_data(as_text=True)) == ["hs-gone Avslut", "hs-new Start"]
    analyst = app.test_client()
    login(analyst, "analyst@example.org", factories.PASSWORD)
    assert analyst.get("/att-gora").status_code == 404
    assert 'href="/att-gora"' not in analyst.get("/").get_data(as_text=True)


def _exit_occasions(app: Flask) -> list[tuple[int, object]]:
    with app.app_context():
        return [
            (o.number, o.due_date)
            for o in db.session.scalars(
                sa.select(Occasion).where(Occasion.kind == OccasionKind.EXIT)
            )
        ]


def test_a_derived_exit_can_be_created_once(
    app: Flask, coach: FlaskClient, ids: dict[str, int]
) -> None:
    page = coach.get("/att-gora").get_data(as_text=True)
    assert "Skapa tillfället" in page
    with app.app_context():
        left_id = db.session.scalar(
            sa.select(Participation.id).join(Participant).where(Participant.code == "gv-left")
        )
    url = f"/deltagande/{left_id}/tillfalle/nytt/exit/0"
    assert coach.post(url).status_code == 302
    assert _exit_occasions(app) == [(0, today() - timedelta(days=30))]
    page = coach.get("/att-gora").get_data(as_text=True)
    assert "Skapa tillfället" not in page
    assert _rows(page)[0] == "gv-left Avslut"  # still overdue, now a real occasion

    again = coach.post(url, follow_redirects=True).get_data(as_text=True)
    assert "Tillfället finns redan eller är inte aktuellt ännu." in again
    assert len(_exit_occasions(app)) == 1
    # No follow-up interval in this insats: nothing to create.
    coach.post(f"/deltagande/{left_id}/tillfalle/nytt/followup/1")
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(Occasion.kind == OccasionKind.FOLLOWUP)
            )
            == 0
        )
