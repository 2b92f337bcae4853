"""A förbund's own questionnaires: installed (CLI and admin page), used in its insatser, pages,
imports and reports, invisible to every other förbund, and responses keep their definition."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Forbund,
    OwnQuestionnaire,
    QuestionnaireSnapshot,
    Response,
    ResponseStatus,
    RoleKind,
)
from survey_app.questionnaires import own, parse_definition
from survey_app.reports import dataset as reports_dataset
from survey_app.reports.dataset import ReportFilter
from survey_app.responses.storage import definition_by_hash
from tests import factories
from tests.conftest import login
from tests.own_files import BROKEN, mala

ADMIN_F = "chef@f.example"
ADMIN_G = "chef@g.example"
COACH_F = "coach@f.example"
COACH_G = "coach@g.example"


@pytest.fixture
def two(app: Flask) -> dict[str, int]:
    """Förbund F and G, each with an admin, a coach and an insats whose START bundle asks
    "mala" (a förbund questionnaire id) and the shipped self-assessment."""
    ids = {}
    with app.app_context():
        for name, admin, coach in (("F", ADMIN_F, COACH_F), ("G", ADMIN_G, COACH_G)):
            owner = factories.forbund(name)
            insats = factories.insats(owner, f"{name}-insats", start=["mala", "sjalvskattning"])
            factories.user(owner, RoleKind.ADMIN, email=admin)
            factories.user(owner, RoleKind.STAFF, [insats], email=coach)
            participation = factories.participation(insats, f"{name}-1")
            ids[f"{name}_participation"] = participation.id
            ids[f"{name}_occasion"] = participation.occasions[0].id
            ids[name] = owner.id
        db.session.commit()
    return ids


def _install(app: Flask, tmp_path: Path, content: bytes, forbund: str, name: str) -> Result:
    path = tmp_path / name
    path.write_bytes(content)
    return app.test_cli_runner().invoke(
        args=["questionnaires", "install", str(path), "--forbund", forbund]
    )


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email, factories.PASSWORD)
    return client


def _participant(app: Flask, two: dict[str, int], name: str) -> FlaskClient:
    """A participant's browser with the personal link of förbund `name`'s participant opened."""
    coach = _client(app, COACH_F if name == "F" else COACH_G)
    page = coach.post(
        f"/deltagande/{two[name + '_participation']}/tillfalle/{two[name + '_occasion']}/lank"
    ).get_data(as_text=True)
    match = re.search(r'readonly value="https?://[^/]+(/l/[^"]+)"', page)
    assert match, "the staff page shows the new link"
    participant = app.test_client()
    participant.get(match.group(1))
    return participant


def _own_events() -> list[tuple[str, int | None]]:
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    return [(e.action, e.forbund_id) for e in events if e.action.startswith("own_questionnaire")]


MALA_PAGE = {
    "item_energi": "4",
    "item_somn": "2",
    "item_rorelse": "6",
    "item_stod": "ja",
    "item_dag": "ute",
}


def test_cli_install_makes_the_questionnaire_the_forbunds_own_and_no_other_forbunds(
    app: Flask, two: dict[str, int], tmp_path: Path
) -> None:
    result = _install(app, tmp_path, mala(), "F", "mala.yaml")
    assert result.exit_code == 0, result.output
    assert "OK   mala.yaml: mala version 1 används nu i F." in result.output
    with app.app_context():
        row = db.session.scalars(sa.select(OwnQuestionnaire)).one()
        expected_hash = parse_definition(mala(), "x").content_hash
        assert (row.forbund_id, row.questionnaire_id, row.version, row.status) == (
            two["F"],
            "mala",
            "1",
            "active",
        )
        assert row.content_hash == expected_hash and row.source == mala().decode()
        assert _own_events() == [
            ("own_questionnaire_uploaded", two["F"]),
            ("own_questionnaire_activated", two["F"]),
        ]
        assert own.questionnaires_for(two["F"]).get("mala") is not None
        assert own.questionnaires_for(two["G"]).get("mala") is None

    # Bundle choices of a new insats: F's admin is offered it, G's is not.
    assert "Måla för hälsan" in _client(app, ADMIN_F).get("/admin/insatser/ny").get_data(
        as_text=True
    )
    assert "Måla för hälsan" not in _client(app, ADMIN_G).get("/admin/insatser/ny").get_data(
        as_text=True
    )

    # The participant pages: F's participant answers it first, G's bundle has only the shipped one.
    f_participant = _participant(app, two, "F")
    first = f_participant.get("/svar/sida/1").get_data(as_text=True)
    assert "Jag har energi" in first and "Mest ute" in first
    assert f_participant.post("/svar/sida/1", data=MALA_PAGE).status_code == 302
    g_participant = _participant(app, two, "G")
    g_first = g_participant.get("/svar/sida/1").get_data(as_text=True)
    assert "Jag har energi" not in g_first and "Hur mår du i allmänhet?" in g_first
    with app.app_context():
        response = db.session.scalars(sa.select(Response)).one()
        assert (response.questionnaire_id, response.content_hash) == ("mala", expected_hash)
        assert {a.item_id: a.value for a in response.answers} == {
            "energi": 4,
            "somn": 2,
            "rorelse": 6,
            "stod": "ja",
            "dag": "ute",
        }

    # The print version: F's coach prints it, G's coach gets a 404.
    paper = _client(app, COACH_F).get("/formular/mala/utskrift")
    assert paper.status_code == 200 and "Jag sover bra" in paper.get_data(as_text=True)
    assert _client(app, COACH_G).get("/formular/mala/utskrift").status_code == 404


def test_a_broken_file_is_named_by_line_and_reason_and_nothing_is_stored(
    app: Flask, two: dict[str, int], tmp_path: Path
) -> None:
    result = _install(app, tmp_path, BROKEN, "F", "trasig.yaml")
    assert result.exit_code == 1
    # Exactly what `flask questionnaires check` says of the same file.
    check = app.test_cli_runner().invoke(
        args=["questionnaires", "check", str(tmp_path / "trasig.yaml")]
    )
    expected = "FEL  trasig.yaml, rad 12, pages[0].items[0].max: fel typ: 'sex' ska vara number"
    assert expected in result.output and expected in check.output
    assert "Ingenting har sparats" in result.output
    assert _install(app, tmp_path, mala(), "Finns inte", "mala.yaml").exit_code == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OwnQuestionnaire)) == 0
        assert _own_events() == []


def test_a_new_version_needs_a_new_number(app: Flask, two: dict[str, int], tmp_path: Path) -> None:
    assert _install(app, tmp_path, mala("1"), "F", "mala.yaml").exit_code == 0
    again = _install(app, tmp_path, mala("1", "Jag har ork"), "F", "mala.yaml")
    assert again.exit_code == 1
    assert "rad 3, version: version 1 av mala finns redan med annat innehåll" in again.output
    # The same number in another förbund is that förbund's business.
    assert _install(app, tmp_path, mala("1", "Jag har ork"), "G", "mala.yaml").exit_code == 0


def test_admin_uploads_previews_and_activates_and_the_other_forbund_cannot_see_it(
    app: Flask, two: dict[str, int]
) -> None:
    admin = _client(app, ADMIN_F)
    broken = admin.post(
        "/admin/formular", data={"file": (io.BytesIO(BROKEN), "trasig.yaml")}
    ).get_data(as_text=True)
    assert "Filen har fel och har inte sparats" in broken
    assert "Rad 12 (pages[0].items[0].max): fel typ: &#39;sex&#39; ska vara number" in broken
    sent = admin.post("/admin/formular", data={"file": (io.BytesIO(mala()), "mala.yaml")})
    assert sent.status_code == 302
    preview_path = sent.headers["Location"]
    preview = admin.get(preview_path).get_data(as_text=True)
    assert (
        "Måla för hälsan" in preview and "Jag rör på mig" in preview and "☐ Mest hemma" in preview
    )
    with app.app_context():
        row = db.session.scalars(sa.select(OwnQuestionnaire)).one()
        assert row.status == "draft" and row.filename == "mala.yaml"
        assert own.questionnaires_for(two["F"]).get("mala") is None, "a draft is not in use"
    # Another förbund's admin: neither the file nor its activation.
    other = _client(app, ADMIN_G)
    assert other.get(preview_path).status_code == 404
    assert other.post(preview_path + "/aktivera").status_code == 404
    assert "mala.yaml" not in other.get("/admin/formular").get_data(as_text=True)
    # The coach of F is not an admin.
    assert _client(app, COACH_F).get("/admin/formular").status_code == 404

    assert admin.post(preview_path + "/aktivera").status_code == 302
    assert "Används" in admin.get("/admin/formular").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(OwnQuestionnaire)).one().status == "active"
        assert own.questionnaires_for(two["F"]).get("mala") is not None
        assert own.questionnaires_for(two["G"]).get("mala") is None
        assert _own_events() == [
            ("own_questionnaire_uploaded", two["F"]),
            ("own_questionnaire_activated", two["F"]),
        ]


def test_a_forbunds_file_replaces_a_shipped_questionnaire_for_that_forbund_only(
    app: Flask, two: dict[str, int], tmp_path: Path
) -> None:
    shipped = app.extensions["questionnaires"].get("sjalvskattning")
    replaced = shipped.source.replace(f'version: "{shipped.version}"', 'version: "f-1"').replace(
        "Hur mår du i allmänhet?", "Hur mår du i dag, på det stora hela?"
    )
    assert replaced != shipped.source
    assert _install(app, tmp_path, replaced.encode(), "F", "sjalvskattning.yaml").exit_code == 0
    f_paper = _client(app, COACH_F).get("/formular/sjalvskattning/utskrift").get_data(as_text=True)
    g_paper = _client(app, COACH_G).get("/formular/sjalvskattning/utskrift").get_data(as_text=True)
    assert "Hur mår du i dag, på det stora hela?" in f_paper
    assert "Hur mår du i allmänhet?" not in f_paper
    assert "Hur mår du i allmänhet?" in g_paper
    g_page = _participant(app, two, "G").get("/svar/sida/1").get_data(as_text=True)
    assert "Hur mår du i allmänhet?" in g_page


def test_an_old_response_keeps_its_definition_after_a_new_version_is_activated(
    app: Flask, two: dict[str, int], tmp_path: Path
) -> None:
    assert _install(app, tmp_path, mala("1"), "F", "mala.yaml").exit_code == 0
    participant = _participant(app, two, "F")
    assert participant.post("/svar/sida/1", data=MALA_PAGE).status_code == 302
    assert _install(app, tmp_path, mala("2", "Jag har ork"), "F", "mala.yaml").exit_code == 0
    v1 = parse_definition(mala("1"), "x")
    with app.app_context():
        statuses = {
            row.version: row.status for row in db.session.scalars(sa.select(OwnQuestionnaire))
        }
        assert statuses == {"1": "retired", "2": "active"}
        response = db.session.scalars(sa.select(Response)).one()
        assert (response.questionnaire_version, response.content_hash) == ("1", v1.content_hash)
    # The participant half-way goes on with version 1's wording.
    assert "Jag har energi" in participant.get("/svar/sida/1").get_data(as_text=True)
    # As in another process (nothing in memory), even where no snapshot was kept (an import).
    app.extensions["own_questionnaires"].clear()
    app.extensions["questionnaires"].by_hash.pop(v1.content_hash)
    with app.app_context():
        db.session.execute(sa.delete(QuestionnaireSnapshot))
        db.session.commit()
        registry = own.questionnaires_for(two["F"])
        old = definition_by_hash(v1.content_hash, registry)
        assert old is not None and old.version == "1"
        assert old.item("energi").text.get("sv") == "Jag har energi"
        assert registry.get("mala").version == "2"
    # A new participation of F is asked version 2.
    with app.app_context():
        insats_id = db.session.get(Forbund, two["F"]).insatser[0].id
        from survey_app.models import Insats

        newcomer = factories.participation(db.session.get(Insats, insats_id), "F-2")
        db.session.commit()
        two = {**two, "F_participation": newcomer.id, "F_occasion": newcomer.occasions[0].id}
    assert "Jag har ork" in _participant(app, two, "F").get("/svar/sida/1").get_data(as_text=True)
    with app.app_context():
        responses = db.session.scalars(sa.select(Response)).all()
        assert [r.status for r in responses] == [ResponseStatus.IN_PROGRESS]


def _import_rows(
    app: Flask, tmp_path: Path, forbund: str, questionnaire: str, items: dict
) -> Result:
    lines = ["forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value"]
    lines += [
        f"{forbund},{forbund}-insats,{forbund}-9,kvinna,1980,exit,2026-06-01,{questionnaire},{k},{v}"
        for k, v in items.items()
    ]
    path = tmp_path / f"{forbund}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import-responses", str(path), "--create-missing"])


def test_imports_and_reports_use_the_forbunds_own_definitions(
    app: Flask, two: dict[str, int], tmp_path: Path
) -> None:
    shipped = app.extensions["questionnaires"].get("nojdhet")
    own_nojdhet = shipped.source.replace(f"version: '{shipped.version}'", "version: 'f-7'")
    assert own_nojdhet != shipped.source
    assert _install(app, tmp_path, own_nojdhet.encode(), "F", "nojdhet.yaml").exit_code == 0
    assert _install(app, tmp_path, mala(), "F", "mala.yaml").exit_code == 0
    scale = {item.id: 4 for item in shipped.items if item.type == "scale"}
    assert _import_rows(app, tmp_path, "F", "nojdhet", scale).exit_code == 0
    assert _import_rows(app, tmp_path, "F", "mala", {"energi": 5}).exit_code == 0
    refused = _import_rows(app, tmp_path, "G", "mala", {"energi": 5})
    assert refused.exit_code == 1 and "okänt frågeformulär 'mala'" in refused.output
    assert _import_rows(app, tmp_path, "G", "nojdhet", scale).exit_code == 0
    with app.app_context():
        hashes = {
            r.questionnaire_id: r.content_hash for r in db.session.scalars(sa.select(Response))
        }
        f_data = reports_dataset.load(
            ReportFilter(forbund_id=two["F"]), own.questionnaires_for(two["F"])
        )
        g_data = reports_dataset.load(
            ReportFilter(forbund_id=two["G"]), own.questionnaires_for(two["G"])
        )
    assert hashes["mala"] == parse_definition(mala(), "x").content_hash
    assert ("nojdhet", "f-7") in f_data.questionnaire_versions
    assert ("nojdhet", shipped.version) not in f_data.questionnaire_versions
    assert ("nojdhet", shipped.version) in g_data.questionnaire_versions
    assert not any(v == "f-7" or q == "mala" for q, v in g_data.questionnaire_versions)
