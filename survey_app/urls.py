"""Absolute addresses the service writes (link pages, QR codes, e-mail, SMS, reminders, bulk
links): always on PUBLIC_URL, never on the host a request names. Paths inside the service's own
pages stay relative."""

from __future__ import annotations

from flask import current_app

from survey_app.config import Settings

# The path of a personal link; the route (survey/routes.py) and log redaction use it too.
LINK_PATH = "/l/"


def public_url(path: str, settings: Settings | None = None) -> str:
    """`path` (starting with /) on the service's public address."""
    settings = settings or current_app.config["SETTINGS"]
    return settings.public_url + path


def personal_link(token: str, settings: Settings | None = None) -> str:
    """The address a participant opens; the token is URL-safe base64."""
    return public_url(LINK_PATH + token, settings)
