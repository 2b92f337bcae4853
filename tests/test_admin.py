"""A förbund admin sets up insatser and staff accounts of the own förbund."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.auth.passwords import verify_password
from survey_app.extensions import db
from survey_app.models import AuditEvent, Insats, Role, RoleKind, StaffUser
from tests import factories
from tests.conftest import login

ADMIN = "chef@example.org"


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        other = factories.forbund("Annat")
        factories.insats(other, "Främmande insats")
        db.session.commit()
    login(client, ADMIN, factories.PASSWORD)
    return client


INSATS_FORM = {
    "name": "Hälsoskolan",
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
    "followup_interval_months": "6",
    "start_questionnaires": ["sjalvskattning", "eq5d-3l"],
    "exit_questionnaires": ["sjalvskattning"],
}


def test_admin_creates_an_insats_with_questionnaires_per_occasion(
    app: Flask, admin: FlaskClient
) -> None:
    assert admin.post("/admin/insatser/ny", data=INSATS_FORM).status_code == 302
    with app.app_context():
        insats = db.session.scalar(sa.select(Insats).where(Insats.name == "Hälsoskolan"))
        assert insats is not None
        assert insats.forbund.name == "Skaraborg"
        assert insats.followup_interval_months == 6
        assert insats.bundles == {
            "start": ["sjalvskattning", "eq5d-3l"],
            "exit": ["sjalvskattning"],
        }
        assert (
            db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == insats.id))
            == "insats_created"
        )
    assert "Hälsoskolan" in admin.get("/admin/insatser").get_data(as_text=True)


def test_insats_names_are_unique_within_the_forbund_only(app: Flask, admin: FlaskClient) -> None:
    admin.post("/admin/insatser/ny", data=INSATS_FORM)
    again = admin.post("/admin/insatser/ny", data={**INSATS_FORM, "name": "hälsoskolan"})
    assert "Det finns redan en insats med det namnet" in again.get_data(as_text=True)
    # The same name as another förbund's insats is fine.
    assert (
        admin.post(
            "/admin/insatser/ny", data={**INSATS_FORM, "name": "Främmande insats"}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Ge insatsen ett namn."),
        ({"end_date": "2025-12-31"}, "Slutdatumet kan inte ligga före startdatumet."),
        ({"followup_interval_months": "0"}, "mellan 1 och 60"),
        ({"start_questionnaires": ["no-such-questionnaire"]}, "är inte ett giltigt val"),
    ],
)
def test_bad_insats_input(
    app: Flask, admin: FlaskClient, overrides: dict[str, object], message: str
) -> None:
    response = admin.post("/admin/insatser/ny", data={**INSATS_FORM, **overrides})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Insats)) == 1


def test_admin_edits_an_insats(app: Flask, admin: FlaskClient) -> None:
    admin.post("/admin/insatser/ny", data=INSATS_FORM)
    with app.app_context():
        insats_id = db.session.scalar(sa.select(Insats.id).where(Insats.name == "Hälsoskolan"))
    form = admin.get(f"/admin/insatser/{insats_id}").get_data(as_text=True)
    checked = re.findall(
        r'<input checked id="[^"]+" name="(\w+)" type="checkbox" value="([^"]+)"', form
    )
    assert sorted(checked) == [
        ("exit_questionnaires", "sjalvskattning"),
        ("start_questionnaires", "eq5d-3l"),
        ("start_questionnaires", "sjalvskattning"),
    ]
    changed = {**INSATS_FORM, "name": "Hälsoskolan Skövde", "followup_interval_months": ""}
    assert admin.post(f"/admin/insatser/{insats_id}", data=changed).status_code == 302
    with app.app_context():
        insats = db.session.get(Insats, insats_id)
        assert insats is not None
        assert insats.name == "Hälsoskolan Skövde"
        assert insats.followup_interval_months is None


def _insats_id(app: Flask, name: str) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(Insats.id).where(Insats.name == name))
        assert found is not None
        return found


def test_admin_creates_a_staff_account_for_chosen_insatser(app: Flask, admin: FlaskClient) -> None:
    admin.post("/admin/insatser/ny", data=INSATS_FORM)
    insats_id = _insats_id(app, "Hälsoskolan")
    response = admin.post(
        "/admin/personal/ny",
        data={
            "email": "  New.Coach@Example.org ",
            "password": "a long enough password",
            "role": "staff",
            "insatser": [str(insats_id)],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(
            sa.select(StaffUser).where(StaffUser.email == "new.coach@example.org")
        )
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "a long enough password")
        assert [(r.kind, r.insats_id) for r in user.roles] == [(RoleKind.STAFF, insats_id)]
        # The admin chose the password: its owner chooses an own one at the first sign-in.
        assert user.must_change_password is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-address"}, "giltig e-postadress"),
        ({"email": ADMIN}, "Det finns redan ett konto"),
        ({"password": "short"}, "minst 15 tecken"),
        ({"password": "password1234"}, "minst 15 tecken"),
        ({"password": "aaaaaaaaaaaaaaaaaa"}, "Upprepningar som"),
        ({"password": "password12345678"}, "Det liknar ett vanligt lösenord."),
        ({"password": "lösenord12345678"}, "för lätt att gissa"),
        ({"role": "staff", "insatser": []}, "Välj minst en insats"),
        ({"role": "superuser"}, "Inte ett giltigt val"),
    ],
)
def test_bad_staff_account_input(
    app: Flask, admin: FlaskClient, overrides: dict[str, object], message: str
) -> None:
    data = {"email": "x@example.org", "password": "a long enough password", "role": "analyst"}
    response = admin.post("/admin/personal/ny", data={**data, **overrides})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 1


def test_staff_role_cannot_name_another_forbunds_insats(app: Flask, admin: FlaskClient) -> None:
    foreign = _insats_id(app, "Främmande insats")
    response = admin.post(
        "/admin/personal/ny",
        data={
            "email": "x@example.org",
            "password": "a long enough password",
            "role": "staff",
            "insatser": [str(foreign)],
        },
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Role)) == 1


def test_admin_deactivates_and_reactivates_an_account(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        owner_id = db.session.scalar(
            sa.select(StaffUser.forbund_id).where(StaffUser.email == ADMIN)
        )
        from survey_app.models import Forbund

        owner = db.session.get(Forbund, owner_id)
        assert owner is not None
        other = factories.user(owner, RoleKind.ANALYST, email="leaving@example.org")
        db.session.commit()
        other_id = other.id
    assert admin.post(f"/admin/personal/{other_id}/inaktivera").status_code == 302
    with app.app_context():
        user = db.session.get(StaffUser, other_id)
        assert user is not None and user.active is False
    admin.post(f"/admin/personal/{other_id}/aktivera")
    with app.app_context():
        user = db.session.get(StaffUser, other_id)
        assert user is not None and user.active is True


def test_admin_cannot_deactivate_themself(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        own_id = db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == ADMIN))
    admin.post(f"/admin/personal/{own_id}/inaktivera")
    assert admin.get("/").status_code == 200


def test_admin_sets_goals_for_an_insats(app: Flask, admin: FlaskClient) -> None:
    form = {
        **INSATS_FORM,
        "improved_goals-0-measure": "sjalvskattning:general_health",
        "improved_goals-0-target": "70",
        "exit_goals-0-reasons": ["arbete", "studier"],
        "exit_goals-0-target": "30",
    }
    assert admin.post("/admin/insatser/ny", data=form).status_code == 302
    with app.app_context():
        insats = db.session.scalar(sa.select(Insats).where(Insats.name == "Hälsoskolan"))
        assert insats is not None
        assert insats.goals == [
            {"kind": "improved", "measure": "sjalvskattning:general_health", "target": 0.7},
            {"kind": "exit_reasons", "reasons": ["arbete", "studier"], "target": 0.3},
        ]
        insats_id = insats.id
    page = admin.get(f"/admin/insatser/{insats_id}").get_data(as_text=True)
    assert 'value="70"' in page and 'value="30"' in page
    # Below the saved goals, an empty row of each kind for one more.
    assert 'name="improved_goals-1-measure"' in page and 'name="exit_goals-1-target"' in page
    refused = admin.post(
        "/admin/insatser/ny", data={**form, "name": "X", "improved_goals-0-measure": ""}
    )
    assert "Välj vad målet gäller." in refused.get_data(as_text=True)


def test_admin_sets_a_goal_on_register_categories(app: Flask, admin: FlaskClient) -> None:
    """ "40 % go on to work or studies": the question (occupation at exit) and its categories,
    kept as they are when the insats is saved again."""
    form = {
        **INSATS_FORM,
        "category_goals-0-item": "utskrivning:occupation",
        "category_goals-0-categories": [
            "utskrivning:occupation=forvarvsarbete",
            "utskrivning:occupation=studier",
        ],
        "category_goals-0-target": "40",
    }
    page = admin.get("/admin/insatser/ny").get_data(as_text=True)
    assert 'value="utskrivning:occupation=studier"' in page
    assert "Sysselsättning vid avslut: Studier" in page
    assert admin.post("/admin/insatser/ny", data=form).status_code == 302
    goal = {
        "kind": "categories",
        "item": "utskrivning:occupation",
        "categories": ["forvarvsarbete", "studier"],
        "target": 0.4,
    }
    with app.app_context():
        insats = db.session.scalar(sa.select(Insats).where(Insats.name == "Hälsoskolan"))
        assert insats is not None and insats.goals == [goal]
        insats_id = insats.id
    page = admin.get(f"/admin/insatser/{insats_id}").get_data(as_text=True)
    # Shown again as saved (the question chosen, its categories checked), and saved unchanged.
    assert re.search(r'<option selected value="utskrivning:occupation">', page)
    assert re.search(r'checked[^>]*value="utskrivning:occupation=studier"', page)
    resend = {**INSATS_FORM, "improved_goals-0-measure": "sjalvskattning:mean"}
    resend["improved_goals-0-target"] = "50"
    for key in ("category_goals-0-item", "category_goals-0-categories", "category_goals-0-target"):
        resend[key] = form[key]
    assert admin.post(f"/admin/insatser/{insats_id}", data=resend).status_code == 302
    with app.app_context():
        insats = db.session.get(Insats, insats_id)
        assert insats is not None
        assert insats.goals == [
            {"kind": "improved", "measure": "sjalvskattning:mean", "target": 0.5},
            goal,
        ]
    # A category of another question, or none, is refused with the reason.
    wrong = admin.post(
        "/admin/insatser/ny",
        data={
            **form,
            "name": "Y",
            "category_goals-0-categories": ["utskrivning:exit_reason=arbete"],
        },
    ).get_data(as_text=True)
    assert "Välj minst ett svarsalternativ till den fråga du valt." in wrong
    mixed = admin.post(
        "/admin/insatser/ny",
        data={
            **form,
            "name": "Z",
            "category_goals-0-categories": [
                "utskrivning:occupation=studier",
                "utskrivning:exit_reason=arbete",
            ],
        },
    ).get_data(as_text=True)
    assert "Välj bara svarsalternativ som hör till den fråga du valt." in mixed
    with app.app_context():
        assert db.session.scalar(sa.select(Insats).where(Insats.name.in_(["Y", "Z"]))) is None


def test_an_insats_can_hold_more_than_two_goals(app: Flask, admin: FlaskClient) -> None:
    measures = ["sjalvskattning:general_health", "sjalvskattning:mean", "eq5d:index"]
    form = dict(INSATS_FORM)
    for n, measure in enumerate(measures):
        form[f"improved_goals-{n}-measure"] = measure
        form[f"improved_goals-{n}-target"] = str(50 + n)
    form["improved_goals-3-measure"] = ""  # the empty row: no goal
    form["improved_goals-3-target"] = ""
    assert admin.post("/admin/insatser/ny", data=form).status_code == 302
    with app.app_context():
        insats = db.session.scalar(sa.select(Insats).where(Insats.name == "Hälsoskolan"))
        assert insats is not None
        assert insats.goals == [
            {"kind": "improved", "measure": m, "target": (50 + n) / 100}
            for n, m in enumerate(measures)
        ]


def test_questionnaires_are_listed_by_name_and_ordered_by_the_admin(
    app: Flask, admin: FlaskClient
) -> None:
    form = admin.get("/admin/insatser/ny").get_data(as_text=True)
    assert "Självskattning" in form and "EQ-5D-3L" in form and "Våldsenkät" in form
    assert "Utskrivning (fylls i av personal)" in form
    assert "Hur har du det just nu?" not in form  # the participant's title, not the name
    # Places given: EQ-5D first, then the self-assessment, whatever the order of the boxes.
    ordered = {
        **INSATS_FORM,
        "start_questionnaires": ["sjalvskattning", "eq5d-3l", "valdsenkat"],
        "start_questionnaires-plats-sjalvskattning": "2",
        "start_questionnaires-plats-eq5d-3l": "1",
        "start_questionnaires-plats-valdsenkat": "",  # no place: last
        "start_questionnaires-plats-nojdhet": "1",  # not ticked: not asked
    }
    assert admin.post("/admin/insatser/ny", data=ordered).status_code == 302
    insats_id = _insats_id(app, "Hälsoskolan")
    with app.app_context():
        insats = db.session.get(Insats, insats_id)
        assert insats is not None
        assert insats.bundles["start"] == ["eq5d-3l", "sjalvskattning", "valdsenkat"]
    # The form shows them in that order with their places, the others after without one.
    page = admin.get(f"/admin/insatser/{insats_id}").get_data(as_text=True)
    start = page.split("Frågeformulär vid start", 1)[1].split("</fieldset>", 1)[0]
    places = re.findall(r'name="start_questionnaires-plats-([^"]+)" value="(\d*)"', start)
    assert places[:3] == [("eq5d-3l", "1"), ("sjalvskattning", "2"), ("valdsenkat", "3")]
    assert all(value == "" for _, value in places[3:])
    # Moving the self-assessment first.
    moved = {
        **INSATS_FORM,
        "start_questionnaires": ["eq5d-3l", "sjalvskattning"],
        "start_questionnaires-plats-eq5d-3l": "2",
        "start_questionnaires-plats-sjalvskattning": "1",
    }
    assert admin.post(f"/admin/insatser/{insats_id}", data=moved).status_code == 302
    with app.app_context():
        insats = db.session.get(Insats, insats_id)
        assert insats is not None and insats.bundles["start"] == ["sjalvskattning", "eq5d-3l"]
    refused = admin.post(
        f"/admin/insatser/{insats_id}",
        data={**moved, "start_questionnaires-plats-eq5d-3l": "först"},
    )
    assert "Ordningen för EQ-5D-3L ska vara ett heltal från 1 till 99." in refused.get_data(
        as_text=True
    )


def test_staff_forms_open_without_the_participants_welcome(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        owner = db.session.scalars(sa.select(StaffUser).where(StaffUser.email == ADMIN)).one()
        insats = factories.insats(
            owner.forbund, "Med inskrivning", start=["sjalvskattning", "inskrivning"]
        )
        found = factories.participation(insats, "MI-1")
        db.session.commit()
        path = f"/deltagande/{found.id}/tillfalle/{found.occasions[0].id}/mata-in/personal"
    assert admin.post(path).headers["Location"] == "/svar"
    intro = admin.get("/svar").get_data(as_text=True)
    assert "Personalens formulär" in intro and "Inskrivning" in intro and "MI-1" in intro
    assert "Välkommen" not in intro and "hur du har det" not in intro
    assert "1 sida." in intro  # one page: singular
    paper = path.replace("/personal", "/deltagare")
    admin.post(paper)
    typed = admin.get("/svar").get_data(as_text=True)
    assert "Mata in svar från papper" in typed and "Självskattning" in typed
    assert "Välkommen" not in typed and "3 sidor." in typed
