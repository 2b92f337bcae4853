"""What is due per insats ("Att göra"): plain Python on plain data, no Flask, no database.

Occasions that exist are judged by `occasions.occasion_status`. Occasions that should exist but
do not yet are derived here: a follow-up every `followup_interval_months` from the start date
while the participation lasts, an EXIT once an exit date is set, and the insats' follow-ups
after the exit (`after_exit_months`: one occasion of kind "after" per number of months after
the exit date). Open violence follow-up flags are items of their own.

Someone who has left (an exit date is set) is due for nothing but the EXIT and follow-ups after
the exit date: a START or a follow-up they did not answer while taking part is not asked of
them any more, so it is no longer listed (a submitted one still is, as done).
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from survey_app.followup.occasions import GRACE_PERIOD, OccasionStatus, occasion_label

# Occasions due within this many days are shown as coming up.
LOOKAHEAD = timedelta(days=14)


class Urgency(enum.IntEnum):
    """Lower sorts first."""

    OVERDUE = 0
    FLAG = 1
    DUE = 2
    IN_PROGRESS = 3
    UPCOMING = 4
    DONE = 5


URGENCY_LABELS = {
    Urgency.OVERDUE: "Försenad",
    Urgency.FLAG: "Uppföljning behövs",
    Urgency.DUE: "Ska besvaras nu",
    Urgency.IN_PROGRESS: "Påbörjad",
    Urgency.UPCOMING: "Kommer snart",
    Urgency.DONE: "Inskickad",
}

# Within one urgency, EXIT comes first: it is the occasion lost when a participant leaves in a
# hurry, and it cannot be caught up later the way a follow-up can.
_KIND_ORDER = {"exit": 0, "start": 1, "followup": 2, "after": 3, "flag": 4}


@dataclass(frozen=True)
class OccasionFacts:
    kind: str  # "start" / "followup" / "exit" / "after"
    number: int
    due_date: date
    status: OccasionStatus
    occasion_id: int | None = None


@dataclass(frozen=True)
class ParticipationFacts:
    participation_id: int
    code: str
    start_date: date
    exit_date: date | None
    active: bool
    occasions: list[OccasionFacts] = field(default_factory=list)
    open_flags: int = 0


@dataclass(frozen=True)
class TodoItem:
    participation_id: int
    code: str
    kind: str  # "start" / "followup" / "exit" / "after" / "flag"
    number: int
    due_date: date | None
    urgency: Urgency
    occasion_id: int | None  # None: the occasion is not created yet, or a flag

    @property
    def label(self) -> str:
        if self.kind == "flag":
            return "Uppföljning av svar om våld"
        return occasion_label(self.kind, self.number)

    @property
    def done(self) -> bool:
        return self.urgency == Urgency.DONE

    @property
    def urgency_label(self) -> str:
        return URGENCY_LABELS[self.urgency]


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the last day of a shorter month (31 Jan -> 28 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _urgency(status: OccasionStatus, due_date: date, today: date) -> Urgency:
    if status == OccasionStatus.SUBMITTED:
        return Urgency.DONE
    if status == OccasionStatus.OVERDUE:
        return Urgency.OVERDUE
    if status == OccasionStatus.IN_PROGRESS:
        return Urgency.IN_PROGRESS
    return Urgency.DUE if due_date <= today else Urgency.UPCOMING


def _missing_status(due_date: date, today: date) -> OccasionStatus:
    return OccasionStatus.OVERDUE if today > due_date + GRACE_PERIOD else OccasionStatus.NOT_STARTED


def items_for(
    participation: ParticipationFacts,
    interval_months: int | None,
    today: date,
    after_exit_months: Sequence[int] = (),
) -> list[TodoItem]:
    """Every item of one participation, done ones included, in no particular order."""
    p = participation
    items: list[TodoItem] = []

    def add(kind: str, number: int, due: date, status: OccasionStatus, occ: int | None) -> None:
        urgency = _urgency(status, due, today)
        if urgency == Urgency.UPCOMING and due > today + LOOKAHEAD:
            return
        if urgency != Urgency.DONE and not still_asked(kind, due):
            return
        items.append(TodoItem(p.participation_id, p.code, kind, number, due, urgency, occ))

    def still_asked(kind: str, due: date) -> bool:
        """Whether the occasion is still asked of the participant: always while they take part;
        once they have left, only the EXIT and follow-ups after the exit date."""
        if p.exit_date is None:
            return True
        return kind in ("exit", "after") or (kind == "followup" and due > p.exit_date)

    for occasion in p.occasions:
        add(
            occasion.kind, occasion.number, occasion.due_date, occasion.status, occasion.occasion_id
        )

    followups = {o.number for o in p.occasions if o.kind == "followup"}
    if interval_months and p.exit_date is None:
        # Follow-ups fall due while the participation lasts, up to the look-ahead window.
        number = 1
        while (due := add_months(p.start_date, number * interval_months)) <= today + LOOKAHEAD:
            if number not in followups:
                add("followup", number, due, _missing_status(due, today), None)
            number += 1

    has_exit = any(o.kind == "exit" for o in p.occasions)
    if p.exit_date is not None and not has_exit:
        add("exit", 0, p.exit_date, _missing_status(p.exit_date, today), None)

    if p.exit_date is not None:
        afters = {o.number for o in p.occasions if o.kind == "after"}
        for months in after_exit_months:
            if months not in afters:
                due = add_months(p.exit_date, months)
                add("after", months, due, _missing_status(due, today), None)

    if p.open_flags:
        items.append(
            TodoItem(p.participation_id, p.code, "flag", p.open_flags, None, Urgency.FLAG, None)
        )
    return items


def sort_key(item: TodoItem) -> tuple[int, int, date, str]:
    return (item.urgency, _KIND_ORDER[item.kind], item.due_date or date.min, item.code)


def todo_list(
    participations: Iterable[ParticipationFacts],
    interval_months: int | None,
    today: date,
    after_exit_months: Sequence[int] = (),
) -> list[TodoItem]:
    """All items of an insats, most urgent first: overdue, flags, due now, begun, coming, done."""
    items = [
        i for p in participations for i in items_for(p, interval_months, today, after_exit_months)
    ]
    return sorted(items, key=sort_key)


# Filters offered on the page: name -> (label, the urgencies shown).
FILTERS: dict[str, tuple[str, frozenset[Urgency]]] = {
    "att-gora": ("Att göra", frozenset(set(Urgency) - {Urgency.DONE})),
    "forsenade": ("Försenade", frozenset({Urgency.OVERDUE})),
    "uppfoljning": ("Uppföljning behövs", frozenset({Urgency.FLAG})),
    "pagaende": ("Påbörjade", frozenset({Urgency.IN_PROGRESS})),
    "klara": ("Inskickade", frozenset({Urgency.DONE})),
    "alla": ("Alla", frozenset(Urgency)),
}

KIND_FILTERS = {
    "": "Alla tillfällen",
    "start": "Start",
    "followup": "Uppföljning",
    "after": "Efter avslut",
    "exit": "Avslut",
}


def apply_filters(items: list[TodoItem], show: str, kind: str) -> list[TodoItem]:
    wanted = FILTERS.get(show, FILTERS["att-gora"])[1]
    return [i for i in items if i.urgency in wanted and (not kind or i.kind == kind)]
