"""The report page for förbund admins and analysts."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Forbund,
    Insats,
    Participation,
    ParticipationStatus,
    ReportRelease,
    RoleKind,
)
from tests import factories
from tests.conftest import login


@pytest.fixture
def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        owner, other = factories.forbund("Skaraborg"), factories.forbund("Annat")
        mine = factories.insats(owner, "Hälsoskolan")
        foreign = factories.insats(other, "Främmande")
        factories.user(owner, RoleKind.ANALYST, email="analys@example.org")
        factories.user(owner, RoleKind.STAFF, [mine], email="coach@example.org")
        for n in range(6):
            factories.participation(mine, f"HS-{n}")
        factories.participation(foreign, "FR-1")
        db.session.commit()
        return {"mine": mine.id, "foreign": foreign.id}


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email, factories.PASSWORD)
    return client


def _exit(participation_id: int, on: date) -> None:
    participation = db.session.get(Participation, participation_id)
    assert participation is not None
    participation.exit_date = on
    participation.status = ParticipationStatus.EXITED


@pytest.fixture
def ended_2025(app: Flask, ids: dict[str, int]) -> dict[str, int]:
    """Hälsoskolan's six women all ended in 2025; one more ended on 1 January 2026."""
    with app.app_context():
        mine = db.session.get(Insats, ids["mine"])
        assert mine is not None
        for participation in mine.participations:
            _exit(participation.id, date(2025, 12, 31))
        late = factories.participation(mine, "HS-late")
        _exit(late.id, date(2026, 1, 1))
        factories.user(mine.forbund, RoleKind.ADMIN, email="chef@example.org")
        db.session.commit()
        return {**ids, "late": late.id}


def _publish(app: Flask, year: int) -> FlaskClient:
    admin = _client(app, "chef@example.org")
    page = admin.get("/rapporter").get_data(as_text=True)
    assert "Publicera årsrapporten" in page
    response = admin.post("/rapporter/publicera", data={"year": str(year)})
    assert response.status_code == 302
    return admin


def _release_id(app: Flask, year: int) -> int:
    with app.app_context():
        return db.session.scalars(
            sa.select(ReportRelease.id).where(ReportRelease.year == year)
        ).one()


def test_an_admin_publishes_a_year_and_an_analyst_downloads_it(
    app: Flask, ended_2025: dict[str, int]
) -> None:
    _publish(app, 2025)
    analyst = _client(app, "analys@example.org")
    page = analyst.get("/rapporter").get_data(as_text=True)
    assert "Årsrapport 2025" in page
    assert "Publicera årsrapporten" not in page and "/rapporter/intern" not in page
    response = analyst.get(f"/rapporter/publicerade/{_release_id(app, 2025)}")
    assert response.headers["Content-Disposition"] == "attachment; filename=arsrapport-2025.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    overview = list(book["Översikt"].iter_rows(min_row=6, max_row=7, values_only=True))
    # The six who ended in 2025: per insats over all genders, per gender over all insatser.
    assert overview[0] == ("Hälsoskolan", None, None, None, None, 6)
    assert overview[1] == ("Totalt", 6, 0, 0, 0, 6)
    about = {r[0]: r[1] for r in book["Om rapporten"].iter_rows(min_row=4, values_only=True)}
    assert "2025-01-01 – 2025-12-31" in about["Period"]
    assert "Publicerad rapport" in about["Jämförelser mellan rapporter"]
    assert about["Urval"].startswith("Avslutade under perioden")
    # Only the flow's events: nothing that a year shares with the next (those active across
    # the boundary) is published.
    cells = [str(v) for row in book["Översikt"].values for v in row if v is not None]
    assert "Nya under perioden" in cells and "Avslutade under perioden" in cells
    assert not {"Aktiva under perioden", "Inskrivna vid periodens början"} & set(cells)
    assert "Pågående vid periodens slut" not in cells
    assert book["Översikt"]["A2"].value.startswith("Urval: avslutade under perioden 2025-01-01")
    assert "INTERNT" not in str(list(book["Översikt"].values))
    assert "Främmande" not in str(list(book["Översikt"].values))
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
        assert {"report_published", "report_downloaded"} <= actions


