"""Sign-in throttling stops guessing without locking out the owner: with the default limits,
a stranger's many guesses from one address stop the stranger only; guessing spread over many
addresses spaces attempts out (a back-off, never a lock) except from the owner's own browser;
the counters are shared by every worker through Redis."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app import create_app
from survey_app.auth.throttle import KNOWN_DEVICE_COOKIE, account_key
from survey_app.extensions import db
from survey_app.models import RoleKind
from tests import factories
from tests.conftest import make_settings, unavailable

OWNER = "coordinator@example.org"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def database_url(tmp_path: object) -> str:
    # The throttle is not about the database: SQLite alone keeps these (argon2-heavy) tests short.
    return f"sqlite:///{tmp_path}/throttle.sqlite3"


@pytest.fixture
def account(app: Flask) -> None:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        insats = factories.insats(owner, "Gröna vägen")
        factories.user(owner, RoleKind.STAFF, [insats], email=OWNER)
        db.session.commit()


def _from(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _attempt(client: FlaskClient, password: str, email: str = OWNER) -> int:
    return client.post("/login", data={"email": email, "password": password}).status_code


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


@pytest.mark.usefixtures("account")
def test_twenty_correct_sign_ins_in_a_row_all_work(app: Flask) -> None:
    office = _from(app, "192.0.2.10")
    for n in range(20):
        assert _attempt(office, factories.PASSWORD) == 302, f"sign-in {n + 1}"
        assert _signed_in(office)
        assert office.post("/logout").status_code == 302
        assert not _signed_in(office)


@pytest.mark.usefixtures("account")
def test_a_strangers_hundred_guesses_do_not_stop_the_owner_elsewhere(app: Flask) -> None:
    stranger = _from(app, "203.0.113.66")
    statuses = [_attempt(stranger, f"guess number {n}") for n in range(100)]
    # The stranger's guesses were checked only until the account-and-address limit (5).
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}
    assert _attempt(stranger, factories.PASSWORD) == 429, "not even the right one from there"
    owner = _from(app, "198.51.100.20")  # a new browser, too: no known-device cookie
    assert _attempt(owner, factories.PASSWORD) == 302
    assert _signed_in(owner)


def _known_device(app: Flask, address: str) -> FlaskClient:
    """The owner's own browser: it has signed in before (and signed out)."""
    browser = _from(app, address)
    assert _attempt(browser, factories.PASSWORD) == 302
    assert browser.get_cookie(KNOWN_DEVICE_COOKIE, path="/login") is not None
    browser.post("/logout")
    return browser


BACK_OFF = {"login_backoff_after": 2, "login_backoff_max_seconds": 60}


def _guess_from_many_addresses(app: Flask) -> None:
    """Five wrong guesses, each from its own address, as fast as the back-off lets them: after
    two failures each attempt takes the account's slot for 1, 2, then 4 seconds."""
    for n, pause in enumerate([0, 0, 0, 1.2, 2.2]):
        time.sleep(pause)
        assert _attempt(_from(app, f"203.0.113.{n + 1}"), f"guess {n}") == 200, n


def _wait_seconds(text: str) -> int:
    match = re.search(r"Vänta (\d+|en) sekund", text)
    assert match, text[-600:]
    return 1 if match.group(1) == "en" else int(match.group(1))


@pytest.mark.parametrize("settings_overrides", [BACK_OFF])
@pytest.mark.usefixtures("account")
def test_guessing_from_many_addresses_is_spaced_out_but_the_owners_browser_is_not(
    app: Flask,
) -> None:
    owners_browser = _known_device(app, "198.51.100.20")
    _guess_from_many_addresses(app)
    # Right after the fifth guess the slot is taken for about four seconds: anyone else waits,
    # from yet another address, or the owner from a browser never used for this account.
    waiting = _from(app, "203.0.113.9").post("/login", data={"email": OWNER, "password": "x"})
    assert waiting.status_code == 429
    assert 1 <= _wait_seconds(waiting.get_data(as_text=True)) <= 4
    assert _attempt(_from(app, "198.51.100.99"), factories.PASSWORD) == 429
    # The owner's own browser signs in at once.
    assert _attempt(owners_browser, factories.PASSWORD) == 302
    assert _signed_in(owners_browser)


