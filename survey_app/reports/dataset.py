"""Reading a förbund's data for a report: the cohort, and its START/EXIT measurements.

Filtering and joining happen in SQL; scoring in Python per response; the result is plain pandas
frames for `compare` and `suppress`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from survey_app import cycle_collector, scoring
from survey_app.clock import STOCKHOLM
from survey_app.extensions import db
from survey_app.followup.occasions import occasion_label
from survey_app.models import (
    GENDER_LABELS,
    REMITTENT_LABELS,
    Answer,
    Forbund,
    Gender,
    Insats,
    Occasion,
    OccasionKind,
    Participant,
    Participation,
    Remittent,
    Response,
    ResponseStatus,
)
from survey_app.questionnaires import Compared, Item, Questionnaire, Registry, Section
from survey_app.reports.versions import (
    Split,
    Variant,
    item_variants,
    score_variants,
)
from survey_app.reports.versions import (
    describe as describe_split,
)
from survey_app.responses.storage import definition_by_hash

# Gender labels by stored code (also by enum member: they compare equal as strings).
GENDER_BY_CODE: dict[str, str] = {g.value: label for g, label in GENDER_LABELS.items()}


class Cohort(StrEnum):
    """Which participations a report is about, relative to its period (docs/reports.md)."""

    ACTIVE = "aktiva"  # started on or before the period's end, not ended before its start
    NEW = "nya"  # started in the period
    ENDED = "avslutade"  # ended in the period
    ENROLLED = "inskrivna"  # started before the period, not ended before it


COHORT_LABELS = {
    Cohort.ACTIVE: "aktiva under perioden",
    Cohort.NEW: "nya under perioden",
    Cohort.ENDED: "avslutade under perioden",
    Cohort.ENROLLED: "inskrivna vid periodens början",
}
COHORT_DEFINITIONS = {
    Cohort.ACTIVE: "deltaganden som började senast periodens sista dag och inte avslutades "
    "före periodens första dag",
    Cohort.NEW: "deltaganden som började under perioden",
    Cohort.ENDED: "deltaganden som avslutades under perioden",
    Cohort.ENROLLED: "deltaganden som började före periodens första dag och inte avslutades "
    "före den",
}
# Answers given at or after the end of a participation (EXIT, the follow-ups after it): counted
# only for participations that ended in the period (see `in_period`).
EXIT_OCCASIONS = ("exit", "after")


@dataclass(frozen=True)
class ReportFilter:
    forbund_id: int
    insats_ids: tuple[int, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    cohort: Cohort = Cohort.ACTIVE
    # A published yearly release: only figures that never overlap between two years (the flow
    # without the counts of participations active across the year's boundaries, the reach over
    # the cohort); see docs/reports.md, the threat model.
    released: bool = False


@dataclass
class Measure:
    key: str  # "<the section's measures>:<item or score>", e.g. "<measures>:index"
    label: str
    direction: str
    sheet: str  # the name of the sheet it is compared on
    # The least and greatest value a participant can have: a reader knows them, and with them
    # bounds on any group's sum of values (small-group protection uses them).
    value_range: tuple[float, float] = (-np.inf, np.inf)
    goal_label: str | None = None  # how a goal names it, where not by its label


@dataclass
class Dataset:
    forbund: Forbund
    filter: ReportFilter
    participations: pd.DataFrame  # one row per participation in the cohort
    measurements: pd.DataFrame  # participation_id, insats, gender, occasion, measure, value
    measures: dict[str, Measure] = field(default_factory=dict)
    questionnaire_versions: set[tuple[str, str]] = field(default_factory=set)
    # response_id, participation_id, insats, gender, occasion, questionnaire_id, item_id, value
    answers: pd.DataFrame = field(default_factory=pd.DataFrame)
    definitions: dict[str, Questionnaire] = field(default_factory=dict)
    goals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by insats name
    # The questionnaires whose report sections make the workbook (default: those of
    # `definitions` that declare any).
    declaring: list[Questionnaire] = field(default_factory=list)
    # Every version answered, by questionnaire; the parts each distributed item is reported in
    # over the versions; and what *Om rapporten* says of items reported in parts.
    answered: dict[str, list[Questionnaire]] = field(default_factory=dict)
    variants: dict[tuple[str, str], list[Variant]] = field(default_factory=dict)
    version_notes: list[str] = field(default_factory=list)
    genders: list[str] = field(default_factory=lambda: list(GENDER_LABELS.values()))
    # The participations active in the period (a superset of the cohort): the flow on
    # Översikt and the violence screening's reach. None: the cohort itself.
    period: pd.DataFrame | None = None
    # Violence screenings submitted in the period by those participations (response_id,
    # participation_id). None: every screening in `answers`.
    screenings: pd.DataFrame | None = None
    # Row positions of `answers` by questionnaire, and by questionnaire and occasion kind, made
    # at the first `answers_to` (not copied by `replace`: a copy may have other answers).
    _rows: dict[object, np.ndarray] | None = field(default=None, init=False, repr=False)

    @property
    def active(self) -> pd.DataFrame:
        return self.participations if self.period is None else self.period

    def answers_to(self, questionnaire_id: str, occasion: str | None = None) -> pd.DataFrame:
        """The answers to one questionnaire, at one occasion kind if given: the rows, in
        their order, that comparing the columns would select, grouped once (the item sheets
        ask for them dozens of times, and each comparison of the whole column costs)."""
        frame = self.answers
        if frame.empty:
            return frame
        if self._rows is None:
            by_questionnaire = frame.groupby("questionnaire_id", sort=False).indices
            by_occasion = frame.groupby(["questionnaire_id", "occasion"], sort=False).indices
            self._rows = {**by_questionnaire, **by_occasion}
        rows = self._rows.get((questionnaire_id, occasion) if occasion else questionnaire_id)
        return frame.iloc[rows if rows is not None else []]

    def screenings_in_period(self) -> pd.DataFrame:
        if self.screenings is not None:
            return self.screenings
        if self.answers.empty:
            return pd.DataFrame({"response_id": [], "participation_id": []})
        screening = screening_questionnaires(self.declaring or list(self.definitions.values()))
        frame = self.answers[self.answers["questionnaire_id"].isin(screening)]
        return frame[["response_id", "participation_id"]].drop_duplicates()


OTHER_GENDERS = "Annat eller ej uppgivet"


def with_other_genders_merged(dataset: Dataset) -> Dataset:
    """ "Annat (hen)" and "Vill inte uppge" as one column: two sparse columns often need
    hiding on their own, one seldom does."""
    merged = {
        GENDER_LABELS[Gender.OTHER]: OTHER_GENDERS,
        GENDER_LABELS[Gender.NOT_STATED]: OTHER_GENDERS,
    }

    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty or "gender" not in frame:
            return frame
        return frame.assign(gender=frame["gender"].replace(merged))

    return replace(
        dataset,
        participations=relabel(dataset.participations),
        period=None if dataset.period is None else relabel(dataset.period),
        measurements=relabel(dataset.measurements),
        answers=relabel(dataset.answers),
        genders=[GENDER_LABELS[Gender.WOMAN], GENDER_LABELS[Gender.MAN], OTHER_GENDERS],
    )


# Called after each step of a long export with what was just done (a Swedish phrase), for a
# progress bar. `load` takes LOAD_STEPS steps; `workbook.write` WRITE_STEPS.
Progress = Callable[[str], None]
LOAD_STEPS = 3


def _no_progress(step: str) -> None:
    pass


@cycle_collector.pausing
def load(
    report_filter: ReportFilter, registry: Registry, progress: Progress = _no_progress
) -> Dataset:
    forbund = db.session.get(Forbund, report_filter.forbund_id)
    if forbund is None:
        raise LookupError("no such förbund")
    period = _participations(report_filter)
    progress("deltaganden lästa")
    with_sections = declaring(registry)
    measurements, measures, versions, splits = _measurements(
        report_filter, registry, scoring.context_for(forbund), with_sections
    )
    progress("jämförda mått poängsatta")
    items = _item_answers(report_filter, registry, with_sections)
    screening_ids = screening_questionnaires(with_sections)
    participations, measurements, answers, screenings = in_period(
        report_filter,
        period,
        measurements,
        items.frame,
        _screenings(report_filter, screening_ids),
        screening_ids,
    )
    progress("övriga svar lästa")
    versions |= {(d.id, d.version) for found in items.answered.values() for d in found}
    goals = {
        name: list(insats_goals or [])
        for name, insats_goals in db.session.execute(
            sa.select(Insats.name, Insats.goals).where(
                Insats.forbund_id == report_filter.forbund_id,
                *([Insats.id.in_(report_filter.insats_ids)] if report_filter.insats_ids else []),
            )
        )
    }
    return Dataset(
        forbund,
        report_filter,
        participations,
        measurements,
        measures,
        versions,
        answers,
        items.definitions,
        goals,
        with_sections,
        answered=items.answered,
        variants=items.variants,
        version_notes=[describe_split(split, counts) for split, counts in items.splits + splits],
        period=period,
        screenings=screenings[
            screenings["participation_id"].isin(participations["participation_id"])
        ]
        if report_filter.released
        else screenings,
    )


def sections_of(dataset: Dataset) -> list[tuple[Questionnaire, Section]]:
    """The report sections the dataset's workbook shows, in order."""
    return report_sections(
        dataset.declaring or [q for q in dataset.definitions.values() if q.report]
    )


