"""The "Att göra" list as plain data: which items, in which order, which filters."""

from __future__ import annotations

from datetime import date

from survey_app.followup.occasions import OccasionStatus
from survey_app.followup.todo import (
    OccasionFacts,
    ParticipationFacts,
    Urgency,
    add_months,
    apply_filters,
    items_for,
    todo_list,
)

TODAY = date(2026, 1, 20)


def _start(due: date, status: OccasionStatus) -> OccasionFacts:
    return OccasionFacts("start", 0, due, status, occasion_id=1)


def test_add_months_clamps_to_the_end_of_a_short_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


def test_overdue_exit_comes_first_then_overdue_start_then_flags_then_due() -> None:
    left = ParticipationFacts(
        1,
        "A-left",
        date(2025, 6, 1),
        exit_date=date(2025, 12, 1),  # 50 days ago, beyond the 14-day grace period
        active=False,
        occasions=[_start(date(2025, 6, 1), OccasionStatus.SUBMITTED)],
    )
    late_start = ParticipationFacts(
        2,
        "B-late",
        date(2025, 12, 1),
        None,
        True,
        [_start(date(2025, 12, 1), OccasionStatus.OVERDUE)],
    )
    new = ParticipationFacts(
        3, "C-new", TODAY, None, True, [_start(TODAY, OccasionStatus.NOT_STARTED)]
    )
    flagged = ParticipationFacts(
        4,
        "D-flag",
        date(2026, 1, 5),
        None,
        True,
        [_start(date(2026, 1, 5), OccasionStatus.SUBMITTED)],
        open_flags=1,
    )
    items = todo_list([new, flagged, late_start, left], None, TODAY)
    assert [(i.code, i.kind, i.urgency) for i in items] == [
        ("A-left", "exit", Urgency.OVERDUE),
        ("B-late", "start", Urgency.OVERDUE),
        ("D-flag", "flag", Urgency.FLAG),
        ("C-new", "start", Urgency.DUE),
        ("A-left", "start", Urgency.DONE),
        ("D-flag", "start", Urgency.DONE),
    ]
    assert items[0].occasion_id is None  # the EXIT occasion is not created yet
    assert items[0].label == "Avslut"


def test_follow_ups_fall_due_by_the_interval_from_the_start_date() -> None:
    # Every 6 months from 10 Jan 2025: 10 Jul 2025 (long overdue), 10 Jan 2026 (10 days ago,
    # still inside the grace period: due now), 10 Jul 2026 (too far ahead to show).
    facts = ParticipationFacts(
        1,
        "A",
        date(2025, 1, 10),
        None,
        True,
        [_start(date(2025, 1, 10), OccasionStatus.SUBMITTED)],
    )
    followups = [i for i in items_for(facts, 6, TODAY) if i.kind == "followup"]
    assert [(i.number, i.due_date, i.urgency) for i in followups] == [
        (1, date(2025, 7, 10), Urgency.OVERDUE),
        (2, date(2026, 1, 10), Urgency.DUE),
    ]
    assert followups[1].label == "Uppföljning 2"


def test_an_existing_follow_up_is_judged_by_its_own_status_and_not_derived_again() -> None:
    facts = ParticipationFacts(
        1,
        "A",
        date(2025, 1, 10),
        None,
        True,
        [
            _start(date(2025, 1, 10), OccasionStatus.SUBMITTED),
            OccasionFacts("followup", 1, date(2025, 7, 10), OccasionStatus.SUBMITTED, 7),
        ],
    )
    followups = [i for i in items_for(facts, 6, TODAY) if i.kind == "followup"]
    assert [(i.number, i.urgency, i.occasion_id) for i in followups] == [
        (1, Urgency.DONE, 7),
        (2, Urgency.DUE, None),
    ]


def test_no_follow_up_on_or_after_the_exit_date() -> None:
    facts = ParticipationFacts(
        1,
        "A",
        date(2025, 1, 10),
        exit_date=date(2025, 7, 10),
        active=False,
        occasions=[
            _start(date(2025, 1, 10), OccasionStatus.SUBMITTED),
            OccasionFacts("exit", 0, date(2025, 7, 10), OccasionStatus.SUBMITTED, 9),
        ],
    )
    assert [(i.kind, i.urgency) for i in items_for(facts, 6, TODAY)] == [
        ("start", Urgency.DONE),
        ("exit", Urgency.DONE),
    ]


def test_coming_soon_is_shown_only_within_two_weeks() -> None:
    soon = ParticipationFacts(
        1,
        "A",
        date(2026, 1, 30),
        None,
        True,
        [_start(date(2026, 1, 30), OccasionStatus.NOT_STARTED)],
    )
    later = ParticipationFacts(
        2, "B", date(2026, 2, 9), None, True, [_start(date(2026, 2, 9), OccasionStatus.NOT_STARTED)]
    )
    items = todo_list([soon, later], None, TODAY)
    assert [(i.code, i.urgency) for i in items] == [("A", Urgency.UPCOMING)]