@pytest.mark.parametrize("settings_overrides", [BACK_OFF])
@pytest.mark.usefixtures("account")
def test_the_back_off_is_a_wait_not_a_lock(app: Flask) -> None:
    _guess_from_many_addresses(app)
    new_browser = _from(app, "198.51.100.99")
    refused = new_browser.post("/login", data={"email": OWNER, "password": factories.PASSWORD})
    assert refused.status_code == 429
    time.sleep(_wait_seconds(refused.get_data(as_text=True)) + 0.2)
    assert _attempt(new_browser, factories.PASSWORD) == 302
    assert _signed_in(new_browser)


@pytest.mark.parametrize("settings_overrides", [BACK_OFF])
@pytest.mark.usefixtures("account")
def test_a_forged_known_device_cookie_does_not_skip_the_back_off(app: Flask) -> None:
    _guess_from_many_addresses(app)
    forger = _from(app, "203.0.113.9")
    forger.set_cookie(KNOWN_DEVICE_COOKIE, '["0123456789abcdef0123456789abcdef"]', path="/login")
    assert _attempt(forger, factories.PASSWORD) == 429


@pytest.mark.parametrize("settings_overrides", [{"login_failures_per_address": "8 per 10 minutes"}])
@pytest.mark.usefixtures("account")
def test_guessing_at_many_accounts_from_one_address_is_stopped(app: Flask) -> None:
    sprayer = _from(app, "203.0.113.50")
    for n in range(8):
        assert _attempt(sprayer, "Sommar2024!", email=f"person{n}@example.org") == 200
    assert _attempt(sprayer, "Sommar2024!", email="someone.else@example.org") == 429
    assert _attempt(_from(app, "198.51.100.20"), factories.PASSWORD) == 302


@pytest.mark.parametrize("settings_overrides", [{"login_failures_per_address": "3 per 10 minutes"}])
@pytest.mark.usefixtures("account")
def test_successful_sign_ins_do_not_use_up_an_offices_shared_address(app: Flask) -> None:
    # An office of tablets behind one address: many sign-ins, a couple of typos.
    office = _from(app, "192.0.2.10")
    for _ in range(6):
        assert _attempt(office, factories.PASSWORD) == 302
        office.post("/logout")
    assert _attempt(office, "one typo") == 200
    assert _attempt(office, "two typos") == 200
    assert _attempt(office, factories.PASSWORD) == 302


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as exc:
        unavailable(f"Redis is not reachable at {REDIS_URL} ({exc.__class__.__name__})")
    yield REDIS_URL
    connection.close()


def test_failures_counted_by_one_worker_stop_guesses_at_another(
    tmp_path: object, redis_url: str
) -> None:
    """Two app instances stand for two gunicorn workers sharing the counters in Redis; a
    success at one clears what the other counted."""
    settings = make_settings(
        f"sqlite:///{tmp_path}/workers.sqlite3",
        ratelimit_storage_uri=redis_url,
        login_failures_per_account_and_address="3 per 15 minutes",
        login_failures_per_address="100000 per 10 minutes",
    )
    email = f"{uuid.uuid4().hex[:12]}@example.org"  # this run's own counters in a shared Redis
    address = f"192.0.2.{uuid.uuid4().int % 250 + 1}"
    first = create_app(settings)
    with first.app_context():
        db.create_all()
        factories.user(factories.forbund(), RoleKind.ANALYST, email=email)
        db.session.commit()
    second = create_app(settings)  # its own limiter storage object, the same Redis
    try:
        for n in range(2):
            assert _attempt(_from(first, address), f"wrong {n}", email) == 200
        assert _attempt(_from(second, address), factories.PASSWORD, email) == 302
        for n in range(3):  # the success at the second worker cleared the first one's count
            assert _attempt(_from(first, address), f"wrong again {n}", email) == 200
        assert _attempt(_from(second, address), factories.PASSWORD, email) == 429
    finally:
        import redis

        with first.test_request_context():
            account = account_key(email)
        connection = redis.Redis.from_url(redis_url)
        stale = connection.keys(f"*{address}*") + connection.keys(f"*{account}*")
        if stale:
            connection.delete(*stale)
        connection.close()
        with first.app_context():
            db.drop_all()
            db.engine.dispose()
