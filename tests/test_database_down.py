"""With the database away (down, restarting): a calm "try again" (503), never a server error,
and the health endpoint says so."""

from __future__ import annotations

import socket

from survey_app import create_app
from tests.conftest import make_settings


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: nobody listens


def test_pages_answer_try_again_while_the_database_is_away() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/test?connect_timeout=2"
    app = create_app(make_settings(url))
    client = app.test_client()
    link = client.get("/l/" + "A" * 32)
    assert link.status_code == 503
    assert link.headers["Retry-After"] == "5"
    text = link.get_data(as_text=True)
    assert "Tillfälligt avbrott" in text and "Vänta en liten stund" in text
    assert "psycopg" not in text and "127.0.0.1" not in text  # nothing of the internals
    login = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    assert login.status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json() == {"status": "database unavailable"}
