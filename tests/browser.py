"""A live server and Debian's Chromium driven by Playwright, for tests of what people see."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import Browser, sync_playwright
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.extensions import db
from tests.conftest import make_settings, unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str:
    path = shutil.which(CHROMIUM)
    if path is None:
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    assert path is not None
    return path


def free_port() -> int:
    """A port to serve on, known before the app is built (for a PUBLIC_URL that names it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(database: Path, port: int = 0, **overrides: object) -> Iterator[tuple[Flask, str]]:
    """The app on 127.0.0.1 (on `port`, or any free one) with a fresh SQLite database, served
    from a thread. Its PUBLIC_URL is the server's own address unless a test names another (the
    port is known once the server has its socket)."""
    server = make_server("127.0.0.1", port, _not_ready, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = {"csrf_enabled": True, "public_url": url, **overrides}
    app = create_app(make_settings(f"sqlite:///{database}", **settings))
    with app.app_context():
        db.create_all()
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, url
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def _not_ready(_environ: object, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@contextmanager
def chromium() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