@dataclass
class ItemAnswers:
    """The answers the item sheets count, and how versions are reported (`versions`)."""

    frame: pd.DataFrame  # ANSWER_COLUMNS; item_id is a Variant's key
    definitions: dict[str, Questionnaire]  # the declared file of each questionnaire answered
    answered: dict[str, list[Questionnaire]]  # every version answered, by questionnaire
    variants: dict[tuple[str, str], list[Variant]]  # (questionnaire, item): its parts
    splits: list[tuple[Split, dict[str, int]]]  # items reported in parts, answers per part


def in_period(
    report_filter: ReportFilter,
    period: pd.DataFrame,
    measurements: pd.DataFrame,
    answers: pd.DataFrame,
    screenings: pd.DataFrame,
    screening: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What a report counts, from the participations active in the period (`period`), the
    cohort's measurements and answers, and the violence screenings submitted in the period
    (response_id, participation_id): the cohort's participations; measurements and answers
    with those at the end kept only for participations that ended in the period; answers to
    the screening questionnaires (`screening`: their ids) only of screenings in the period; and
    those screenings, the cohort's exactly the ones its screening tables count (the reach shares
    them)."""
    participations = period[cohort_mask(period, report_filter)].reset_index(drop=True)
    ended = set(period.loc[ended_mask(period, report_filter), "participation_id"])
    in_cohort = participations["participation_id"]
    measurements = _ended_only(measurements, ended)
    answers = _ended_only(answers, ended)
    if not answers.empty:
        answers = answers[
            answers["participation_id"].isin(in_cohort)
            & (
                ~answers["questionnaire_id"].isin(screening)
                | answers["response_id"].isin(screenings["response_id"])
            )
        ].reset_index(drop=True)
    if not measurements.empty:
        measurements = measurements[measurements["participation_id"].isin(in_cohort)]
    counted = (
        answers.loc[answers["questionnaire_id"].isin(screening), "response_id"]
        if not answers.empty
        else pd.Series([], dtype="int64")
    )
    screenings = screenings[
        screenings["participation_id"].isin(period["participation_id"])
        & (
            ~screenings["participation_id"].isin(in_cohort)
            | screenings["response_id"].isin(counted)
        )
    ].reset_index(drop=True)
    return participations, measurements.reset_index(drop=True), answers, screenings


def cohort_mask(frame: pd.DataFrame, report_filter: ReportFilter) -> pd.Series:
    """Which participations of `frame` (start_date, exit_date) are in the filter's cohort: the
    same definitions as `_cohort_condition` (SQL)."""
    start, exit_date = frame["start_date"], frame["exit_date"]
    first, last = report_filter.date_from, report_filter.date_to
    everyone = pd.Series(True, index=frame.index)
    started_by_end = start.map(lambda d: last is None or d <= last).astype(bool)
    not_ended_before = exit_date.map(
        lambda d: first is None or d is None or pd.isna(d) or d >= first
    ).astype(bool)
    cohort = report_filter.cohort
    if cohort == Cohort.ACTIVE:
        return everyone & started_by_end & not_ended_before
    if cohort == Cohort.NEW:
        return (
            everyone
            & started_by_end
            & start.map(lambda d: first is None or d >= first).astype(bool)
        )
    if cohort == Cohort.ENDED:
        return ended_mask(frame, report_filter)
    return (
        everyone
        & not_ended_before
        & start.map(lambda d: first is not None and d < first).astype(bool)
    )


def ended_mask(frame: pd.DataFrame, report_filter: ReportFilter) -> pd.Series:
    """Which participations ended in the period."""
    first, last = report_filter.date_from, report_filter.date_to
    return (
        frame["exit_date"]
        .map(
            lambda d: (
                d is not None
                and not pd.isna(d)
                and (first is None or d >= first)
                and (last is None or d <= last)
            )
        )
        .astype(bool)
    )


def at_the_end(occasions: pd.Series) -> pd.Series:
    """Whether each occasion ("exit", "after:6m", …) is at the end of a participation: the
    distinct codes are looked at once (a report has a handful among many rows)."""
    codes = {code for code in occasions.unique() if code.partition(":")[0] in EXIT_OCCASIONS}
    return occasions.isin(codes)


def _ended_only(frame: pd.DataFrame, ended: set[int]) -> pd.DataFrame:
    """Answers and measurements at the end of a participation (EXIT, after-exit follow-ups)
    only of participations that ended in the period: a START → EXIT pair, an exit reason,
    satisfaction are counted in the period of the exit, so a report on a past period does not
    change as later exits come in."""
    if frame.empty:
        return frame
    at_end = at_the_end(frame["occasion"])
    return frame[~at_end | frame["participation_id"].isin(ended)].reset_index(drop=True)


def screening_questionnaires(questionnaires: Iterable[Questionnaire]) -> list[str]:
    """The ids of the questionnaires a section reports as a screening (the violence screening):
    the reach counts them per period."""
    return sorted({q.id for q in questionnaires for s in q.report if s.screening})


def _screenings(report_filter: ReportFilter, screening: Sequence[str]) -> pd.DataFrame:
    """Screenings (`screening`: the questionnaires' ids) submitted (Swedish date) in the period
    by participations active in it: response_id, participation_id."""
    query = (
        sa.select(Response.id, Participation.id, Response.submitted_at)
        .join(Occasion, Response.occasion_id == Occasion.id)
        .join(Participation, Occasion.participation_id == Participation.id)
        .join(Insats, Participation.insats_id == Insats.id)
        .where(
            *_cohort_condition(replace(report_filter, cohort=Cohort.ACTIVE)),
            Response.status == ResponseStatus.SUBMITTED,
            Response.questionnaire_id.in_(screening),
        )
    )
    # Through the driver, as the answers are read: a row's times through SQLAlchemy's type
    # (UTCDateTime) cost more than the filter itself. SQLite gives UTC times as text without a
    # zone, PostgreSQL aware ones: both UTC.
    rows = _all_rows(db.session.connection(), query)
    frame = pd.DataFrame(rows, columns=["response_id", "participation_id", "at"])
    frame = frame[frame["at"].notna()]
    first, last = report_filter.date_from, report_filter.date_to
    if len(frame) and (first is not None or last is not None):
        # The Swedish day of each submission within the period: from the first day's
        # midnight in Stockholm to the midnight after the last day (midnight always exists
        # there: the clocks change at 02:00 and 03:00).
        local = pd.to_datetime(frame["at"], utc=True, format="ISO8601").dt.tz_convert(STOCKHOLM)
        keep = np.ones(len(frame), dtype=bool)
        if first is not None:
            keep &= (local >= pd.Timestamp(first).tz_localize(STOCKHOLM)).to_numpy()
        if last is not None:
            after = pd.Timestamp(last + timedelta(days=1)).tz_localize(STOCKHOLM)
            keep &= (local < after).to_numpy()
        frame = frame[keep]
    return frame[["response_id", "participation_id"]].astype("int64").reset_index(drop=True)


def _item_answers(
    report_filter: ReportFilter, registry: Registry, declaring: Sequence[Questionnaire]
) -> ItemAnswers:
    """Every answer to the questionnaires whose sections show items (distributions, a
    screening), free text left out; items of several versions reported together where their
    answers are compatible, in parts where not (`versions`)."""
    declared = {q.id: q for q in declaring if any(s.distributions or s.screening for s in q.report)}
    responses, answers = _submitted(report_filter, tuple(declared))
    answered: dict[str, dict[str, Questionnaire]] = {}
    usable: set[tuple[str, str]] = set()  # (content hash, item id) pairs that are not free text
    for content_hash, qid in (
        responses[["content_hash", "questionnaire_id"]].drop_duplicates().itertuples(index=False)
    ):
        definition = definition_by_hash(content_hash, registry)
        if definition is None:
            continue
        answered.setdefault(qid, {})[content_hash] = definition
        usable |= {(content_hash, i.id) for i in definition.items if not i.kind.free_text}
    hashes = answers["response_id"].map(responses.set_index("response_id")["content_hash"])
    keep = pd.MultiIndex.from_arrays([hashes, answers["item_id"]]).isin(list(usable))
    answers, hashes = answers[keep], hashes[keep]
    variants: dict[tuple[str, str], list[Variant]] = {}
    splits: list[tuple[Split, dict[str, int]]] = []
    for qid, versions in answered.items():
        distributed = {d.item for s in declared[qid].report for d in s.distributions}
        for item_id in sorted(distributed):
            parts, reason = item_variants(declared[qid], versions.values(), item_id)
            variants[(qid, item_id)] = parts
            if reason is None:
                continue
            counts: dict[str, int] = {}
            for part in parts:
                mask = (answers["item_id"] == item_id) & hashes.isin(part.hashes)
                counts[part.key] = int(mask.sum())
                if part.key != item_id:
                    answers.loc[mask, "item_id"] = part.key
            splits.append((Split(qid, item_id, reason, parts), counts))
    del hashes
    frame = answers.merge(responses[list(ANSWER_COLUMNS[:6])], on="response_id")
    return ItemAnswers(
        frame[list(ANSWER_COLUMNS)],
        {qid: declared[qid] for qid in answered},
        {qid: list(versions.values()) for qid, versions in answered.items()},
        variants,
        splits,
    )


ANSWER_COLUMNS = (
    "response_id",
    "participation_id",
    "insats",
    "gender",
    "occasion",
    "questionnaire_id",
    "item_id",
    "value",
)


# An occasion as the report names it: "start", "exit", "followup:N" or "after:N" (a series step;
# see compare.py).
OCCASION_KEY = sa.case(
    (
        Occasion.number > 0,
        sa.type_coerce(Occasion.kind, sa.String) + ":" + sa.cast(Occasion.number, sa.String),
    ),
    else_=sa.type_coerce(Occasion.kind, sa.String),
)


def series_steps(occasions: Iterable[str]) -> list[str]:
    """The occasions after START in the order of a series: follow-ups, EXIT, after the exit."""
    order = {"followup": 0, "exit": 1, "after": 2}

    def key(occasion: str) -> tuple[int, int]:
        kind, _, number = occasion.partition(":")
        return order[kind], int(number or 0)

    return sorted({o for o in occasions if o != "start"}, key=key)


def step_label(occasion: str) -> str:
    """ "followup:2" -> "Uppföljning 2" (see occasions.occasion_label)."""
    kind, _, number = occasion.partition(":")
    return occasion_label(kind, int(number or 0))


def _cohort_condition(report_filter: ReportFilter) -> list[Any]:
    """The cohort in SQL (the same definitions as `cohort_mask`)."""
    conditions: list[Any] = [Insats.forbund_id == report_filter.forbund_id]
    if report_filter.insats_ids:
        conditions.append(Insats.id.in_(report_filter.insats_ids))
    first, last = report_filter.date_from, report_filter.date_to
    start, exit_date = Participation.start_date, Participation.exit_date
    not_ended_before = sa.or_(exit_date.is_(None), exit_date >= first) if first else None
    cohort = report_filter.cohort
    if cohort == Cohort.ENDED:
        conditions.append(exit_date.is_not(None))
        conditions += [exit_date >= first] if first else []
        conditions += [exit_date <= last] if last else []
        return conditions
    if cohort == Cohort.ENROLLED:
        if first is None:
            return [sa.false()]
        return [*conditions, start < first, not_ended_before]
    conditions += [start <= last] if last else []
    if cohort == Cohort.NEW:
        return conditions + ([start >= first] if first else [])
    return conditions + ([not_ended_before] if first else [])


def _submitted(
    report_filter: ReportFilter,
    questionnaire_ids: Sequence[str],
    occasion_kinds: Sequence[OccasionKind] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cohort's submitted responses to the given questionnaires (one row per response:
    response_id, participation_id, insats, gender label, occasion kind, questionnaire_id,
    content_hash) and their answers (response_id, item_id, decoded value).

    Read through Core with plain column types and in chunks: at national scale these are
    millions of rows, and per-row ORM type processing would dominate the export."""
    conditions = [
        *_cohort_condition(report_filter),
        Response.status == ResponseStatus.SUBMITTED,
        Response.questionnaire_id.in_(questionnaire_ids),
    ]
    if occasion_kinds:
        conditions.append(Occasion.kind.in_(occasion_kinds))

    def cohort(query: sa.Select[Any], *, participant: bool = True) -> sa.Select[Any]:
        joined = (
            query.join(Occasion, Response.occasion_id == Occasion.id)
            .join(Participation, Occasion.participation_id == Participation.id)
            .join(Insats, Participation.insats_id == Insats.id)
        )
        if participant:  # for the gender; the cohort's conditions do not need it
            joined = joined.join(Participant, Participation.participant_id == Participant.id)
        return joined.where(*conditions)

    connection = db.session.connection()
    response_rows = _all_rows(
        connection,
        cohort(
            sa.select(
                Response.id,
                Participation.id,
                Insats.name,
                sa.type_coerce(Participant.gender, sa.String),
                OCCASION_KEY,
                Response.questionnaire_id,
                Response.content_hash,
            )
        ),
    )
    responses = _deduplicated(
        pd.DataFrame.from_records(response_rows, columns=RESPONSE_COLUMNS).astype(
            {"response_id": "int64", "participation_id": "int64"}
        )
    )
    del response_rows
    responses["gender"] = responses["gender"].map(GENDER_BY_CODE)
    # JSON values arrive as text: each distinct text of a chunk (a handful of codes and
    # numbers) is decoded once.
    chunks = [
        _deduplicated(
            pd.DataFrame.from_records(rows, columns=["response_id", "item_id", "value"]),
            convert={"value": json.loads},
        )
        for rows in _fetch(
            connection,
            cohort(
                sa.select(Answer.response_id, Answer.item_id, sa.cast(Answer.value, sa.Text)).join(
                    Response, Answer.response_id == Response.id
                ),
                participant=False,
            ),
        )
    ]
    answers = (
        pd.concat(chunks, ignore_index=True, copy=False)
        if chunks
        else pd.DataFrame(
            {"response_id": pd.Series(dtype="int64"), "item_id": [], "value": []}, dtype=object
        ).astype({"response_id": "int64"})
    )
    del chunks
    return responses, answers


# Per response; ANSWER_COLUMNS (the item sheets' rows) take all but the hash from here.
RESPONSE_COLUMNS = [*ANSWER_COLUMNS[:6], "content_hash"]


def _fetch(connection: sa.Connection, query: sa.Select[Any]) -> Iterator[Sequence[Any]]:
    """The query's rows in chunks, as the database driver returns them (plain numbers and
    text): per-row conversion would dominate the export at national scale. On PostgreSQL the
    rows come through a server-side cursor, so that they are never all in memory at once.

    The statement is rendered with its values inline; they are ids, dates and fixed codes from
    a ReportFilter, never free text."""
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"report_{secrets.token_hex(8)}")
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(ANSWER_CHUNK):
            yield rows
    finally:
        cursor.close()


