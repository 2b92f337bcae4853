"""The sheet of background and time (*Bakgrund och tid*): the cohort by age group and by
remittent (counts, shares, "Uppgift saknas"), the time in the insats of the participations that
ended in the period (median and mean months, with n), and the period's new and ended
participations per month. Plain pandas and numpy; every count is registered in the report's
one Publication (docs/reports.md, "Breakdowns and register figures").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from survey_app.clock import today
from survey_app.reports.compare import TOTAL
from survey_app.reports.dataset import Dataset
from survey_app.reports.protection import Publication
from survey_app.reports.sheets import Block, Sheet
from survey_app.reports.tables import Counts, cube_of, cube_shares

SHEET = "Bakgrund och tid"
TITLE = "Bakgrund, tid i insatsen och flöde per månad"
NOT_KNOWN = "Uppgift saknas"
# Age at the start (the start year less the birth year: only the year of birth is known), in the
# bands förbund commonly use; the last one open.
AGE_GROUPS = ((None, 24, "Under 25"), (25, 34, "25–34"), (35, 44, "35–44"), (45, 54, "45–54"))
OLDEST = (55, "55 och äldre")
AGE_TITLE = "Åldersgrupp vid start (antal)"
REMITTENT_TITLE = "Remittent (antal)"
TIME_TITLES = (
    "Tid i insatsen per insats, avslutade under perioden (månader)",
    "Tid i insatsen per kön, avslutade under perioden (månader)",
)
MONTH_TITLE = "Nya och avslutade deltaganden per månad"
ENDED_COLUMN = "Avslutade under perioden"
NEW_COLUMN = "Nya under perioden"
MEAN_COLUMN = "Medel (månader)"
MEDIAN_COLUMN = "Median (månader)"
# A month as a reader counts it: a year is twelve of them.
DAYS_PER_MONTH = 365.25 / 12

TEXT = (
    "Åldersgrupp: ålder vid start räknat som startåret minus födelseåret (bara födelseåret är "
    "känt). Remittent: den som remitterade deltagaren till insatsen. ”Uppgift saknas”: "
    "deltaganden utan uppgiften. Tid i insatsen: från startdatum till slutdatum, i månader "
    f"(dagar delat med {DAYS_PER_MONTH:.2f}), för deltaganden som avslutades under perioden "
    "(Översiktens ”Avslutade under perioden”, vilket urval rapporten än gäller); medel och "
    "median visas inte där antalet är dolt. Nya och avslutade per månad: periodens flöde "
    "(Översikten) fördelat på kalendermånader."
)


def age_group(start: date, birth_year: object) -> str:
    """The age band at the start of a participation, or NOT_KNOWN."""
    if birth_year is None or pd.isna(birth_year):
        return NOT_KNOWN
    age = start.year - int(birth_year)  # type: ignore[call-overload]
    for low, high, label in AGE_GROUPS:
        if (low is None or age >= low) and age <= high:
            return label
    return OLDEST[1]


def months(start: date, end: date) -> float:
    """The time from start to end in months (days / DAYS_PER_MONTH)."""
    return (end - start).days / DAYS_PER_MONTH


def sheet(dataset: Dataset, pub: Publication, participants: Counts, flow: Counts) -> Sheet:
    """Register the sheet's counts and return its blocks. `participants`: the cohort by insats
    and gender; `flow`: Översikt's flow (flow × insats × gender), whose "Nya" and "Avslutade"
    the time and the months count."""
    out = Sheet(SHEET, TITLE)
    people = dataset.participations
    starts = people["start_date"]
    births = people["birth_year"] if "birth_year" in people else pd.Series(None, index=people.index)
    ages = people.assign(category=[age_group(s, b) for s, b in zip(starts, births, strict=True)])
    labels = [label for _, _, label in AGE_GROUPS] + [OLDEST[1], NOT_KNOWN]
    out.blocks += _breakdown(dataset, pub, participants, "age", ages, labels, AGE_TITLE)
    remitted = people.assign(
        category=(people["remittent"].fillna(NOT_KNOWN) if "remittent" in people else NOT_KNOWN)
    )
    found = sorted(set(remitted["category"]) - {NOT_KNOWN})
    out.blocks += _breakdown(
        dataset, pub, participants, "remittent", remitted, [*found, NOT_KNOWN], REMITTENT_TITLE
    )
    rows = flow.labels[0]
    if ENDED_COLUMN in rows:
        out.blocks += _time(dataset, pub, flow.slice(0, rows.index(ENDED_COLUMN)))
    if ENDED_COLUMN in rows and NEW_COLUMN in rows:
        out.blocks += _per_month(dataset, pub, flow)
    return out


def _breakdown(
    dataset: Dataset,
    pub: Publication,
    participants: Counts,
    key: str,
    frame: pd.DataFrame,
    categories: list[str],
    title: str,
) -> list[Block]:
    """The cohort by a background category (insats × category × gender, margins only): its
    "Totalt" is the cohort, cell by cell the same counts as Översikt's participants."""
    counts = cube_of(pub, f"background:{key}", frame, "category", categories, participants)
    names = ["Insats", title.split(" (")[0]]
    return [
        (title, lambda: counts.frame(names)),
        (f"{title}, andel per insats och kön", lambda: cube_shares(counts, names)),
    ]


