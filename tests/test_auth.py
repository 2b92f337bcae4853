from __future__ import annotations

import time

import itsdangerous.timed
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import AuditEvent, RoleKind, StaffUser
from tests import factories
from tests.conftest import TEST_SECRET, login

GENERIC_FAILURE = "Fel e-postadress eller lösenord."
EMAIL = "anna@example.org"
ACCOUNT_LIMIT = 3
ADDRESS_LIMIT = 6


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Small limits, so that the tests need few (slow, argon2) attempts."""
    return {
        "login_failures_per_account_and_address": f"{ACCOUNT_LIMIT} per 15 minutes",
        "login_failures_per_address": f"{ADDRESS_LIMIT} per 10 minutes",
    }


@pytest.fixture
def staff_account(app: Flask) -> None:
    with app.app_context():
        owner = factories.forbund()
        where = factories.insats(owner)
        factories.user(owner, RoleKind.STAFF, [where], email=EMAIL)
        db.session.commit()


def _audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_page_is_public_and_in_swedish(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert "Logga in" in page.get_data(as_text=True)


def test_every_other_page_requires_login(client: FlaskClient) -> None:
    for path in (
        "/",
        "/insatser/1",
        "/insatser/1/deltagare/ny",
        "/admin/insatser",
        "/admin/personal",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")


def test_health_endpoint_is_public(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.usefixtures("staff_account")
def test_login_with_correct_password(app: Flask, client: FlaskClient) -> None:
    login(client, EMAIL, factories.PASSWORD)
    assert client.get("/").status_code == 200
    assert _audit_actions(app)[-1] == "login"


@pytest.mark.usefixtures("staff_account")
def test_email_is_case_insensitive(client: FlaskClient) -> None:
    login(client, EMAIL.upper(), factories.PASSWORD)


@pytest.mark.usefixtures("staff_account")
@pytest.mark.parametrize(
    ("email", "password"),
    [(EMAIL, "wrong password!"), ("nobody@example.org", factories.PASSWORD)],
)
def test_failed_login_gives_one_generic_message(
    app: Flask, client: FlaskClient, email: str, password: str
) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert _audit_actions(app).count("login_failed") == 1


@pytest.mark.usefixtures("staff_account")
def test_inactive_account_cannot_log_in(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == EMAIL))
        assert user is not None
        user.active = False
        db.session.commit()
    response = client.post("/login", data={"email": EMAIL, "password": factories.PASSWORD})
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


@pytest.mark.usefixtures("staff_account")
def test_a_deactivated_account_loses_its_open_session(app: Flask, client: FlaskClient) -> None:
    login(client, EMAIL, factories.PASSWORD)
    with app.app_context():
        user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == EMAIL))
        assert user is not None
        user.active = False
        db.session.commit()
    assert client.get("/").status_code == 302


@pytest.mark.usefixtures("staff_account")
def test_failures_on_one_account_from_one_address_are_throttled(client: FlaskClient) -> None:
    for _ in range(ACCOUNT_LIMIT):
        response = client.post("/login", data={"email": EMAIL, "password": "wrong-password"})
        assert response.status_code == 200
    blocked = client.post("/login", data={"email": EMAIL, "password": factories.PASSWORD})
    assert blocked.status_code == 429
    text = blocked.get_data(as_text=True)
    assert "För många försök med fel lösenord. Vänta 15 minuter" in text
    assert 'name="email"' in text, "the sign-in form is shown again, with the reason"
    assert client.get("/").status_code == 302
    # Another account from the same address is not locked by this account's attempts.
    other = client.post("/login", data={"email": "someone@example.org", "password": "x"})
    assert other.status_code == 200


@pytest.mark.usefixtures("staff_account")
def test_successful_sign_ins_are_never_counted(client: FlaskClient) -> None:
    # Each tablet hand-over signs the coordinator out: signing in again must always work.
    for _ in range(ACCOUNT_LIMIT * 3):
        login(client, EMAIL, factories.PASSWORD)
        client.post("/logout")
    login(client, EMAIL, factories.PASSWORD)
    assert client.get("/").status_code == 200


@pytest.mark.usefixtures("staff_account")
def test_a_successful_sign_in_forgives_earlier_failures(client: FlaskClient) -> None:
    for _ in range(ACCOUNT_LIMIT - 1):
        client.post("/login", data={"email": EMAIL, "password": "a typo"})
    login(client, EMAIL, factories.PASSWORD)
    client.post("/logout")
    # Without the forgiveness the next failure would be the last one allowed, and then 429.
    for _ in range(ACCOUNT_LIMIT - 1):
        response = client.post("/login", data={"email": EMAIL, "password": "a typo"})
        assert response.status_code == 200
    login(client, EMAIL, factories.PASSWORD)


@pytest.mark.usefixtures("staff_account")
def test_one_address_is_throttled_across_accounts(client: FlaskClient) -> None:
    for n in range(ADDRESS_LIMIT):
        client.post("/login", data={"email": f"guess{n}@example.org", "password": "wrong"})
    blocked = client.post("/login", data={"email": EMAIL, "password": factories.PASSWORD})
    assert blocked.status_code == 429
    assert "härifrån" in blocked.get_data(as_text=True)
    # Another address is not affected.
    elsewhere = client.application.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    login(elsewhere, EMAIL, factories.PASSWORD)


def test_the_default_limits_are_the_documented_ones() -> None:
    from survey_app.config import Settings

    defaults = Settings(
        secret_key=TEST_SECRET, database_url="sqlite://", public_url="https://enkat.example.org"
    )
    assert defaults.login_failures_per_account_and_address == "5 per 15 minutes"
    assert defaults.login_failures_per_address == "30 per 10 minutes"
    assert defaults.login_backoff_after == 10
    assert defaults.login_backoff_max_seconds == 60


@pytest.mark.usefixtures("staff_account")
def test_session_is_renewed_at_login(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before login"
        session["csrf_token"] = "a token known to an attacker"
    login(client, EMAIL, factories.PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "a token known to an attacker"
        assert session.get("_user_id") is not None


@pytest.mark.usefixtures("staff_account")
def test_logout_requires_post_and_ends_the_session(client: FlaskClient) -> None:
    login(client, EMAIL, factories.PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.usefixtures("staff_account")
def test_a_copied_session_cookie_stops_working_at_logout(app: Flask, client: FlaskClient) -> None:
    login(client, EMAIL, factories.PASSWORD)
    copied = client.get_cookie("session")
    assert copied is not None
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/").status_code == 302


@pytest.mark.usefixtures("staff_account")
def test_staff_sessions_expire_after_inactivity(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, EMAIL, factories.PASSWORD)
    assert client.get("/").status_code == 200
    signed_at = time.time()
    # 59 minutes later the session still works (and is refreshed); 61 idle minutes later not.
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: signed_at + 59 * 60)
    assert client.get("/").status_code == 200
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: signed_at + 59 * 60 + 61 * 60)
    assert client.get("/").status_code == 302


@pytest.mark.usefixtures("staff_account")
def test_an_idle_staff_session_ends_on_a_public_page_too(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ended on the server, not only forgotten by this browser: a copy of the cookie taken
    before stops working even at a time it would not yet be idle."""
    login(client, EMAIL, factories.PASSWORD)
    signed_at = time.time()
    copied = client.get_cookie("session")
    assert copied is not None
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: signed_at + 61 * 60)
    assert client.get("/login").status_code == 200  # public
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: signed_at + 60)
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/").status_code == 302


@pytest.mark.usefixtures("staff_account")
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_login_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.post(
        f"/login?next={target}", data={"email": EMAIL, "password": factories.PASSWORD}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.usefixtures("staff_account")
def test_login_follows_a_local_next_path(client: FlaskClient) -> None:
    response = client.post(
        "/login?next=/admin/insatser", data={"email": EMAIL, "password": factories.PASSWORD}
    )
    assert response.headers["Location"] == "/admin/insatser"


def test_missing_fields_get_swedish_messages(client: FlaskClient) -> None:
    text = client.post("/login", data={}).get_data(as_text=True)
    assert "Fyll i din e-postadress." in text
    assert "Fyll i ditt lösenord." in text


def test_pages_are_not_cached(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
