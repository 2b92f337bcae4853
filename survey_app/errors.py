"""Error pages in Swedish that reveal nothing about the data or the code."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError

from survey_app.extensions import db
from survey_app.request_guard import body_limit

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Felaktig begäran", "Något i begäran var fel. Gå tillbaka och försök igen."),
    403: ("Åtkomst nekad", "Du har inte behörighet till den här sidan."),
    413: (
        "För stort för att ta emot",
        "Det du skickade var större än tjänsten tar emot, så ingenting av det har sparats. "
        "Är det en fil, dela upp den i mindre filer och skicka dem en i taget.",
    ),
    404: ("Sidan finns inte", "Sidan finns inte, eller så har du inte behörighet att se den."),
    405: ("Felaktig begäran", "Sidan kan inte användas på det här sättet."),
    429: (
        "För många försök",
        "Det har gjorts för många försök på kort tid. Vänta en stund och försök igen.",
    ),
    503: (
        "Tillfälligt avbrott",
        "Tjänsten kommer inte åt sin databas just nu. Ingenting av det du just skickade har "
        "sparats, men det du sparat tidigare finns kvar. Vänta en liten stund och försök igen.",
    ),
    500: (
        "Något gick fel",
        "Något gick fel hos oss. Ingenting av det du just skickade har sparats. Försök igen om en "
        "stund.",
    ),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(SecurityError, _unknown_host)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(500, _server_error)


def _page(code: int, message: str | None = None) -> tuple[str, int]:
    title, default = MESSAGES.get(code, MESSAGES[400])
    return render_template("error.html", title=title, message=message or default), code


def _csrf_error(_error: CSRFError) -> tuple[str, int]:
    if request.blueprint == "survey":
        # A participant's page left open too long: calm words and a way to carry on.
        return render_template("survey/page_expired.html"), 400
    return _page(
        400,
        "Formuläret kunde inte skickas eftersom sidan varit öppen för länge eller sessionen har "
        "bytts. Ladda om sidan och försök igen.",
    )


def _unknown_host(_error: SecurityError) -> tuple[str, int]:
    """A request for a host the service does not answer for (request_guard.py). No template:
    the page would build links, and there is no trusted host to build them on."""
    title, message = "Fel adress", "Tjänsten svarar inte på den här adressen."
    return f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>", 400


def _too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    _title, message = MESSAGES[413]
    megabytes = max(body_limit() // (1024 * 1024), 1)
    return _page(413, f"{message} Största storlek här: {megabytes} MB.")


def _rate_limited(_error: RateLimitExceeded) -> tuple[str, int]:
    return _page(429)


def _http_error(error: HTTPException) -> tuple[str, int]:
    return _page(error.code or 500)


def _database_unavailable(_error: OperationalError) -> tuple[str, int, dict[str, str]]:
    """The database is down or restarting: a calm "try again", not a server error. The
    transaction is rolled back, so nothing of the request is half-stored."""
    log.warning("database unavailable: %s %s", request.method, request.endpoint)
    title, message = MESSAGES[503]
    try:
        db.session.rollback()
        page = render_template("error.html", title=title, message=message)
    except OperationalError:  # the page itself needed the database (the signed-in user)
        page = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
    return page, 503, {"Retry-After": "5"}


def _server_error(_error: Exception) -> tuple[str, int]:
    db.session.rollback()
    return _page(500)