def _all_rows(connection: sa.Connection, query: sa.Select[Any]) -> list[Sequence[Any]]:
    """All of the query's rows, read as `_fetch` reads them."""
    return [row for rows in _fetch(connection, query) for row in rows]


def _deduplicated(
    frame: pd.DataFrame, convert: Mapping[str, Callable[[Any], Any]] | None = None
) -> pd.DataFrame:
    """One object per distinct value in each text column, missing values NaN: the driver makes
    a new string per row, and millions of copies of the same item id would fill the memory.
    `convert`: a column's function applied to each distinct value once (e.g. decoding)."""
    for column in frame.columns:
        if frame[column].dtype == object:
            change = (convert or {}).get(column)
            codes, distinct = pd.factorize(frame[column])
            objects = np.empty(len(distinct) + 1, dtype=object)
            for n, value in enumerate(distinct):  # one by one: a value may be a list
                objects[n] = value if change is None else change(value)
            objects[-1] = np.nan  # a missing value's code is −1
            frame[column] = objects.take(codes)
    return frame


ANSWER_CHUNK = 200_000


def _participations(report_filter: ReportFilter) -> pd.DataFrame:
    """The participations active in the period (every cohort is a part of them)."""
    rows = db.session.execute(
        sa.select(
            Participation.id.label("participation_id"),
            Insats.name.label("insats"),
            Participant.gender,
            Participation.start_date,
            Participation.exit_date,
            Participation.status,
            Participant.birth_year,
            Participation.remittent,
        )
        .join(Insats, Participation.insats_id == Insats.id)
        .join(Participant, Participation.participant_id == Participant.id)
        .where(*_cohort_condition(replace(report_filter, cohort=Cohort.ACTIVE)))
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "participation_id",
            "insats",
            "gender",
            "start_date",
            "exit_date",
            "status",
            "birth_year",
            "remittent",
        ],
    )
    frame["gender"] = frame["gender"].map(lambda g: GENDER_LABELS[Gender(g)])
    # Background (breakdowns, `background.py`): the remittent's Swedish label.
    frame["remittent"] = frame["remittent"].map(
        lambda r: None if r is None else REMITTENT_LABELS[Remittent(r)]
    )
    return frame


