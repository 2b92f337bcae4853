"""One structured log line per request (LOG_FORMAT=json): what happened, never to whom.

Fields: method, endpoint name (never the path: a personal link's path holds its token), status,
duration in ms, and the staff user's id when one is signed in. No addresses, no query strings,
no form data.
"""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

log = logging.getLogger("survey_app.requests")


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    user = current_user if current_user and current_user.is_authenticated else None
    log.info(
        json.dumps(
            {
                "method": request.method,
                "endpoint": request.endpoint or "unknown",
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "user": user.id if user is not None else None,
            },
            separators=(",", ":"),
        )
    )
    return response
