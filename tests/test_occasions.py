"""Occasion status, worked out by hand from the rule: submitted when every expected
questionnaire is in; overdue more than 14 days after the due date; otherwise begun or not."""

from __future__ import annotations

from datetime import date

import pytest

from survey_app.followup.occasions import OccasionStatus, occasion_status

DUE = date(2026, 3, 1)
BUNDLE = ["sjalvskattning", "eq5d-3l"]


@pytest.mark.parametrize(
    ("today", "started", "submitted", "expected"),
    [
        (date(2026, 3, 1), [], [], OccasionStatus.NOT_STARTED),
        (date(2026, 3, 15), [], [], OccasionStatus.NOT_STARTED),  # day 14: still in time
        (date(2026, 3, 16), [], [], OccasionStatus.OVERDUE),  # day 15
        (date(2026, 3, 2), ["sjalvskattning"], [], OccasionStatus.IN_PROGRESS),
        (date(2026, 3, 2), BUNDLE, ["sjalvskattning"], OccasionStatus.IN_PROGRESS),
        (date(2026, 4, 1), BUNDLE, ["sjalvskattning"], OccasionStatus.OVERDUE),
        (date(2026, 4, 1), BUNDLE, BUNDLE, OccasionStatus.SUBMITTED),
        (date(2026, 2, 1), BUNDLE, BUNDLE, OccasionStatus.SUBMITTED),
    ],
)
def test_status(
    today: date, started: list[str], submitted: list[str], expected: OccasionStatus
) -> None:
    status = occasion_status(
        due_date=DUE, today=today, expected=BUNDLE, started=started, submitted=submitted
    )
    assert status == expected


def test_without_configured_questionnaires_one_submission_completes_the_occasion() -> None:
    kwargs = {"due_date": DUE, "today": DUE, "expected": []}
    assert occasion_status(**kwargs, started=[], submitted=[]) == OccasionStatus.NOT_STARTED
    assert occasion_status(**kwargs, started=["x"], submitted=["x"]) == OccasionStatus.SUBMITTED
