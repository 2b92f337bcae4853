"""Rate limits on personal-link look-ups: per token prefix and per address, failures only;
counters in memory (one process) or in a real Redis (several processes)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from survey_app import create_app
from survey_app.extensions import db
from tests.conftest import make_settings, unavailable
from tests.survey_helpers import Setup, create_link, make_setup, staff_client

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TOO_MANY = "För många försök"
LINK_BROKEN = "Länken kan inte användas längre"


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _guess(client: object, prefix: str, n: int) -> str:
    """An unknown token of the right length starting with `prefix`."""
    return f"/l/{prefix}{n:026d}"


def test_guesses_at_one_prefix_are_stopped_and_others_still_answer(app: Flask) -> None:
    guesser = app.test_client()
    statuses = [guesser.get(_guess(guesser, "abcdef", n)).status_code for n in range(10)]
    assert statuses == [404] * 10  # the calm "link does not work" page, ten times
    stopped = guesser.get(_guess(guesser, "abcdef", 10))
    assert stopped.status_code == 429
    assert TOO_MANY in stopped.get_data(as_text=True)
    other = guesser.get(_guess(guesser, "zyxwvu", 0))
    assert other.status_code == 404 and LINK_BROKEN in other.get_data(as_text=True)


def test_a_working_link_is_never_counted(app: Flask, setup: Setup) -> None:
    # An office of tablets behind one address: participants open links all day.
    path = create_link(staff_client(app), setup)
    tablet = app.test_client()
    assert all(tablet.get(path).status_code == 200 for _ in range(25))


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"link_failures_per_address": "15 per 10 minutes"}


def test_failures_from_one_address_are_capped(app: Flask) -> None:
    client = app.test_client()
    for n in range(15):  # fifteen different prefixes: the per-prefix limit never applies
        assert client.get(_guess(client, f"p{n:05d}", 0)).status_code == 404
    assert client.get(_guess(client, "q00000", 0)).status_code == 429


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


def test_counters_in_redis_are_shared_by_every_worker(database_url: str, redis_url: str) -> None:
    """Two app instances stand for two gunicorn workers: guesses spread over both are counted
    together, because the counters live in Redis (with memory storage each would count alone)."""
    import redis

    settings = make_settings(
        database_url,
        ratelimit_storage_uri=redis_url,
        # The per-address counter is shared with anyone on this machine: out of the way here.
        link_failures_per_address="100000 per 10 minutes",
    )
    first = create_app(settings)
    with first.app_context():
        db.create_all()
    token_prefix = uuid.uuid4().hex[:6]  # this run's own counter, whoever else uses the Redis
    connection = redis.Redis.from_url(redis_url)
    try:
        client = first.test_client()
        for n in range(10):
            assert client.get(_guess(client, token_prefix, n)).status_code == 404
        second = create_app(settings)  # a new limiter storage, the same Redis
        assert second.test_client().get(_guess(client, token_prefix, 99)).status_code == 429
        keys = connection.keys(f"*link-prefix:{token_prefix}*")
        assert keys, "the counter is in Redis"
        assert not any(token_prefix.encode() + b"0" in key for key in keys), "never a whole token"
    finally:
        stale = connection.keys(f"*link-prefix:{token_prefix}*")
        if stale:
            connection.delete(*stale)
        connection.close()
        with first.app_context():
            db.drop_all()
            db.engine.dispose()
