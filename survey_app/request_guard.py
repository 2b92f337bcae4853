"""What every request must satisfy before anything else runs: a host the service answers for
and a body of a size it accepts.

- Host: Flask's TRUSTED_HOSTS holds only PUBLIC_URL's host (create_app). A request naming
  another host (Host or, through a trusted proxy, X-Forwarded-Host) is refused with 400 before
  any hook, view or log-in runs. Links never come from the request's host anyway (urls.py).
- Ids: an <int:...> in a URL is 1 to 2**31 - 1 (PostgreSQL's integer, the type of every id);
  a larger number matches no route and answers 404, never a database error.
- Size: a view that takes a file (marked with `@takes_upload`) accepts MAX_UPLOAD_MB; every
  other request at most FORM_BODY_LIMIT. A body announced larger is answered 413 before the
  sign-in check and before a byte of it is read; a chunked body is cut off by Werkzeug at the
  same limit. Werkzeug's form limits (MAX_FORM_MEMORY_SIZE, MAX_FORM_PARTS) bound what a form
  may hold in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, SecurityError
from werkzeug.routing import IntegerConverter, Map

# The largest questionnaire page or admin form is a few tens of kilobytes.
FORM_BODY_LIMIT = 1024 * 1024
# Non-file fields of one form together (Werkzeug's MAX_FORM_MEMORY_SIZE), and the number of
# fields and files in one form (MAX_FORM_PARTS): well above the longest questionnaire page.
FORM_MEMORY_LIMIT = 500_000
FORM_PARTS_LIMIT = 1000

F = TypeVar("F", bound=Callable[..., Any])
MAX_ID = 2**31 - 1


class DatabaseInteger(IntegerConverter):
    """Flask's `int` converter, bounded to what an id column can hold."""

    def __init__(
        self,
        url_map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def takes_upload(view: F) -> F:
    """Mark a view that accepts a file of up to MAX_UPLOAD_MB (put it below @bp.route)."""
    view.takes_upload = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    """Call first in create_app, before any route is added and so that this hook runs before
    every other."""
    app.url_map.converters["int"] = DatabaseInteger
    app.config.update(
        MAX_CONTENT_LENGTH=app.config["SETTINGS"].max_upload_mb * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=FORM_MEMORY_LIMIT,
        MAX_FORM_PARTS=FORM_PARTS_LIMIT,
    )
    app.before_request_funcs.setdefault(None, []).insert(0, _guard)


def body_limit() -> int:
    """The number of bytes the current request's view accepts."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "takes_upload", False):
        return int(current_app.config["MAX_CONTENT_LENGTH"])
    return FORM_BODY_LIMIT


def _guard() -> None:
    if isinstance(request.routing_exception, SecurityError):
        # A host outside TRUSTED_HOSTS: nothing else about this request is looked at.
        raise request.routing_exception
    limit = body_limit()
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