def _time(dataset: Dataset, pub: Publication, ended: Counts) -> list[Block]:
    """Median and mean months in the insats of the participations that ended in the period,
    beside their number (Översikt's avslutade, per insats and per gender). The sums behind the
    means are registered (a month count is at least 0); a hidden count blanks both."""
    frame = dataset.active
    last = dataset.filter.date_to
    done = frame[
        np.asarray(
            [
                e is not None and not pd.isna(e) and (last is None or e <= last)
                for e in frame["exit_date"]
            ],
            dtype=bool,
        )
    ]
    spans = pd.DataFrame(
        {
            "insats": done["insats"],
            "gender": done["gender"],
            "months": [
                months(s, e) for s, e in zip(done["start_date"], done["exit_date"], strict=True)
            ],
        }
    )
    insatser, genders = ended.labels
    groups: list[list[pd.Series]] = []
    for insats in insatser:
        row = []
        for gender in genders:
            part = spans
            if insats != TOTAL:
                part = part[part["insats"] == insats]
            if gender != TOTAL:
                part = part[part["gender"] == gender]
            row.append(part["months"])
        groups.append(row)
    sums = np.asarray([[float(g.sum()) for g in row] for row in groups])
    sum_ids = pub.sums(ended.ids, sums, (True, True), (0.0, np.inf))

    def show(by_gender: bool) -> Callable[[], pd.DataFrame]:
        def frame() -> pd.DataFrame:
            shown = ended.shown()
            blank = ended.hidden() | pub.hidden(sum_ids) | (ended.values == 0)
            cells = (
                [(-1, g) for g in range(len(genders))]
                if by_gender
                else [(i, -1) for i in range(len(insatser))]
            )
            rows = []
            for at in cells:
                values = groups[at[0]][at[1]]
                hide = bool(blank[at])
                rows.append(
                    (
                        shown[at],
                        None if hide else round(float(values.mean()), 1),
                        None if hide else round(float(values.median()), 1),
                    )
                )
            return pd.DataFrame(
                rows,
                index=list(genders) if by_gender else list(insatser),
                columns=[ENDED_COLUMN, MEAN_COLUMN, MEDIAN_COLUMN],
                dtype=object,
            )

        return frame

    return [(TIME_TITLES[0], show(False)), (TIME_TITLES[1], show(True))]


def _month_range(dataset: Dataset) -> list[tuple[int, int]]:
    first, last = dataset.filter.date_from, dataset.filter.date_to
    if last is None:  # to today, or a later exit date already registered
        ends = [e for e in dataset.active["exit_date"] if e is not None and not pd.isna(e)]
        last = max([today(), *ends])
    if first is None:
        starts = dataset.active["start_date"]
        if starts.empty:
            return []
        first = min(starts)
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _per_month(dataset: Dataset, pub: Publication, flow: Counts) -> list[Block]:
    """The flow's new and ended participations by calendar month of the period: month ×
    {nya, avslutade} with a "Totalt" row, the same counts as Översikt's totals."""
    months_of = _month_range(dataset)
    if not months_of:
        return []
    at = {m: n for n, m in enumerate(months_of)}
    frame = dataset.active
    first, last = dataset.filter.date_from, dataset.filter.date_to
    values = np.zeros((len(months_of) + 1, 2), dtype=int)
    for start, end in zip(frame["start_date"], frame["exit_date"], strict=True):
        if first is None or start >= first:
            values[at[(start.year, start.month)], 0] += 1
        ended = end is not None and not pd.isna(end) and (last is None or end <= last)
        if ended and (end.year, end.month) in at:
            values[at[(end.year, end.month)], 1] += 1
    values[-1] = values[:-1].sum(axis=0)
    ids = pub.table("flow-per-month", values, (True, False), axes=("month", "flow"))
    rows = flow.labels[0]
    pub.same(ids[-1, 0:1], flow.ids[rows.index(NEW_COLUMN), -1, -1:])
    pub.same(ids[-1, 1:2], flow.ids[rows.index(ENDED_COLUMN), -1, -1:])
    index = [f"{y}-{m:02d}" for y, m in months_of] + [TOTAL]

    def show() -> pd.DataFrame:
        out = pd.DataFrame(
            pub.shown(ids), index=index, columns=[NEW_COLUMN, ENDED_COLUMN], dtype=object
        )
        out.index.name = "Månad"
        return out

    return [(MONTH_TITLE, show)]