def _measurements(
    report_filter: ReportFilter,
    registry: Registry,
    context: scoring.ScoringContext,
    declaring: Sequence[Questionnaire],
) -> tuple[
    pd.DataFrame, dict[str, Measure], set[tuple[str, str]], list[tuple[Split, dict[str, int]]]
]:
    """Values at every occasion (START, follow-ups, EXIT, after the exit) of every measure a
    file's report sections compare; measures of
    several versions together where they are alike, in parts where not (`versions`)."""
    current = {q.id: q for q in declaring if any(s.compare for s in q.report)}
    responses, answers = _submitted(report_filter, tuple(current))
    answered: dict[str, dict[str, Questionnaire]] = {}
    for content_hash in responses["content_hash"].unique():
        definition = definition_by_hash(str(content_hash), registry)
        if definition is not None and definition.id in current:
            answered.setdefault(definition.id, {})[str(content_hash)] = definition
    parts_of, splits = _compared_parts(current, answered)
    measures: dict[str, Measure] = {}
    versions: set[tuple[str, str]] = set()
    parts = []
    for content_hash, group in responses.groupby("content_hash"):
        definition = answered.get(str(group["questionnaire_id"].iloc[0]), {}).get(str(content_hash))
        if definition is None:
            continue
        declared = current[definition.id]
        versions.add((definition.id, definition.version))
        of_group = answers[answers["response_id"].isin(group["response_id"])]
        wide = of_group.pivot(index="response_id", columns="item_id", values="value").reindex(
            group["response_id"]
        )
        # Scores depend only on the answers: each distinct set is scored once (EQ-5D states
        # and self-assessment profiles repeat a lot at national scale).
        keys = wide.map(_hashable) if of_group["value"].map(type).eq(list).any() else wide
        set_id = (
            keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup().to_numpy()
            if len(keys.columns)
            else np.zeros(len(keys), dtype=int)
        )
        # Set n's first response (ngroup numbers the sets 0, 1, … as they first appear).
        firsts = pd.Series(range(len(wide))).groupby(set_id).first().to_numpy()
        scored = _value_columns(
            definition,
            declared,
            wide.iloc[firsts],
            context,
            measures,
            parts_of[str(content_hash)],
        )
        meta = group[["participation_id", "insats", "gender", "occasion"]].reset_index(drop=True)
        for measure, of_sets in scored.items():
            value = pd.Series(of_sets[set_id], dtype=float)
            if value.notna().any():
                parts.append(meta.assign(measure=measure, value=value)[value.notna()])
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=list(MEASUREMENT_COLUMNS))
    )
    # Whatever order the responses came in: by the measures' prefix, then as the files declare
    # them, a part of older versions after the main one. (The order in which counts are
    # registered can decide which of two equally good cells the protection hides; this one
    # keeps the shipped files' workbook as it was.)
    order = {key: n for n, key in enumerate(declared_measures(declaring))}
    measures = dict(
        sorted(
            measures.items(),
            key=lambda kv: (
                kv[0].split(":")[0],
                order.get(kv[0].split("@")[0], len(order)),
                "@" in kv[0],
                kv[0],
            ),
        )
    )
    counted = frame.groupby("measure").size().to_dict() if len(frame) else {}
    notes = [
        (split, {p.key: int(counted.get(f"{prefix}:{p.key}", 0)) for p in split.variants})
        for prefix, split in splits
    ]
    return frame[list(MEASUREMENT_COLUMNS)], measures, versions, notes


