"""LOG_FORMAT=json: one line per request with the endpoint, status and time; never a path,
a token, an address or a participant's data."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask

from tests.survey_helpers import PAGES, Setup, answer_all, create_link, make_setup, staff_client


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"log_format": "json"}


def test_request_lines_hold_no_token_and_no_answers(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    setup: Setup = make_setup(app)
    staff = staff_client(app)
    path = create_link(staff, setup)
    token = path.removeprefix("/l/")
    with caplog.at_level(logging.INFO, logger="survey_app.requests"):
        caplog.clear()  # the staff's requests above
        participant = app.test_client()
        participant.get(path)
        answer_all(participant)
    lines = [r.getMessage() for r in caplog.records if r.name == "survey_app.requests"]
    entries = [json.loads(line) for line in lines]
    assert entries[0] == {
        "method": "GET",
        "endpoint": "survey.open_link",
        "status": 200,
        "ms": entries[0]["ms"],
        "user": None,
    }
    assert {e["endpoint"] for e in entries} >= {"survey.open_link", "survey.page"}
    assert all(isinstance(e["ms"], float) for e in entries)
    text = "\n".join(lines)
    assert token[:8] not in text and "/l/" not in text and "/svar" not in text
    assert not any(value in text for page in PAGES for value in page if value.startswith("item_"))
    assert "127.0.0.1" not in text
