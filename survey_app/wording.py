"""Small helpers for the words on staff pages: plural forms and dates in Swedish time."""

from __future__ import annotations

from datetime import datetime

from survey_app.clock import STOCKHOLM, last_day


def plural(count: int, one: str, many: str) -> str:
    """'1 sida', '2 sidor', '0 sidor': the count with the noun in the form it takes."""
    return f"{count} {one if count == 1 else many}"


def local_date(moment: datetime | None) -> str:
    """The calendar day (Swedish time) of a stored UTC time, as 2026-03-02; '' for none."""
    if moment is None:
        return ""
    return moment.astimezone(STOCKHOLM).date().isoformat()


def local_time(moment: datetime | None) -> str:
    """Day and minute (Swedish time) of a stored UTC time, as 2026-03-02 14:05; '' for none."""
    if moment is None:
        return ""
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def link_last_day(expires_at: datetime) -> str:
    """The "gäller till och med" day of a personal link (clock.last_day), as 2026-03-30."""
    return last_day(expires_at).isoformat()