def _compared_parts(
    current: dict[str, Questionnaire], answered: dict[str, dict[str, Questionnaire]]
) -> tuple[dict[str, dict[str, Variant]], list[tuple[str, Split]]]:
    """Per content hash answered, the part each compared item or score of its version is
    reported in; and the items and scores reported in parts (with their measures' prefix)."""
    parts_of: dict[str, dict[str, Variant]] = {h: {} for v in answered.values() for h in v}
    splits: list[tuple[str, Split]] = []
    for qid, versions in answered.items():
        for section in current[qid].report:
            for compared in section.compare:
                find = score_variants if compared.is_score else item_variants
                found, reason = find(current[qid], versions.values(), compared.name)
                for part in found:
                    for content_hash in part.hashes:
                        if content_hash in parts_of:
                            parts_of[content_hash][compared.name] = part
                if reason is not None:
                    splits.append((section.measures, Split(qid, compared.name, reason, found)))
    return parts_of, splits


MEASUREMENT_COLUMNS = ("participation_id", "insats", "gender", "occasion", "measure", "value")


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _value_columns(
    definition: Questionnaire,
    declared: Questionnaire,
    answers: pd.DataFrame,
    context: scoring.ScoringContext,
    measures: dict[str, Measure],
    parts: dict[str, Variant],
) -> dict[str, np.ndarray]:
    """The values of the measures its questionnaire's sections compare, of each response in
    `answers` (a row per response, a column per item): a number, or NaN where there is none
    (no answer, a text code, a yes/no). Scores are computed for all rows at once where the
    scorer can (scoring.score_frame).
    `definition`: the version the responses were given (its items and scorer); `declared`:
    the current file (the sections, labels and ranges); `parts`: where the version's items
    and scores are reported apart from the declared file's, the part (`versions`)."""
    values: dict[str, np.ndarray] = {}
    scores: scoring.Columns | None = None
    for section in declared.report:
        for compared in section.compare:
            part = parts.get(compared.name)
            if part is None:  # not in this version
                continue
            key = f"{section.measures}:{part.key}"
            if key not in measures:
                measures[key] = _measure(
                    key, definition, declared, compared, part, section.sheet, context
                )
            if compared.is_score:
                if scores is None:
                    scores = scoring.score_frame(definition, answers, context)
                values[key] = scores[compared.name]
            else:
                values[key] = scoring.column(answers, compared.name)
    return values


