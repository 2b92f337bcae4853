"""The shipped instruments, their scoring, licensed EQ-5D texts and the förbund's settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app import create_app, scoring
from survey_app.extensions import db
from survey_app.models import AuditEvent, Forbund, RoleKind
from survey_app.questionnaires import Registry
from survey_app.questionnaires.options import stored_options
from survey_app.scoring import ScoringContext
from tests import factories
from tests.conftest import login, make_settings

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry(QUESTIONNAIRES)


def test_every_instrument_ships_and_loads(registry: Registry) -> None:
    assert registry.problems == []
    assert set(registry.by_id) == {
        "sjalvskattning",
        "eq5d-3l",
        "eq5d-5l",
        "valdsenkat",
        "nojdhet",
        "inskrivning",
        "utskrivning",
    }
    assert {q.id for q in registry.by_id.values() if q.respondent == "staff"} == {
        "inskrivning",
        "utskrivning",
    }


def test_self_assessment_has_ten_items_higher_is_better(registry: Registry) -> None:
    questionnaire = registry.get("sjalvskattning")
    assert questionnaire is not None
    items = questionnaire.items
    assert len(items) == 10
    assert all(i.type == "scale" and (i.min, i.max) == (1, 10) for i in items)
    assert all(i.direction == "higher" for i in items)
    assert all("en" in i.text.translations for i in items)


def test_violence_screening_has_seven_yes_no_items_with_decline(registry: Registry) -> None:
    questionnaire = registry.get("valdsenkat")
    assert questionnaire is not None
    assert [i.id for i in questionnaire.items] == [
        "psychological",
        "threats",
        "physical",
        "sexual",
        "control",
        "afraid",
        "children_exposed",
    ]
    assert all(i.type == "yes_no" and i.allow_decline for i in questionnaire.items)
    assert questionnaire.safety.quick_exit and questionnaire.safety.support_when == "any_yes"


def test_satisfaction_items(registry: Registry) -> None:
    questionnaire = registry.get("nojdhet")
    assert questionnaire is not None
    by_id = {i.id: i for i in questionnaire.items}
    assert (by_id["overall"].min, by_id["overall"].max) == (1, 5)
    assert by_id["discriminated"].allow_decline
    assert by_id["comments"].type == "text" and not by_id["comments"].required


def test_register_forms_use_the_domain_categories(registry: Registry) -> None:
    start, end = registry.get("inskrivning"), registry.get("utskrivning")
    assert start is not None and end is not None
    start_items = {i.id: i for i in start.items}
    end_items = {i.id: i for i in end.items}
    # 11 kinds of försörjning, 6 of sysselsättning, 12 exit reasons (DOMAIN.md, with
    # "fortsatt rehabilitering" split into arbetsträning and annan insats).
    assert len(start_items["income"].choices) == 11
    assert len(start_items["occupation"].choices) == 6
    assert len(end_items["exit_reason"].choices) == 12
    assert [c.value for c in start_items["income"].choices] == [
        c.value for c in end_items["income"].choices
    ]


# --- scoring ---------------------------------------------------------------------------------


def test_mean_scorer_needs_half_the_items(registry: Registry) -> None:
    questionnaire = registry.get("sjalvskattning")
    assert questionnaire is not None
    ids = [i.id for i in questionnaire.items]
    five = dict.fromkeys(ids[:5], 4) | {ids[0]: 9}  # 9, 4, 4, 4, 4
    assert scoring.score(questionnaire, five) == {"mean": 5.0, "n": 5}
    four = {k: v for k, v in five.items() if k != ids[4]}
    assert scoring.score(questionnaire, four) == {"mean": None, "n": 4}


@pytest.mark.parametrize(
    ("answers", "any_yes", "declined"),
    [
        ({"psychological": "nej", "threats": "ja"}, True, 0),
        (dict.fromkeys(["psychological", "threats", "physical"], "nej"), False, 0),
        ({"psychological": "vill_inte_svara", "threats": "nej"}, False, 1),
        ({"psychological": "vill_inte_svara"}, None, 1),
        ({}, None, 0),
    ],
)
def test_any_yes_counts_declines_separately(
    registry: Registry, answers: dict[str, str], any_yes: bool | None, declined: int
) -> None:
    questionnaire = registry.get("valdsenkat")
    assert questionnaire is not None
    result = scoring.score(questionnaire, answers)
    assert result["any_yes"] is any_yes
    assert result["n_declined"] == declined


def test_eq5d_scorer_uses_the_forbunds_value_set(registry: Registry) -> None:
    three = registry.get("eq5d-3l")
    assert three is not None
    answers = {"MO": 1, "SC": 1, "UA": 1, "PD": 1, "AD": 2, "VAS": 70}
    default = scoring.score(three, answers)
    # Sweden 3L (Burström 2014): 0.9694 - 0.0552 for AD2.
    assert default["state"] == "11112" and default["value_set"] == "se_tto_3l"
    assert default["index"] == pytest.approx(0.9142, abs=1e-4)
    assert default["vas"] == 70
    uk = scoring.score(three, answers, ScoringContext({"eq5d-3l": {"value_set": "uk_tto_3l"}}))
    assert uk["index"] == pytest.approx(1 - 0.081 - 0.071, abs=1e-9)  # 0.848
    five = registry.get("eq5d-5l")
    assert five is not None
    result = scoring.score(five, {"MO": 1, "SC": 1, "UA": 1, "PD": 1, "AD": 2})
    assert result["value_set"] == "se_5l_2022"
    assert result["index"] == pytest.approx(1 - 0.031, abs=1e-9)
    assert result["vas"] is None


def test_the_eq5d_scorer_declares_its_value_set_option(registry: Registry) -> None:
    three, five = registry.get("eq5d-3l"), registry.get("eq5d-5l")
    assert three is not None and five is not None
    (option,) = scoring.options(three)
    assert (option.name, option.label, option.default) == (
        "value_set",
        "Värdeset för EQ-5D-3L",
        "se_tto_3l",
    )
    assert {value for value, _label in option.choices} == {"se_tto_3l", "uk_tto_3l"}
    (option,) = scoring.options(five)
    assert option.label == "Värdeset för EQ-5D-5L" and option.default == "se_5l_2022"
    assert "uk_tto_3l" not in {value for value, _label in option.choices}
    # A stored value that is not a choice (e.g. a set since removed, or a 3L set stored for the
    # 5L file) falls back to the default.
    odd = ScoringContext({"eq5d-5l": {"value_set": "uk_tto_3l"}})
    assert scoring.option_value(five, odd, "value_set") == "se_5l_2022"
    # The report's note names the sets of both files (they share the EQ-5D sheet).
    chosen = ScoringContext({"eq5d-3l": {"value_set": "uk_tto_3l"}})
    assert scoring.describe(five, chosen) == (
        "Värdeset för EQ-5D",
        "3L: Storbritannien TTO (Dolan 1997) (uk_tto_3l); 5L: Sverige (Sun 2022) (se_5l_2022)",
    )
    # The index's range covers both: UK 3L down to −0.594 (33333), Sweden 2022 5L up to 1.
    low, high = scoring.measures(five, chosen)["index"].value_range
    assert low == pytest.approx(-0.594, abs=1e-9) and high == pytest.approx(1.0, abs=1e-9)


def test_eq5d_scorer_gives_no_index_for_a_missing_or_impossible_level(registry: Registry) -> None:
    three = registry.get("eq5d-3l")
    assert three is not None
    assert scoring.score(three, {"MO": 1, "SC": 1, "UA": 1, "PD": 1})["index"] is None
    assert scoring.score(three, {"MO": 1, "SC": 1, "UA": 1, "PD": 1, "AD": 4})["index"] is None
    assert scoring.score(three, {"MO": True, "SC": 1, "UA": 1, "PD": 1, "AD": 1})["index"] is None


# --- licensed EQ-5D texts ---------------------------------------------------------------------

LICENSED_SV = """\
questionnaire: eq5d-3l
language: sv
items:
  MO: {text: "LICENSED mobility", levels: ["LIC MO 1", "LIC MO 2", "LIC MO 3"]}
  SC: {text: "LICENSED self-care", levels: ["LIC SC 1", "LIC SC 2", "LIC SC 3"]}
  UA: {text: "LICENSED activities", levels: ["LIC UA 1", "LIC UA 2", "LIC UA 3"]}
  PD: {text: "LICENSED pain", levels: ["LIC PD 1", "LIC PD 2", "LIC PD 3"]}
  AD: {text: "LICENSED anxiety", levels: ["LIC AD 1", "LIC AD 2", "LIC AD 3"]}
  VAS: {text: "LICENSED thermometer"}
