"""The limiter's check before every request is dropped only where it has nothing to count:
route limits are still counted by their decorators, and a default limit is never ignored."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from survey_app.extensions import check_limits_on_their_routes_only, limiter


def _app(limits: Limiter) -> Flask:
    app = Flask("limits")
    limits.init_app(app)

    @app.get("/limited")
    @limits.limit("2 per minute")
    def limited() -> str:
        return "ok"

    @app.get("/free")
    def free() -> str:
        return "ok"

    check_limits_on_their_routes_only(app, limits)
    return app


def _statuses(app: Flask, path: str, times: int) -> list[int]:
    client = app.test_client()
    return [client.get(path).status_code for _ in range(times)]


def test_without_default_limits_the_check_goes_and_route_limits_still_count() -> None:
    limits = Limiter(key_func=get_remote_address, storage_uri="memory://")
    app = _app(limits)
    assert limits._check_request_limit not in app.before_request_funcs.get(None, [])
    assert _statuses(app, "/limited", 3) == [200, 200, 429]
    assert _statuses(app, "/free", 5) == [200] * 5


def test_a_default_limit_keeps_the_check_and_is_counted() -> None:
    limits = Limiter(
        key_func=get_remote_address, storage_uri="memory://", default_limits=["3 per minute"]
    )
    app = _app(limits)
    assert limits._check_request_limit in app.before_request_funcs[None]
    assert _statuses(app, "/free", 4) == [200, 200, 200, 429]
    assert _statuses(app, "/limited", 3) == [200, 200, 429]


def test_the_service_has_no_check_before_every_request(app: Flask) -> None:
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
    assert not limiter.limit_manager.default_limits
    assert not limiter.limit_manager.application_limits
