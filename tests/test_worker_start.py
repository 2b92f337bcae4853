"""A gunicorn worker's start (gunicorn.conf.py's post_worker_init): every template compiled
before the first request, and what the worker holds then frozen out of the cycle collector."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_compiles_every_template_before_its_first_request(app: Flask) -> None:
    pages = sorted(
        p.relative_to(ROOT / "survey_app" / "templates").as_posix()
        for p in (ROOT / "survey_app" / "templates").rglob("*.html")
    )
    assert "survey/page.html" in pages and "survey/intro.html" in pages
    compiled_before = {key[1] for key in app.jinja_env.cache or {}}
    assert not compiled_before & set(pages)  # nothing rendered yet
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        settings["post_worker_init"](SimpleNamespace(wsgi=app))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    compiled = {key[1] for key in app.jinja_env.cache or {}}
    assert set(pages) <= compiled