"""


def test_licensed_texts_replace_the_neutral_labels(tmp_path: Path) -> None:
    (tmp_path / "eq5d-3l.sv.yaml").write_text(LICENSED_SV)
    registry = Registry(QUESTIONNAIRES, tmp_path)
    assert registry.problems == []
    questionnaire = registry.get("eq5d-3l")
    assert questionnaire is not None
    mobility = questionnaire.items[0]
    assert mobility.text.get("sv") == "LICENSED mobility"
    assert [c.label.get("sv") for c in mobility.choices] == ["LIC MO 1", "LIC MO 2", "LIC MO 3"]
    assert mobility.text.get("en") == "Dimension 1: Mobility"  # English not installed
    assert registry.missing_licensed_texts() == ["eq5d-5l"]


@pytest.mark.parametrize(
    ("filename", "content", "reason"),
    [
        (
            "eq5d-3l.sv.yaml",
            LICENSED_SV.replace('"LIC AD 3"', "").replace(", ]", "]"),
            "AD ska ha 3 nivåer",
        ),
        (
            "eq5d-3l.sv.yaml",
            "\n".join(line for line in LICENSED_SV.splitlines() if "PD:" not in line),
            "texten till PD saknas",
        ),
        (
            "eq5d-3l.sv.yaml",
            LICENSED_SV.replace("language: sv", "language: en"),
            "stämmer inte med filnamnet",
        ),
        ("eq5d-3l.en.yaml", LICENSED_SV, "stämmer inte med filnamnet"),
        (
            "eq5d-3l.sv.yaml",
            LICENSED_SV.replace("questionnaire: eq5d-3l", "questionnaire: eq5d-5l"),
            "gäller 'eq5d-5l'",
        ),
    ],
)
def test_a_faulty_licensed_file_is_refused_and_neutral_labels_stay(
    tmp_path: Path, filename: str, content: str, reason: str
) -> None:
    (tmp_path / filename).write_text(content)
    registry = Registry(QUESTIONNAIRES, tmp_path)
    messages = [str(p) for p in registry.problems]
    assert len(messages) == 1 and filename in messages[0] and reason in messages[0], messages
    questionnaire = registry.get("eq5d-3l")
    assert questionnaire is not None
    assert questionnaire.items[0].choices[0].label.get("sv") == "Nivå 1 – inga problem"
    assert "eq5d-3l" in registry.missing_licensed_texts()


def _admin_app(database_url: str, licensed_dir: Path) -> Flask:
    app = create_app(make_settings(database_url, licensed_texts_dir=licensed_dir))
    with app.app_context():
        db.create_all()
        owner = factories.forbund()
        factories.user(owner, RoleKind.ADMIN, email="admin@example.org")
        db.session.commit()
    return app


def test_admin_sees_a_warning_until_licensed_texts_are_installed(
    tmp_path: Path, database_url: str
) -> None:
    warning = "Licensierade texter saknas för eq5d-3l, eq5d-5l"
    app = _admin_app(database_url, tmp_path / "none")
    try:
        client = app.test_client()
        login(client, "admin@example.org", factories.PASSWORD)
        assert warning in client.get("/admin/insatser").get_data(as_text=True)
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()
    licensed = tmp_path / "licensed"
    licensed.mkdir()
    (licensed / "eq5d-3l.sv.yaml").write_text(LICENSED_SV)
    (licensed / "eq5d-5l.sv.yaml").write_text(
        LICENSED_SV.replace("eq5d-3l", "eq5d-5l").replace('3"]', '3", "L4", "L5"]')
    )
    app = _admin_app(database_url, licensed)
    try:
        client = app.test_client()
        login(client, "admin@example.org", factories.PASSWORD)
        assert "Licensierade texter saknas" not in client.get("/admin/insatser").get_data(
            as_text=True
        )
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


# --- förbund settings -------------------------------------------------------------------------

SETTINGS_FORM = {
    "link_expiry_days": "14",
    "min_group_size": "7",
    "option_eq5d_3l_value_set": "uk_tto_3l",
    "option_eq5d_5l_value_set": "se_tto_5l_2020",
    "support_contacts": "Kvinnofridssamordnare i Skövde, 0500-49 80 00",
    "retention_months": "24",
}


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        factories.user(owner, RoleKind.ADMIN, email="admin@example.org")
        db.session.commit()
    client = app.test_client()
    login(client, "admin@example.org", factories.PASSWORD)
    return client


def _forbund(app: Flask) -> Forbund:
    with app.app_context():
        found = db.session.scalars(sa.select(Forbund)).one()
        db.session.expunge(found)
        return found


def test_admin_saves_the_forbunds_settings(app: Flask, admin_client: FlaskClient) -> None:
    response = admin_client.post("/admin/forbund", data=SETTINGS_FORM)
    assert response.status_code == 302
    forbund = _forbund(app)
    assert (forbund.link_expiry_days, forbund.min_group_size) == (14, 7)
    assert forbund.support_contacts.startswith("Kvinnofridssamordnare")
    assert forbund.retention_months == 24
    with app.app_context():
        assert stored_options(forbund.id) == {
            "eq5d-3l": {"value_set": "uk_tto_3l"},
            "eq5d-5l": {"value_set": "se_tto_5l_2020"},
        }
        changed = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "forbund_settings_changed")
        ).one()
        assert "värdeset för EQ-5D-3L" in changed.details["fields"]
        assert "värdeset för EQ-5D-5L" in changed.details["fields"]
    # The page shows the chosen sets, under the same labels as before.
    page = admin_client.get("/admin/forbund").get_data(as_text=True)
    assert "Värdeset för EQ-5D-3L" in page and "Värdeset för EQ-5D-5L" in page
    assert re.search(r'<option selected value="uk_tto_3l"|<option value="uk_tto_3l" selected', page)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"option_eq5d_3l_value_set": "no_such_set"}, "Inte ett giltigt val"),
        ({"option_eq5d_3l_value_set": "se_5l_2022"}, "Inte ett giltigt val"),  # a 5L set for 3L
        ({"min_group_size": "1"}, "från 3 till 100"),
        ({"link_expiry_days": "0"}, "1–365"),
        ({"retention_months": "3"}, "6–240 månader"),
    ],
)
def test_bad_settings_are_refused(
    app: Flask, admin_client: FlaskClient, overrides: dict[str, str], message: str
) -> None:
    response = admin_client.post("/admin/forbund", data={**SETTINGS_FORM, **overrides})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    forbund = _forbund(app)
    assert forbund.min_group_size == 5
    with app.app_context():
        assert stored_options(forbund.id) == {}


@pytest.mark.parametrize("installed", [False, True])
def test_eq5d_pages_show_neutral_or_licensed_texts(
    tmp_path: Path, database_url: str, installed: bool
) -> None:
    from tests.survey_helpers import PAGES, create_link, make_setup, staff_client

    licensed = tmp_path / "licensed"
    licensed.mkdir()
    if installed:
        (licensed / "eq5d-3l.sv.yaml").write_text(LICENSED_SV)
    app = create_app(make_settings(database_url, licensed_texts_dir=licensed))
    with app.app_context():
        db.create_all()
    try:
        setup = make_setup(app)
        participant = app.test_client()
        participant.get(create_link(staff_client(app), setup))
        for number in (1, 2, 3):
            participant.post(f"/svar/sida/{number}", data=PAGES[number - 1])
        page = participant.get("/svar/sida/4").get_data(as_text=True)
        if installed:
            assert "LICENSED mobility" in page and "LIC MO 2" in page
            assert "Nivå 1 – inga problem" not in page
        else:
            assert "Dimension 1: Rörlighet" in page and "Nivå 1 – inga problem" in page
        assert participant.post("/svar/sida/4", data=PAGES[3]).status_code == 302
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()
