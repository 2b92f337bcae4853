"""Every staff endpoint × every role × own and foreign objects: only the intended combinations
get through; everything else answers 404 (anonymous users are sent to the login page).

The rules below are the intended design, written by hand, not read from the code. A new
endpoint without a rule here fails the test, so nobody forgets to decide who may use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from survey_app.extensions import db
from survey_app.models import FollowUpFlag, Invitation, ReportRelease, RoleKind
from survey_app.questionnaires import own
from survey_app.security import PUBLIC_ENDPOINTS
from survey_app.survey.links import create_invitation
from tests import factories
from tests.conftest import login
from tests.own_files import mala

OWN_FILE = mala()

SIGNED_IN = {"admin", "analyst", "staff_a", "staff_b"}
WORKS_WITH_A = {"admin", "staff_a"}  # participant-level work in insats A
RULES: dict[str, set[str]] = {
    "staff.home": SIGNED_IN,
    "staff.print_questionnaire": SIGNED_IN,  # a blank paper form
    "staff.search": SIGNED_IN,  # finds only what the user works with (tests/test_corrections.py)
    "auth.enrol": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "staff.insats": WORKS_WITH_A,
    "staff.todo": WORKS_WITH_A,  # a redirect to staff.todo_all for insats A
    # Every insats the user works with: an analyst works with none.
    "staff.todo_all": {"admin", "staff_a", "staff_b"},
    "staff.links_for_due": {"admin", "staff_a", "staff_b"},
    "staff.create_occasion": WORKS_WITH_A,
    "staff.end": WORKS_WITH_A,
    "staff.undo_end_of": WORKS_WITH_A,
    "staff.register": WORKS_WITH_A,
    "staff.register_many": WORKS_WITH_A,
    "staff.participation": WORKS_WITH_A,
    "staff.correct": WORKS_WITH_A,
    "staff.change_language": WORKS_WITH_A,
    "staff.create_link": WORKS_WITH_A,
    "staff.revoke_link": WORKS_WITH_A,
    "staff.email_link": WORKS_WITH_A,
    "staff.sms_link": WORKS_WITH_A,
    "staff.start_tablet": WORKS_WITH_A,
    "staff.enter_answers": WORKS_WITH_A,
    "staff.handle_follow_up": WORKS_WITH_A,
    "reports.report": {"admin", "analyst"},
    "reports.release": {"admin", "analyst"},  # a published yearly report
    "reports.release_summary": {"admin", "analyst"},  # its summary as a page
    "reports.publish": {"admin"},
    "reports.adhoc": {"admin"},  # internal reports with free periods: not for analysts
    "reports.participant_level": {"admin"},
    "admin.audit_log": {"admin"},
    "admin.insatser": {"admin"},
    "admin.edit_insats": {"admin"},  # with insats A's id; "ny" is checked by admin.insatser
    "admin.staff_accounts": {"admin"},
    "admin.new_staff_account": {"admin"},
    "admin.edit_staff_account": {"admin"},
    "admin.toggle_staff_account": {"admin"},
    "admin.reset_two_step": {"admin"},
    "admin.reset_password": {"admin"},  # another account's temporary password
    "admin.forbund_settings": {"admin"},
    "admin.import_responses": {"admin"},
    "admin.own_questionnaires": {"admin"},
    "admin.own_questionnaire": {"admin"},
    "admin.activate_own_questionnaire": {"admin"},
    "admin.participation_extract": {"admin"},
    "admin.erase_participation": {"admin"},
}
# Arguments that name no object of a förbund (a blank questionnaire): no foreign side.
UNOWNED = {"questionnaire_id", "kind", "number"}
# Not part of the matrix: public pages, and the two that end or begin a session.
NOT_IN_MATRIX = PUBLIC_ENDPOINTS | {"auth.logout"}
ROLES = ["anonymous", "admin", "analyst", "staff_a", "staff_b", "foreign_admin"]
# The admin of förbund G: an admin whose own side is G's objects, and F's are foreign to it.
AS_ROLE = {"foreign_admin": "admin"}
HOME = {"foreign_admin": "foreign"}
EMAILS = {
    "admin": "admin@f.example.org",
    "analyst": "analyst@f.example.org",
    "staff_a": "a@f.example.org",
    "staff_b": "b@f.example.org",
    "foreign_admin": "admin@g.example.org",
}


def _staff_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_IN_MATRIX and not rule.endpoint.startswith("survey.")
    ]


def test_every_staff_endpoint_has_a_rule(app: Flask) -> None:
    missing = {rule.endpoint for rule in _staff_rules(app)} - RULES.keys()
    assert missing == set(), f"decide who may use {sorted(missing)} and add it to RULES"


@pytest.fixture
def world(app: Flask) -> dict[str, dict[str, object]]:
    """Förbund F (insatser A and B, one participant in A with a link and a follow-up flag, an
    extra staff account) and förbund G with the same. Returns URL values for own and foreign."""
    values: dict[str, dict[str, object]] = {}
    with app.app_context():
        for key, name in (("own", "F"), ("foreign", "G")):
            owner = factories.forbund(name)
            a = factories.insats(owner, f"{name}-A")
            b = factories.insats(owner, f"{name}-B")
            prefix = "" if key == "own" else "foreign_"
            admin = factories.user(owner, RoleKind.ADMIN, email=EMAILS.get(f"{prefix}admin"))
            if key == "own":
                factories.user(owner, RoleKind.ANALYST, email=EMAILS["analyst"])
                factories.user(owner, RoleKind.STAFF, [a], email=EMAILS["staff_a"])
                factories.user(owner, RoleKind.STAFF, [b], email=EMAILS["staff_b"])
            extra = factories.user(owner, RoleKind.STAFF, [b])
            extra.totp_secret = "JBSWY3DPEHPK3PXP"
            participation = factories.participation(a, f"{name}-1")
            occasion = participation.occasions[0]
            create_invitation(occasion, admin)
            db.session.flush()
            invitation = db.session.scalars(
                sa.select(Invitation).where(Invitation.occasion_id == occasion.id)
            ).one()
            flag = FollowUpFlag(
                participation_id=participation.id,
                occasion_id=occasion.id,
                questionnaire_id="valdsenkat",
                reason="ja i våldsenkäten",
            )
            db.session.add(flag)
            own_file = own.upload(owner, OWN_FILE, "eget.yaml", admin.id)
            release = ReportRelease(forbund_id=owner.id, year=2025, workbook=b"PK")
            db.session.add(release)
            db.session.flush()
            values[key] = {
                "release_id": release.id,
                "file_id": own_file.id,
                "insats_id": a.id,
                "participation_id": participation.id,
                "occasion_id": occasion.id,
                "invitation_id": invitation.id,
                "flag_id": flag.id,
                "user_id": extra.id,
                "action": "aktivera",
                "who": "personal",
                "questionnaire_id": "sjalvskattning",
                "kind": "exit",
                "number": 0,
            }
        db.session.commit()
    return values


def _clients(app: Flask) -> Iterator[tuple[str, FlaskClient]]:
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login(client, EMAILS[role], factories.PASSWORD)
        yield role, client


def _path(rule: Rule, values: dict[str, object]) -> str:
    return rule.build({arg: values[arg] for arg in rule.arguments})[1]  # type: ignore[index]


def test_only_the_intended_roles_get_through(
    app: Flask, world: dict[str, dict[str, object]], caplog: pytest.LogCaptureFixture
) -> None:
    failures = []
    for role, client in _clients(app):
        for rule in sorted(_staff_rules(app), key=lambda r: (r.endpoint, r.rule)):
            if rule.endpoint == "admin.edit_insats" and not rule.arguments:
                continue  # the "ny" form: covered by admin.insatser's rule
            owned = set(rule.arguments) - UNOWNED
            home = HOME.get(role, "own")
            for side in ("own", "foreign") if owned else (home,):
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    path = _path(rule, world[side])
                    status = client.open(path, method=method).status_code
                    if role == "anonymous":
                        expected = "login"
                        ok = status == 302
                    elif side != home or AS_ROLE.get(role, role) not in RULES[rule.endpoint]:
                        expected = "404"
                        ok = status == 404
                    else:
                        expected = "allowed"
                        ok = status not in (403, 404) and status < 500
                    if not ok:
                        failures.append(
                            f"{role} {method} {rule.endpoint} {side}: {status}, not {expected}"
                        )
                    if rule.endpoint == "staff.start_tablet" and ok and expected == "allowed":
                        login(client, EMAILS[role], factories.PASSWORD)  # the tablet signed out
    assert failures == [], "\n".join(failures)
    denied = [r.getMessage() for r in caplog.records if "access denied" in r.getMessage()]
    assert denied, "foreign objects are logged"
    assert all("F-1" not in line and "G-1" not in line for line in denied), "ids only"
