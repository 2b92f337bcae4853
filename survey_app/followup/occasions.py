"""Occasion status and due dates: plain Python, no Flask, no database."""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import date, timedelta

# A START or EXIT questionnaire still unanswered this long after its due date is overdue.
GRACE_PERIOD = timedelta(days=14)


class OccasionStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    OVERDUE = "overdue"


STATUS_LABELS = {
    OccasionStatus.NOT_STARTED: "Ej påbörjad",
    OccasionStatus.IN_PROGRESS: "Påbörjad",
    OccasionStatus.SUBMITTED: "Inskickad",
    OccasionStatus.OVERDUE: "Försenad",
}


class QuestionnaireState(enum.StrEnum):
    """How far one questionnaire of an occasion has come (its response's status, or none)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


QUESTIONNAIRE_STATE_LABELS = {
    QuestionnaireState.NOT_STARTED: "Ej påbörjad",
    QuestionnaireState.IN_PROGRESS: "Påbörjad",
    QuestionnaireState.SUBMITTED: "Inskickad",
}


def occasion_label(kind: str, number: int) -> str:
    """How staff pages, the audit log and exports name an occasion: "Start", "Uppföljning 2",
    "Avslut", "Uppföljning 6 mån efter avslut" (an "after" occasion's number is its months
    after the exit date)."""
    if kind == "start":
        return "Start"
    if kind == "exit":
        return "Avslut"
    if kind == "after":
        return f"Uppföljning {number} mån efter avslut"
    return f"Uppföljning {number}"


def occasion_status(
    *,
    due_date: date,
    today: date,
    expected: Collection[str],
    started: Collection[str],
    submitted: Collection[str],
) -> OccasionStatus:
    """Status of one occasion from the questionnaire ids expected, started and submitted.

    Submitted means every expected questionnaire is submitted (at least one when none is
    configured). Past the grace period anything not submitted is overdue, even if begun, because
    staff must act on it.
    """
    done = set(submitted)
    wanted = set(expected)
    if done and wanted <= done:
        return OccasionStatus.SUBMITTED
    if today > due_date + GRACE_PERIOD:
        return OccasionStatus.OVERDUE
    if done or set(started):
        return OccasionStatus.IN_PROGRESS
    return OccasionStatus.NOT_STARTED