def test_filters_by_urgency_and_occasion_kind() -> None:
    late = ParticipationFacts(
        1,
        "A",
        date(2025, 6, 1),
        date(2025, 12, 1),
        False,
        [_start(date(2025, 6, 1), OccasionStatus.SUBMITTED)],
    )
    begun = ParticipationFacts(
        2,
        "B",
        date(2026, 1, 15),
        None,
        True,
        [_start(date(2026, 1, 15), OccasionStatus.IN_PROGRESS)],
    )
    items = todo_list([late, begun], None, TODAY)
    assert [(i.code, i.kind) for i in apply_filters(items, "att-gora", "")] == [
        ("A", "exit"),
        ("B", "start"),
    ]
    assert [(i.code, i.kind) for i in apply_filters(items, "forsenade", "")] == [("A", "exit")]
    assert [(i.code, i.kind) for i in apply_filters(items, "pagaende", "")] == [("B", "start")]
    assert [(i.code, i.kind) for i in apply_filters(items, "klara", "")] == [("A", "start")]
    assert [(i.code, i.kind) for i in apply_filters(items, "alla", "start")] == [
        ("B", "start"),
        ("A", "start"),
    ]
    # An unknown filter name shows what is to do.
    assert apply_filters(items, "nonsense", "") == apply_filters(items, "att-gora", "")


def test_someone_who_left_is_due_only_for_the_exit_and_follow_ups_after_it() -> None:
    # Every 3 months from 1 Jan 2025, left 1 Nov 2025: START never answered, follow-up 1 begun
    # and left unfinished, follow-ups 2 and 3 never created; a follow-up after the exit exists.
    left = ParticipationFacts(
        1,
        "A-left",
        date(2025, 1, 1),
        exit_date=date(2025, 11, 1),
        active=False,
        occasions=[
            _start(date(2025, 1, 1), OccasionStatus.OVERDUE),
            OccasionFacts("followup", 1, date(2025, 4, 1), OccasionStatus.IN_PROGRESS, 2),
            OccasionFacts("followup", 4, date(2026, 1, 10), OccasionStatus.NOT_STARTED, 3),
        ],
    )
    items = items_for(left, 3, TODAY)
    assert sorted((i.kind, i.number, i.urgency) for i in items) == [
        ("exit", 0, Urgency.OVERDUE),  # derived: not created yet
        ("followup", 4, Urgency.DUE),  # after the exit
    ]
    # What they did answer before leaving is still listed as done.
    done = ParticipationFacts(
        2,
        "B-left",
        date(2025, 1, 1),
        exit_date=date(2025, 11, 1),
        active=False,
        occasions=[_start(date(2025, 1, 1), OccasionStatus.SUBMITTED)],
    )
    assert [
        (i.kind, i.urgency) for i in apply_filters(todo_list([done], 3, TODAY), "alla", "")
    ] == [
        ("exit", Urgency.OVERDUE),
        ("start", Urgency.DONE),
    ]


def test_follow_ups_after_the_exit_fall_due_months_after_the_exit_date() -> None:
    # Left on 2025-07-31; the insats asks 6 and 12 months after the exit. 6 months after
    # 31 July is 31 January (within the 14-day look-ahead of 20 January); 12 months after is
    # 31 July 2026, far ahead, not listed yet.
    left = ParticipationFacts(
        1,
        "A-left",
        date(2025, 1, 10),
        exit_date=date(2025, 7, 31),
        active=False,
        occasions=[
            _start(date(2025, 1, 10), OccasionStatus.SUBMITTED),
            OccasionFacts("exit", 0, date(2025, 7, 31), OccasionStatus.SUBMITTED, 2),
        ],
    )
    items = items_for(left, None, TODAY, after_exit_months=(6, 12))
    after = [i for i in items if i.kind == "after"]
    assert [(i.number, i.due_date, i.urgency) for i in after] == [
        (6, date(2026, 1, 31), Urgency.UPCOMING)
    ]
    assert after[0].label == "Uppföljning 6 mån efter avslut"
    assert after[0].occasion_id is None  # to be created by staff

    # Once created and answered, it is done and not derived again.
    answered = ParticipationFacts(
        1,
        "A-left",
        date(2025, 1, 10),
        date(2025, 7, 31),
        False,
        [
            *left.occasions,
            OccasionFacts("after", 6, date(2026, 1, 31), OccasionStatus.SUBMITTED, 3),
        ],
    )
    later = date(2026, 7, 25)  # the 12-month one (31 July) is now within the look-ahead
    items = items_for(answered, None, later, after_exit_months=(6, 12))
    assert sorted((i.kind, i.number, i.urgency) for i in items if i.kind == "after") == [
        ("after", 6, Urgency.DONE),
        ("after", 12, Urgency.UPCOMING),
    ]

    # An active participation has no exit date, so nothing after the exit yet.
    active = ParticipationFacts(2, "B", date(2025, 1, 10), None, True, left.occasions[:1])
    assert not [i for i in items_for(active, None, later, (6,)) if i.kind == "after"]
