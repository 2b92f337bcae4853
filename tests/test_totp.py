"""Two-step sign-in (TOTP): codes computed here with pyotp from the account's secret."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import AuditEvent, Forbund, RoleKind, StaffUser
from tests import factories

ADMIN = "chef@example.org"
OTHER_ADMIN = "bitr@example.org"
COACH = "coach@example.org"


@pytest.fixture
def accounts(app: Flask) -> None:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(owner, "Gröna vägen")
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        factories.user(owner, RoleKind.ADMIN, email=OTHER_ADMIN)
        factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
        db.session.commit()


def _password(client: FlaskClient, email: str) -> str:
    response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def _set_secret(app: Flask, email: str) -> str:
    secret = pyotp.random_base32()
    with app.app_context():
        user = db.session.scalars(sa.select(StaffUser).where(StaffUser.email == email)).one()
        user.totp_secret = secret
        db.session.commit()
    return secret


def _code(secret: str, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(datetime.now(UTC).timestamp() + 30 * offset_steps)


@pytest.mark.usefixtures("accounts")
def test_an_enrolled_account_needs_the_code_after_the_password(
    app: Flask, client: FlaskClient
) -> None:
    secret = _set_secret(app, COACH)
    assert _password(client, COACH) == "/login/kod"
    assert not _signed_in(client)  # the password alone signs nobody in
    wrong = client.post(
        "/login/kod", data={"code": "000000" if _code(secret) != "000000" else "111111"}
    )
    assert "Fel kod" in wrong.get_data(as_text=True)
    assert not _signed_in(client)
    code = _code(secret)
    assert client.post("/login/kod", data={"code": code}).status_code == 302
    assert _signed_in(client)
    # The same code again (someone who saw it over a shoulder) is refused.
    client.post("/logout")
    _password(client, COACH)
    replay = client.post("/login/kod", data={"code": code})
    assert "Fel kod" in replay.get_data(as_text=True)
    assert not _signed_in(client)


@pytest.mark.usefixtures("accounts")
def test_a_forbund_can_require_it_of_its_admins(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        owner = db.session.scalars(sa.select(Forbund)).one()
        owner.require_totp_for_admins = True
        db.session.commit()
    # Staff who are not admins sign in as before.
    staff = app.test_client()
    assert _password(staff, COACH) == "/"
    assert _signed_in(staff)
    # An admin without the app is taken to set it up and can do nothing else first.
    assert _password(client, ADMIN) == "/login/kod"
    page = client.get("/login/kod").get_data(as_text=True)
    assert "kräver tvåstegsinloggning" in page and "<svg" in page
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)  # type: ignore[union-attr]
    assert client.get("/admin/insatser").status_code == 302  # to the login page
    assert client.post("/login/kod", data={"code": _code(secret)}).status_code == 302
    assert client.get("/admin/insatser").status_code == 200
    with app.app_context():
        admin = db.session.scalars(sa.select(StaffUser).where(StaffUser.email == ADMIN)).one()
        assert admin.totp_secret == secret
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "totp_enrolled")
            )
            == 1
        )


@pytest.mark.usefixtures("accounts")
def test_a_user_turns_it_on_and_another_admin_can_reset_it(app: Flask, client: FlaskClient) -> None:
    _password(client, COACH)
    page = client.get("/konto/tvastegs").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)  # type: ignore[union-attr]
    assert client.post("/konto/tvastegs", data={"code": _code(secret)}).status_code == 302
    client.post("/logout")
    assert _password(client, COACH) == "/login/kod"

    admin = app.test_client()
    _password(admin, ADMIN)
    with app.app_context():
        coach_id = db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == COACH))
    assert admin.post(f"/admin/personal/{coach_id}/tvastegs").status_code == 302
    with app.app_context():
        coach = db.session.get(StaffUser, coach_id)
        assert coach is not None and coach.totp_secret is None
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "totp_reset")
            )
            == 1
        )
    fresh = app.test_client()
    assert _password(fresh, COACH) == "/"


@pytest.mark.usefixtures("accounts")
def test_guessing_codes_is_stopped(app: Flask, client: FlaskClient) -> None:
    secret = _set_secret(app, COACH)
    _password(client, COACH)
    right = _code(secret)
    wrong = "123456" if right != "123456" else "654321"
    statuses = [client.post("/login/kod", data={"code": wrong}).status_code for _ in range(10)]
    assert statuses == [200] * 10
    assert client.post("/login/kod", data={"code": right}).status_code == 429
