"""The service's notion of "today": Swedish local time, the calendar the staff work by."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def today() -> date:
    return datetime.now(STOCKHOLM).date()


def last_day(expires_at: datetime) -> date:
    """The last whole day (Swedish time) on which a link that stops working at `expires_at`
    works: what a participant is told as "gäller till och med". A link made at 10:00 on 1 March
    for 30 days stops at 10:00 on 31 March, so it is said to work through 30 March."""
    return expires_at.astimezone(STOCKHOLM).date() - timedelta(days=1)
