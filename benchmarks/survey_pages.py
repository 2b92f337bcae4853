"""Server time to render and to save a questionnaire page, and the page's weight.

A participant opens a personal link to the START bundle (självskattning and EQ-5D-3L); the first
page (three 1–10 scales) is rendered and saved repeatedly through the test client. Weight is the
HTML plus the one stylesheet it loads; the page loads nothing else and nothing from another host.

Beside it, the same HTML served as a string by a bare Flask app (no session, no database, no
template) through the same test client, interleaved, and the ratio of the medians (issue 17:
at most 5); and the SQL statements of one page GET and POST (also counted by
tests/test_page_statements.py).
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask

from survey_app import create_app
from survey_app.config import Settings
from survey_app.extensions import db
from tests.sql_statements import statements
from tests.survey_helpers import PAGES, create_link, make_setup, staff_client

REPEATS = 200


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            Settings(
                secret_key="benchmark-secret-key-0123456789",
                database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                testing=True,
                csrf_enabled=False,
                cookie_secure=False,
            )
        )
        with app.app_context():
            db.create_all()
        setup = make_setup(app)
        participant = app.test_client()
        participant.get(create_link(staff_client(app), setup))

        html = participant.get("/svar/sida/1").data
        bare = Flask("bare").test_client()
        bare.application.add_url_rule("/page", "page", lambda: html)

        render, save, string = [], [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            page = participant.get("/svar/sida/1")
            render.append((time.perf_counter() - started) * 1000)
            assert page.status_code == 200
            started = time.perf_counter()
            served = bare.get("/page")
            string.append((time.perf_counter() - started) * 1000)
            assert served.data == html
            started = time.perf_counter()
            saved = participant.post("/svar/sida/1", data=PAGES[0])
            save.append((time.perf_counter() - started) * 1000)
            assert saved.status_code == 302

        with statements(app) as opened:
            participant.get("/svar/sida/1")
        get_count = len(opened)
        with statements(app) as saved:
            participant.post("/svar/sida/1", data=PAGES[0])
        post_count = len(saved)
        assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
        external = re.findall(rb'(?:href|src)="(https?:)?//', html)
        weight = len(html) + sum(len(participant.get(a.decode()).data) for a in assets)
        print(f"questionnaire page render, median of {REPEATS}: {statistics.median(render):.1f} ms")
        as_string = statistics.median(string)
        print(
            f"the same HTML served as a string, median of {REPEATS}: {as_string:.2f} ms; "
            f"render / string: {statistics.median(render) / as_string:.1f}"
        )
        print(f"questionnaire page save, median of {REPEATS}: {statistics.median(save):.1f} ms")
        print(
            f"SQL statements (SQLite, BEGIN IMMEDIATE included): page GET {get_count}, "
            f"page POST {post_count}"
        )
        print(
            f"questionnaire page weight: {weight / 1024:.1f} KB "
            f"(HTML {len(html) / 1024:.1f} KB + {len(assets)} asset(s)), "
            f"references to other hosts: {len(external)}"
        )
        with app.app_context():
            db.engine.dispose()
