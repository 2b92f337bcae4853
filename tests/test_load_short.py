"""Short versions of the load and fault runs (`benchmarks/load.py`): gunicorn with several
workers, participants answering in parallel over HTTP. Timing is not asserted here (see
`make bench` and docs/benchmarks.md): only that nothing fails and every response a participant
was told was saved is stored exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.export_scale import app_on
from benchmarks.load import run
from survey_app.extensions import db


@pytest.fixture
def fresh_database(database_url: str) -> object:
    yield database_url
    app = app_on(database_url)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_participants_in_parallel_are_all_stored_once(fresh_database: str, tmp_path: Path) -> None:
    outcome = run(
        fresh_database,
        participants=8,
        seconds=4,
        workers=3,
        links=300,
        log=tmp_path / "gunicorn.log",
    )
    assert outcome.server_errors == 0, (tmp_path / "gunicorn.log").read_text()[-3000:]
    assert outcome.unexpected == []
    assert outcome.told_saved > 0
    assert outcome.stored_once, outcome.problems
    # Every request counted under its kind, and no link's token in a kind's name.
    assert sum(n for n, _, _ in outcome.by_kind.values()) == outcome.requests
    assert {"GET /l/…", "GET /svar/sida", "POST /svar/sida", "POST /svar/skicka"} <= set(
        outcome.by_kind
    )


def test_a_worker_killed_mid_submission_loses_nothing(fresh_database: str, tmp_path: Path) -> None:
    outcome = run(
        fresh_database,
        participants=8,
        seconds=5,
        workers=3,
        links=300,
        kill_worker_at=2,
        log=tmp_path / "gunicorn.log",
    )
    assert outcome.workers_killed == 1
    assert outcome.server_errors == 0, (tmp_path / "gunicorn.log").read_text()[-3000:]
    assert outcome.unexpected == []
    assert outcome.told_saved > 0
    assert outcome.stored_once, outcome.problems