def _measure(
    key: str,
    definition: Questionnaire,
    declared: Questionnaire,
    compared: Compared,
    part: Variant,
    sheet: str,
    context: scoring.ScoringContext,
) -> Measure:
    """A compared measure: its label (naming the versions of a part reported apart), direction
    and the range of its values."""
    goal_label = compared.goal_label + part.suffix if compared.goal_label else None
    if compared.is_score:
        spec = scoring.measures(definition, context).get(compared.name)
        return Measure(
            key,
            (compared.label or (spec.label if spec else compared.name)) + part.suffix,
            compared.direction or (spec.direction if spec else "higher"),
            sheet,
            spec.value_range if spec else (-np.inf, np.inf),
            goal_label,
        )
    item = part.item or declared.item(compared.name)
    assert item is not None  # noqa: S101 (checked at load)
    label = (compared.label or item.text.get("sv")) + part.suffix
    return Measure(key, label, item.direction or "higher", sheet, item.value_range(), goal_label)


def declared_measures(definitions: Iterable[Questionnaire]) -> dict[str, tuple[str, bool]]:
    """Every measure the files' sections compare, in their order: its label where a goal
    names it, and whether goals may use it."""
    out: dict[str, tuple[str, bool]] = {}
    for questionnaire, section in report_sections(definitions):
        for compared in section.compare:
            key = f"{section.measures}:{compared.name}"
            if compared.is_score:
                spec = scoring.measures(questionnaire, scoring.ScoringContext())
                default = spec[compared.name].label if compared.name in spec else compared.name
                label = compared.goal_label or compared.label or default
            else:
                item = questionnaire.item(compared.name)
                text = compared.label or (item.text.get("sv") if item else compared.name)
                label = compared.goal_label or f"{questionnaire.name}: {text}"
            out.setdefault(key, (label, compared.goal))
    return out


