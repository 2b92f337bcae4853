"""Passwords: the policy (SP 800-63B), changing one's own, the forced change after an admin or
the command line chose it, an admin's reset, and "glömt lösenord" through a real SMTP server."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.auth.passwords import password_problem, verify_password
from survey_app.extensions import db
from survey_app.models import AuditEvent, PasswordReset, RoleKind, StaffSession, StaffUser
from tests import factories, smtp_server
from tests.conftest import login

COACH = "anna.berg@example.org"
ADMIN = "chef@example.org"
NEW_PASSWORD = "kaffe gruva vinter lampa"
PUBLIC_URL = "http://localhost"  # the test client's own host: see the forged-Host test


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {**smtp_server.SETTINGS, "public_url": PUBLIC_URL}


@pytest.fixture
def inbox() -> Iterator[smtp_server.Inbox]:
    with smtp_server.smtp_server() as received:
        yield received


@pytest.fixture
def accounts(app: Flask) -> None:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(owner, "Gröna vägen")
        factories.user(owner, RoleKind.STAFF, [insats], email=COACH)
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        db.session.commit()


def _user(app: Flask, email: str = COACH) -> StaffUser:
    with app.app_context():
        user = db.session.scalars(sa.select(StaffUser).where(StaffUser.email == email)).one()
        db.session.expunge(user)
        return user


def _actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _signed_in(email: str, app: Flask, password: str = factories.PASSWORD) -> FlaskClient:
    client = app.test_client()
    login(client, email, password)
    return client


def _can_sign_in(app: Flask, password: str, email: str = COACH) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


# --- the policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "Lösenordet måste ha minst 15 tecken."),
        ("password12345678", "Det liknar ett vanligt lösenord."),
        ("qwertyuiopasdfgh", "för lätt att gissa"),
        ("aaaaaaaaaaaaaaaaaaaa", "Upprepningar som ”aaa”"),
        ("lösenord12345678", "för lätt att gissa"),
        ("AnnaBerg1234567", "för lätt att gissa"),
        ("Skaraborg2025!!!", "för lätt att gissa"),
        ("anna.berg@example.org", "Det innehåller ord som hör till kontot eller tjänsten."),
    ],
)
def test_common_and_personal_passwords_are_refused_in_swedish(password: str, message: str) -> None:
    problem = password_problem(password, [COACH, "Skaraborg"])
    assert problem is not None and message in problem


@pytest.mark.parametrize(
    "password",
    [
        "kaffe gruva vinter lampa",  # only lower-case letters and spaces: no composition rules
        "Min katt heter Doris och är grå",
        "x" * 3 + "7Qm!zR#p2Lw9vB",
        "ett lösenord med åäö och över sextiofyra tecken, vilket också ska gå bra",
    ],
)
def test_long_unguessable_passwords_are_accepted_without_composition_rules(
    password: str,
) -> None:
    assert password_problem(password, [COACH, "Skaraborg"]) is None


def test_the_account_itself_is_part_of_what_is_guessed() -> None:
    # Hard to guess for a stranger, but made of the account's own e-mail and förbund.
    assert password_problem("bergqvist@skaraborg") is None
    assert password_problem("bergqvist@skaraborg", ["bergqvist@skaraborg.se", "Skaraborg"])


# --- changing one's own -----------------------------------------------------------------------


@pytest.mark.usefixtures("accounts")
def test_a_user_changes_the_own_password_with_the_current_one(app: Flask) -> None:
    client = _signed_in(COACH, app)
    page = client.get("/konto/losenord").get_data(as_text=True)
    assert "Byt lösenord" in page and "Minst 15 tecken" in page
    response = client.post(
        "/konto/losenord",
        data={
            "current_password": factories.PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200, "the session that changed it goes on"
    assert _can_sign_in(app, NEW_PASSWORD)
    assert not _can_sign_in(app, factories.PASSWORD)
    assert _actions(app)[-3:] == ["password_changed", "login", "login_failed"]


@pytest.mark.usefixtures("accounts")
def test_a_password_change_ends_the_users_other_sessions(app: Flask) -> None:
    elsewhere = _signed_in(COACH, app)
    here = _signed_in(COACH, app)
    here.post(
        "/konto/losenord",
        data={
            "current_password": factories.PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat": NEW_PASSWORD,
        },
    )
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


@pytest.mark.usefixtures("accounts")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"current_password": "not my password", "new_password": NEW_PASSWORD},
            "Det nuvarande lösenordet stämmer inte.",
        ),
        ({"new_password": "password1234"}, "Lösenordet måste ha minst 15 tecken."),
        ({"new_password": "password12345678"}, "Det liknar ett vanligt lösenord."),
        ({"new_password": factories.PASSWORD}, "Välj ett annat lösenord än det du har nu."),
        ({"repeat": "something else entirely"}, "Lösenorden är inte likadana."),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(
    app: Flask, data: dict[str, str], message: str
) -> None:
    client = _signed_in(COACH, app)
    form = {"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, **data}
    form.setdefault("repeat", form["new_password"])
    response = client.post("/konto/losenord", data=form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert verify_password(_user(app).password_hash, factories.PASSWORD)
    wrong_current = data.get("current_password") == "not my password"
    assert ("password_change_failed" in _actions(app)) is wrong_current


# --- the forced change --------------------------------------------------------------------------


@pytest.fixture
def new_account(app: Flask) -> None:
    """An account as an admin creates it: the admin typed the password."""
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(owner, "Gröna vägen")
        factories.user(owner, RoleKind.STAFF, [insats], email=COACH, must_change_password=True)
        db.session.commit()


@pytest.mark.usefixtures("new_account")
def test_the_first_sign_in_leads_to_choosing_an_own_password_before_anything_else(
    app: Flask,
) -> None:
    client = app.test_client()
    response = client.post("/login", data={"email": COACH, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/konto/losenord"
    page = client.get("/konto/losenord").get_data(as_text=True)
    assert "Välj ett eget lösenord" in page
    for path in ("/", "/konto/tvastegs", "/insatser/1", "/admin/personal"):
        assert client.get(path).headers.get("Location") == "/konto/losenord", path
    client.post(
        "/konto/losenord",
        data={
            "current_password": factories.PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat": NEW_PASSWORD,
        },
    )
    assert client.get("/").status_code == 200
    assert not _user(app).must_change_password
    with app.app_context():
        changed = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "password_changed")
        ).one()
        assert changed.details == {"forced": True}


@pytest.mark.usefixtures("new_account")
def test_signing_out_works_during_the_forced_change(app: Flask) -> None:
    client = _signed_in(COACH, app)
    assert client.post("/logout").headers["Location"] == "/login"
    assert client.get("/konto/losenord").headers["Location"].startswith("/login")


# --- an admin's reset -------------------------------------------------------------------------


@pytest.mark.usefixtures("accounts")
def test_an_admin_gives_a_temporary_password_that_must_be_changed(app: Flask) -> None:
    coach_session = _signed_in(COACH, app)
    admin = _signed_in(ADMIN, app)
    coach_id = _user(app).id
    assert "Tillfälligt lösenord" in admin.get("/admin/personal").get_data(as_text=True)
    weak = admin.post(f"/admin/personal/{coach_id}/losenord", data={"password": "password1234"})
    assert "minst 15 tecken" in weak.get_data(as_text=True)
    response = admin.post(
        f"/admin/personal/{coach_id}/losenord", data={"password": "tillfälligt ord för anna"}
    )
    assert response.headers["Location"] == "/admin/personal"
    assert coach_session.get("/").status_code == 302, "the account's sessions ended"
    assert _user(app).must_change_password
    assert not _can_sign_in(app, factories.PASSWORD)
    client = app.test_client()
    signed_in = client.post("/login", data={"email": COACH, "password": "tillfälligt ord för anna"})
    assert signed_in.headers["Location"] == "/konto/losenord"
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "password_reset_by_admin")
        ).one()
        assert event.object_id == coach_id and event.actor_id == _user(app, ADMIN).id


@pytest.mark.usefixtures("accounts")
def test_an_admin_cannot_reset_the_own_password_there(app: Flask) -> None:
    admin = _signed_in(ADMIN, app)
    own = _user(app, ADMIN).id
    assert admin.get(f"/admin/personal/{own}/losenord").status_code == 404


# --- glömt lösenord -------------------------------------------------------------------------------


def _wait_for(inbox: smtp_server.Inbox, count: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.messages) >= count, f"{len(inbox.messages)} of {count} messages arrived"


def _link_in(inbox: smtp_server.Inbox, index: int = -1) -> str:
    body = smtp_server.text_of(inbox.messages[index][1])
    match = re.search(r"(https?://\S+/nytt-losenord/\S+)", body)
    assert match, body
    return match.group(1)


def _forgot(client: FlaskClient, email: str, **kwargs: object) -> str:
    response = client.post("/glomt-losenord", data={"email": email}, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.usefixtures("accounts")
def test_forgot_password_answers_the_same_for_unknown_addresses(
    app: Flask, inbox: smtp_server.Inbox
) -> None:
    client = app.test_client()
    assert "Glömt lösenord?" in client.get("/login").get_data(as_text=True)
    known = _forgot(client, COACH)
    unknown = _forgot(client, "nobody@example.org")
    assert known == unknown
    assert "Om adressen hör till ett konto" in known
    _wait_for(inbox, 1)
    time.sleep(0.3)  # a second message, had one been sent, would have arrived by now
    assert [recipients for recipients, _ in inbox.messages] == [[COACH]]
    assert _actions(app)[-1:] == ["password_reset_requested"]
    assert _actions(app).count("password_reset_requested") == 1, "nothing for the unknown"


@pytest.mark.usefixtures("accounts")
def test_the_reset_link_sets_a_new_password_once(app: Flask, inbox: smtp_server.Inbox) -> None:
    elsewhere = _signed_in(COACH, app)
    _forgot(app.test_client(), COACH)
    _wait_for(inbox, 1)
    link = _link_in(inbox)
    assert link.startswith(PUBLIC_URL + "/nytt-losenord/")
    token = link.rsplit("/", 1)[1]
    path = link.removeprefix(PUBLIC_URL)
    with app.app_context():
        stored = db.session.scalars(sa.select(PasswordReset.token_hash)).one()
    assert token not in stored, "only a hash of the token is stored"

    browser = app.test_client()
    page = browser.get(path).get_data(as_text=True)
    assert "Välj nytt lösenord" in page and COACH in page
    weak = browser.post(path, data={"new_password": "password1234", "repeat": "password1234"})
    assert "minst 15 tecken" in weak.get_data(as_text=True)
    done = browser.post(path, data={"new_password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.headers["Location"] == "/login"
    assert _can_sign_in(app, NEW_PASSWORD)
    assert elsewhere.get("/").status_code == 302, "every old session ended"
    again = browser.get(path)
    assert again.status_code == 404
    assert "Länken fungerar inte" in again.get_data(as_text=True)
    assert "password_reset" in _actions(app)


@pytest.mark.usefixtures("accounts")
def test_a_reset_link_expires_after_thirty_minutes(app: Flask, inbox: smtp_server.Inbox) -> None:
    _forgot(app.test_client(), COACH)
    _wait_for(inbox, 1)
    path = _link_in(inbox).removeprefix(PUBLIC_URL)
    with app.app_context():
        reset = db.session.scalars(sa.select(PasswordReset)).one()
        reset.expires_at -= timedelta(minutes=30)
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


@pytest.mark.usefixtures("accounts")
def test_a_newer_request_replaces_the_earlier_link(app: Flask, inbox: smtp_server.Inbox) -> None:
    client = app.test_client()
    _forgot(client, COACH)
    _wait_for(inbox, 1)
    _forgot(client, COACH)
    _wait_for(inbox, 2)
    first, second = _link_in(inbox, 0), _link_in(inbox, 1)
    assert first != second
    assert client.get(first.removeprefix(PUBLIC_URL)).status_code == 404
    assert client.get(second.removeprefix(PUBLIC_URL)).status_code == 200


@pytest.mark.usefixtures("accounts")
def test_reset_mails_are_throttled_per_account_without_a_different_answer(
    app: Flask, inbox: smtp_server.Inbox
) -> None:
    answers = set()
    for n in range(4):  # three per hour per account; each from its own address
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        answers.add(_forgot(client, COACH))
    _wait_for(inbox, 3)
    time.sleep(0.3)
    assert len(inbox.messages) == 3
    assert len(answers) == 1


@pytest.mark.usefixtures("accounts")
def test_forgot_password_is_throttled_per_address(app: Flask, inbox: smtp_server.Inbox) -> None:
    client = app.test_client()
    for n in range(5):
        _forgot(client, f"someone{n}@example.org")
    refused = client.post("/glomt-losenord", data={"email": "someone.else@example.org"})
    assert refused.status_code == 429
    assert inbox.messages == []


@pytest.mark.usefixtures("accounts")
def test_an_inactive_account_gets_no_mail(app: Flask, inbox: smtp_server.Inbox) -> None:
    with app.app_context():
        user = db.session.scalars(sa.select(StaffUser).where(StaffUser.email == COACH)).one()
        user.active = False
        db.session.commit()
    _forgot(app.test_client(), COACH)
    time.sleep(0.5)
    assert inbox.messages == []


@pytest.mark.usefixtures("accounts")
def test_a_forged_host_never_reaches_the_link(app: Flask, inbox: smtp_server.Inbox) -> None:
    client = app.test_client()
    response = client.post(
        "/glomt-losenord",
        data={"email": COACH},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    if response.status_code == 200:  # refusing other hosts outright (400) is as good
        _wait_for(inbox, 1)
        assert _link_in(inbox).startswith(PUBLIC_URL + "/nytt-losenord/")
    time.sleep(0.2)
    assert all("evil.example" not in smtp_server.text_of(message) for _, message in inbox.messages)


@pytest.mark.parametrize("settings_overrides", [{}])  # no SMTP server, no PUBLIC_URL
@pytest.mark.usefixtures("accounts")
def test_without_e_mail_the_page_says_to_ask_an_admin(app: Flask) -> None:
    client = app.test_client()
    text = client.post("/glomt-losenord", data={"email": COACH}).get_data(as_text=True)
    assert "Be en administratör i ditt förbund om ett tillfälligt lösenord." in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 0


def test_reset_tokens_are_redacted_from_access_logs() -> None:
    from survey_app.privacy.log_redaction import RedactLinkTokens

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"GET /nytt-losenord/%s HTTP/1.1" 200',
        ("s3cr3t",),
        None,
    )
    RedactLinkTokens().filter(record)
    assert record.getMessage() == '"GET /nytt-losenord/[dold] HTTP/1.1" 200'


@pytest.mark.usefixtures("accounts")
def test_a_reset_also_forgives_the_failed_sign_ins(app: Flask, inbox: smtp_server.Inbox) -> None:
    client = app.test_client()
    for _ in range(5):
        client.post("/login", data={"email": COACH, "password": "forgotten it"})
    assert client.post("/login", data={"email": COACH, "password": "x"}).status_code == 429
    _forgot(client, COACH)
    _wait_for(inbox, 1)
    path = _link_in(inbox).removeprefix(PUBLIC_URL)
    client.post(path, data={"new_password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    login(client, COACH, NEW_PASSWORD)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 1