def test_differencing_gets_an_analyst_nothing(app: Flask, ended_2025: dict[str, int]) -> None:
    """The attacks of the issue, replayed as an analyst: periods one day apart, an insats
    added, a gender filter. An analyst can only download whole published years: no period,
    insats or gender can be chosen, and a published year never changes."""
    _publish(app, 2025)
    analyst = _client(app, "analys@example.org")
    first = analyst.get(f"/rapporter/publicerade/{_release_id(app, 2025)}").data
    # Periods one day apart, an insats chosen, a gender: none of it is offered or accepted.
    adhoc = {"date_from": "2025-01-01", "date_to": "2025-12-30", "cohort": "avslutade"}
    assert analyst.post("/rapporter/intern", data=adhoc).status_code == 404
    chosen = {**adhoc, "insatser": [str(ended_2025["mine"])], "gender": "man"}
    assert analyst.post("/rapporter/intern", data=chosen).status_code == 404
    assert analyst.post("/rapporter", data=adhoc).status_code == 405
    assert analyst.get("/rapporter/publicerade/2025?date_to=2025-12-30").status_code == 404
    # The data changes after publishing (one more ended in 2025): the year stays as it was.
    with app.app_context():
        mine = db.session.get(Insats, ended_2025["mine"])
        assert mine is not None
        _exit(factories.participation(mine, "HS-more").id, date(2025, 6, 1))
        db.session.commit()
    again = analyst.get(f"/rapporter/publicerade/{_release_id(app, 2025)}").data
    assert again == first
    # A second version of 2025 cannot be published.
    admin = _client(app, "chef@example.org")
    admin.post("/rapporter/publicera", data={"year": "2025"})
    with app.app_context():
        assert db.session.query(ReportRelease).count() == 1
    # The year after holds only its own: the one who ended on 1 January 2026 is in no 2025
    # report (2026 has not ended, so it cannot be published yet).
    page = admin.get("/rapporter").get_data(as_text=True)
    assert 'value="2026"' not in page


def test_the_analyst_start_page_shows_no_small_count(app: Flask, ids: dict[str, int]) -> None:
    with app.app_context():
        other = factories.insats(db.session.get(Insats, ids["mine"]).forbund, "Liten")
        for n in range(3):
            factories.participation(other, f"L-{n}")
        db.session.commit()
    analyst = _client(app, "analys@example.org")
    page = analyst.get("/").get_data(as_text=True)
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [c.strip() for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
        )
        if cells
    }
    assert rows["Liten"] == ["&lt;5", "0"]
    assert rows["Hälsoskolan"] == ["6", "0"]


def test_an_admin_makes_an_internal_report_marked_as_such(app: Flask, ids: dict[str, int]) -> None:
    with app.app_context():
        mine = db.session.get(Insats, ids["mine"])
        assert mine is not None
        factories.user(mine.forbund, RoleKind.ADMIN, email="chef@example.org")
        db.session.commit()
    admin = _client(app, "chef@example.org")
    form = admin.get("/rapporter/intern").get_data(as_text=True)
    for label in (
        "aktiva under perioden",
        "nya under perioden",
        "avslutade under perioden",
        "inskrivna vid periodens början",
    ):
        assert label in form  # every cohort is offered
    response = admin.post("/rapporter/intern", data={"cohort": "nya"})
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=intern-uppfoljning-"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    for sheet in book.worksheets:
        assert "INTERNT" in str(sheet["G1"].value)
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert event.details["cohort"] == "nya" and event.details["via"] == "web"


def test_another_forbunds_insats_cannot_be_chosen(app: Flask, ids: dict[str, int]) -> None:
    with app.app_context():
        mine = db.session.get(Insats, ids["mine"])
        assert mine is not None
        factories.user(mine.forbund, RoleKind.ADMIN, email="chef@example.org")
        db.session.commit()
    admin = _client(app, "chef@example.org")
    response = admin.post(
        "/rapporter/intern", data={"insatser": [str(ids["foreign"])], "cohort": "avslutade"}
    )
    assert response.status_code == 200
    assert "är inte ett giltigt val" in response.get_data(as_text=True)
    response = admin.post(
        "/rapporter/intern",
        data={"date_from": "2026-06-01", "date_to": "2026-01-01", "cohort": "avslutade"},
    )
    assert "Slutdatumet kan inte ligga före startdatumet." in response.get_data(as_text=True)


def test_insats_staff_do_not_get_reports(app: Flask, ids: dict[str, int]) -> None:
    coach = _client(app, "coach@example.org")
    assert coach.get("/rapporter").status_code == 404
    assert coach.post("/rapporter/intern", data={"cohort": "avslutade"}).status_code == 404
    with app.app_context():
        assert db.session.query(Insats).count() == 2


def _admin_with_answers(app: Flask) -> FlaskClient:
    from tests.survey_helpers import PAGES, answer_all, create_link, make_setup, staff_client

    setup = make_setup(app)
    with app.app_context():
        from survey_app.models import Participation

        participation = db.session.get(Participation, setup.participation_id)
        assert participation is not None
        insats = db.session.get(Insats, participation.insats_id)
        assert insats is not None
        insats.bundles = {"start": ["sjalvskattning", "eq5d-3l", "valdsenkat"]}
        factories.user(insats.forbund, RoleKind.ADMIN, email="chef@example.org")
        db.session.commit()
    phone = app.test_client()
    phone.get(create_link(staff_client(app), setup))
    answer_all(phone)
    phone.post(
        f"/svar/sida/{len(PAGES) + 1}",
        data={
            "item_psychological": "ja",
            "item_threats": "nej",
            "item_physical": "nej",
            "item_sexual": "nej",
        },
    )
    phone.post(
        f"/svar/sida/{len(PAGES) + 2}",
        data={"item_control": "nej", "item_afraid": "nej", "item_children_exposed": "nej"},
    )
    assert phone.post("/svar/skicka").headers["Location"] == "/svar/tack"
    return _client(app, "chef@example.org")