def report_sections(definitions: Iterable[Questionnaire]) -> list[tuple[Questionnaire, Section]]:
    """Every report section of the files, in the order of their sheets (`order`, then the
    questionnaire id, then the file's own order)."""
    found = [(q, s, n) for q in definitions for n, s in enumerate(q.report)]
    found.sort(key=lambda f: (f[1].order, f[0].id, f[2]))
    return [(q, s) for q, s, _ in found]


def declaring(registry: Registry) -> list[Questionnaire]:
    """The questionnaires whose files declare report sections."""
    return [q for q in registry.by_id.values() if q.report]


def goal_measures(registry: Registry) -> dict[str, str]:
    """The measures a goal "share improved" can name, with their labels."""
    return {
        key: label
        for key, (label, usable) in declared_measures(declaring(registry)).items()
        if usable
    }


def category_goal(
    definitions: Iterable[Questionnaire],
) -> tuple[Questionnaire, Item] | None:
    """The single-choice item whose categories goals name ("30 % to work or studies")."""
    for questionnaire, section in report_sections(definitions):
        for distribution in section.distributions:
            item = questionnaire.item(distribution.item)
            if distribution.goal and item is not None:
                return questionnaire, item
    return None


def exit_reason_labels(registry: Registry) -> dict[object, str]:
    """The categories a goal "share ended to …" can name (see `category_goal`)."""
    found = category_goal(declaring(registry))
    return {c.value: c.label.get("sv") for c in found[1].choices} if found else {}


def category_goal_items(registry: Registry) -> dict[str, tuple[str, dict[str, str]]]:
    """The single-choice items a goal "share in these categories" can name (every register
    table of the report: `kind: categories` in reports/goals.py), by "<questionnaire>:<item>",
    with the question and its categories' labels by value."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for questionnaire, section in report_sections(declaring(registry)):
        for distribution in section.distributions:
            item = questionnaire.item(distribution.item)
            if item is None or item.kind.summary != "categories":
                continue
            found[f"{questionnaire.id}:{item.id}"] = (
                str(item.text.get("sv")),
                {str(c.value): str(c.label.get("sv")) for c in item.choices},
            )
    return found


def cohort_text(report_filter: ReportFilter) -> str:
    """The cohort and its definition in Swedish: a line under every sheet's title."""
    first = report_filter.date_from or "början"
    last = report_filter.date_to or "idag"
    cohort = Cohort(report_filter.cohort)
    return (
        f"Urval: {COHORT_LABELS[cohort]} {first} – {last} ({COHORT_DEFINITIONS[cohort]}). "
        "Svar vid avslut, och därmed par start–avslut, räknas för dem i urvalet som avslutades "
        "under perioden; screeningenkäter (som våldsenkäten) när de skickades in under perioden."
    )
