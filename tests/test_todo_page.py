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


def test_overdue_exit_is_listed_first(coach: FlaskClient, ids: dict[str, int]) -> None:
    page = coach.get(f"/insatser/{ids['mine']}/att-gora")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _rows(html) == ["gv-left Avslut", "gv-left Start", "gv-new Start"]
    assert "Försenad" in html
    assert "xx-other" not in html


def test_filters_narrow_the_list(coach: FlaskClient, ids: dict[str, int]) -> None:
    url = f"/insatser/{ids['mine']}/att-gora"
    overdue = coach.get(url, query_string={"visa": "forsenade"}).get_data(as_text=True)
    assert _rows(overdue) == ["gv-left Avslut", "gv-left Start"]
    starts = coach.get(url, query_string={"visa": "att-gora", "tillfalle": "start"})
    assert _rows(starts.get_data(as_text=True)) == ["gv-left Start", "gv-new Start"]
    # A hand-edited value falls back to the default list instead of failing.
    odd = coach.get(url, query_string={"visa": "<script>"})
    assert odd.status_code == 200
    assert _rows(odd.get_data(as_text=True)) == ["gv-left Avslut", "gv-left Start", "gv-new Start"]


def test_another_forbunds_insats_is_not_found(coach: FlaskClient, ids: dict[str, int]) -> None:
    assert coach.get(f"/insatser/{ids['other']}/att-gora").status_code == 404


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
    page = coach.get(f"/insatser/{ids['mine']}/att-gora").get_data(as_text=True)
    assert "Skapa tillfället" in page
    with app.app_context():
        left_id = db.session.scalar(
            sa.select(Participation.id).join(Participant).where(Participant.code == "gv-left")
        )
    url = f"/deltagande/{left_id}/tillfalle/nytt/exit/0"
    assert coach.post(url).status_code == 302
    assert _exit_occasions(app) == [(0, today() - timedelta(days=30))]
    page = coach.get(f"/insatser/{ids['mine']}/att-gora").get_data(as_text=True)
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