def test_admin_exports_participant_level_without_violence_answers_by_default(app: Flask) -> None:
    admin = _admin_with_answers(app)
    response = admin.post("/rapporter/deltagarniva", data={})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Deltagare"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["Deltagarkod"] == "A-1" and row["Kön"] == "Kvinna"
    assert row["start: sjalvskattning.general_health"] == 5
    assert row["start: eq5d-3l.AD"] == 3
    assert not any("valdsenkat" in str(h) for h in header)
    with_violence = admin.post("/rapporter/deltagarniva", data={"include_sensitive": "y"})
    header = next(
        openpyxl.load_workbook(io.BytesIO(with_violence.data))["Deltagare"].iter_rows(
            values_only=True
        )
    )
    assert "start: valdsenkat.psychological" in header
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "participant_level_export")
        ).all()
        assert [e.details["violence_answers_included"] for e in events] == [False, True]


def test_analysts_get_no_participant_level_export(app: Flask, ids: dict[str, int]) -> None:
    analyst = _client(app, "analys@example.org")
    assert analyst.get("/rapporter/deltagarniva").status_code == 404
    assert analyst.post("/rapporter/deltagarniva", data={}).status_code == 404


def _page_tables(page: str) -> dict[str, list[list[str]]]:
    """Each table of a page by its caption: its rows' cell texts (header row first)."""
    out = {}
    for caption, body in re.findall(r"<caption>(.*?)</caption>(.*?)</table>", page, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
        out[caption] = [
            [c.strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)]
            for r in rows
        ]
    return out


def _sheet_text(value: object) -> str:
    """A workbook cell as the page should show it (counts and markers as they are)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("<", "&lt;")


def test_an_analyst_reads_a_published_summary_as_a_printable_page(
    app: Flask, ended_2025: dict[str, int]
) -> None:
    _publish(app, 2025)
    release_id = _release_id(app, 2025)
    analyst = _client(app, "analys@example.org")
    listing = analyst.get("/rapporter").get_data(as_text=True)
    assert f"/rapporter/publicerade/{release_id}/sammanfattning" in listing
    response = analyst.get(f"/rapporter/publicerade/{release_id}/sammanfattning")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sammanfattning – Skaraborg" in page
    assert "<script" not in page  # prints from the browser as it is
    tables = _page_tables(page)
    # By hand: Hälsoskolan's six women all ended in 2025 (the cohort of a release); with the
    # seventh, who ended in 2026, all seven started in 2025 (factories' start, 1 March 2025).
    # A release's flow: nya and avslutade under the year.
    assert tables["Deltagare per insats (alla kön)"][0] == [
        "Insats",
        "Deltagare i urvalet",
        "Nya under perioden",
        "Avslutade under perioden",
    ]
    assert tables["Deltagare per insats (alla kön)"][1:] == [
        ["Hälsoskolan", "6", "7", "6"],
        ["Totalt", "6", "7", "6"],
    ]
    assert ["Kvinna", "6", "7", "6"] in tables["Deltagare per kön (alla insatser)"]
    # No figure differs from the stored workbook's summary sheet.
    stored = analyst.get(f"/rapporter/publicerade/{release_id}").data
    sheet = openpyxl.load_workbook(io.BytesIO(stored))["Sammanfattning"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    for caption, table in tables.items():
        start = next(i for i, r in enumerate(rows) if r[0] == caption)
        for offset, cells in enumerate(table, start=1):
            expected = [_sheet_text(v) for v in rows[start + offset][: len(cells)]]
            assert cells == expected, caption
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "report_summary_viewed")
        ).all()
        assert [e.object_id for e in events] == [release_id]


def test_another_forbunds_reader_gets_no_summary(app: Flask, ended_2025: dict[str, int]) -> None:
    _publish(app, 2025)
    release_id = _release_id(app, 2025)
    with app.app_context():
        other = db.session.scalars(sa.select(Forbund).where(Forbund.name == "Annat")).one()
        factories.user(other, RoleKind.ANALYST, email="annan@example.org")
        db.session.commit()
    stranger = _client(app, "annan@example.org")
    assert stranger.get(f"/rapporter/publicerade/{release_id}/sammanfattning").status_code == 404
    coach = _client(app, "coach@example.org")
    assert coach.get(f"/rapporter/publicerade/{release_id}/sammanfattning").status_code == 404
