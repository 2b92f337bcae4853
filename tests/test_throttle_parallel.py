"""A burst of parallel password guesses against one account gets no more tries than the limit:
each attempt is counted before its password is checked (and given back only if it succeeds)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from survey_app.extensions import db
from survey_app.models import RoleKind
from tests import factories
from tests.browser import live_server

LIMIT = 5
GUESSES = 30


def _post(url: str) -> int:
    body = urllib.parse.urlencode({"email": "target@example.org", "password": "guess"}).encode()
    request = urllib.request.Request(url + "/login", data=body, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (127.0.0.1)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_parallel_guesses_are_counted_before_the_password_check(tmp_path: Path) -> None:
    with live_server(
        tmp_path / "throttle.sqlite3",
        csrf_enabled=False,
        login_failures_per_account_and_address=f"{LIMIT} per 15 minutes",
        login_failures_per_address="1000 per 10 minutes",
    ) as (app, url):
        with app.app_context():
            owner = factories.forbund()
            factories.user(owner, RoleKind.ADMIN, email="target@example.org")
            db.session.commit()
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(_post, [url] * GUESSES))
    checked = statuses.count(200)  # the password was checked (and was wrong)
    assert checked == LIMIT, statuses
    assert statuses.count(429) == GUESSES - LIMIT
