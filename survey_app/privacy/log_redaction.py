"""Keep personal-link and password-reset tokens out of access logs (the dev server's and
gunicorn's)."""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"/(l|nytt-losenord)/[^\s?\"'/]+")
REDACTED = r"/\1/[dold]"
# The access logs, and the app's own logger (Flask logs "Exception on <path>" there).
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "survey_app")


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/l/" in message or "/nytt-losenord/" in message:
            record.msg = TOKEN_IN_PATH.sub(REDACTED, message)
            record.args = None
        return True


def install() -> None:
    """Idempotent: each access logger gets the filter once."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())
