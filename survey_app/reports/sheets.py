"""The item-by-item sheets: violence screening, satisfaction, register data and exit reasons.

Each function returns blocks (a title and a table) for one sheet; `workbook` lays them out.
Every count goes through small-group protection and every share is blanked where it would rest
on fewer than k participants.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

import numpy as np
import pandas as pd

from survey_app.clock import today
from survey_app.reports.dataset import Cohort, Dataset
from survey_app.reports.protection import Publication
from survey_app.reports.tables import (
    Counts,
    column,
    cube,
    cube_shares,
    matrix,
    share_values,
    shares,
)

# A table's title and how to show it once the publication is protected.
Block = tuple[str, Callable[[], pd.DataFrame]]
HALF_YEAR_DAYS = 182
REACH_TEXT = (
    "Räckvidd per period, som i förbundens årsrapporter: bland deltagarna aktiva under "
    "perioden de som fyllt i våldsenkäten minst en gång under perioden, och bland dem som varit "
    "aktiva mer än sex månader under perioden (mer än 182 dagar, första och sista dagen "
    "medräknade) de som fyllt i den minst två gånger under perioden. ”Enkäter” är antalet "
    "inskickade våldsenkäter under perioden, ”deltagare” antalet deltaganden (en person i två "
    "insatser räknas i båda). En publicerad årsrapport räknar räckvidden bland deltagarna i "
    "urvalet (de som avslutades under året)."
)


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


def cohort_insatser(dataset: Dataset) -> list[str]:
    """The insatser of the participations active in the period (the cohort's and any other of
    the flow on Översikt), in the order every table lists them."""
    return sorted(dataset.active["insats"].unique())


def _answers(dataset: Dataset, questionnaire_id: str, occasion: str | None = None) -> pd.DataFrame:
    frame = dataset.answers
    if frame.empty:
        return frame
    frame = frame[frame["questionnaire_id"] == questionnaire_id]
    return frame[frame["occasion"] == occasion] if occasion else frame


def _by_gender(pub: Publication, key: str, frame: pd.DataFrame, dataset: Dataset) -> Counts:
    return matrix(pub, key, frame, "insats", cohort_insatser(dataset), dataset.genders)


# --- violence screening ------------------------------------------------------------------------


def violence(
    dataset: Dataset, pub: Publication, participants: Counts, population: Counts | None = None
) -> list[Block]:
    """`participants`: the cohort by insats and gender (Översikt). `population`: those active
    in the period, by insats and gender (Översikt's flow), among whom the reach is counted
    (None: the cohort)."""
    answers = _answers(dataset, "valdsenkat")
    if answers.empty:
        return [("Inga våldsenkäter i urvalet", _empty)]
    flagged = answers.assign(
        is_yes=answers["value"] == "ja", is_decline=answers["value"] == "vill_inte_svara"
    )
    per_response = flagged.groupby("response_id").agg(
        insats=("insats", "first"),
        gender=("gender", "first"),
        participation_id=("participation_id", "first"),
        any_yes=("is_yes", "max"),
        any_decline=("is_decline", "max"),
    )
    screened = _by_gender(pub, "violence:screened", per_response, dataset)
    yes = _by_gender(pub, "violence:any_yes", per_response[per_response["any_yes"]], dataset)
    declined = _by_gender(
        pub, "violence:any_decline", per_response[per_response["any_decline"]], dataset
    )
    pub.within([yes.ids], screened.ids)
    pub.within([declined.ids], screened.ids)
    definition = dataset.definitions["valdsenkat"]
    items = [i.id for i in definition.items]
    labels = {i.id: i.text.get("sv") for i in definition.items}
    yes_answers = answers[answers["value"] == "ja"].assign(
        question=lambda f: f["item_id"].map(labels)
    )
    per_item = matrix(
        pub,
        "violence:yes_per_item",
        yes_answers,
        "question",
        [labels[i] for i in items],
        dataset.genders,
        row_axis="question",
    )
    # A "ja" to one question is a screening with at least one "ja" (all insatser, per gender);
    # such a screening has from one to len(items) "ja".
    for row in range(len(items)):
        pub.within([per_item.ids[row]], yes.ids[-1])
    pub.within([yes.ids[-1]], per_item.ids[-1])
    pub.within([per_item.ids[-1]], yes.ids[-1], times=len(items))
    reach = _reach(dataset, pub, participants if population is None else population, screened)
    return [
        ("Genomförda våldsenkäter", screened.frame),
        ("Varav minst ett ja", yes.frame),
        ("Andel med minst ett ja", lambda: shares(yes, screened)),
        ("Varav minst ett ”vill inte svara”", declined.frame),
        ("Antal ja per fråga", per_item.frame),
        ("Räckvidd", reach),
    ]


def _reach(
    dataset: Dataset,
    pub: Publication,
    population: Counts,
    screened: Counts,
    on: date | None = None,
) -> Callable[[], pd.DataFrame]:
    """The reach of the screening in the period (REACH_TEXT): among the participations active
    in it (`population`, by insats and gender), those screened at least once in the period;
    among those active more than six months of it, those screened at least twice. `on`: the
    period's end when it has none (today)."""
    first, last = dataset.filter.date_from, dataset.filter.date_to or on or today()
    # A published release counts the reach among its cohort (see REACH_TEXT).
    among_cohort = dataset.period is None or dataset.filter.released
    people = (dataset.participations if among_cohort else dataset.active).copy()
    screenings = dataset.screenings_in_period()
    counts = screenings.groupby("participation_id").size()
    people["screenings"] = people["participation_id"].map(counts).fillna(0).astype(int)
    people["long"] = [
        (min(last, e) if e is not None and not pd.isna(e) else last)
        - (max(s, first) if first else s)
        >= timedelta(days=HALF_YEAR_DAYS)  # more than 182 days, both ends counted
        for s, e in zip(people["start_date"], people["exit_date"], strict=True)
    ]
    insatser = cohort_insatser(dataset)

    def by_insats(key: str, part: pd.Series) -> Counts:
        return column(pub, key, part.groupby(level=0).sum().reindex(insatser, fill_value=0))

    everyone = population.slice(1, -1)  # Översikt's cells: per insats over all genders
    per_insats = people.set_index("insats")
    if among_cohort or dataset.filter.cohort == Cohort.ACTIVE:
        forms = screened.slice(1, -1)  # the same screenings as the table above
    else:
        forms = by_insats("reach:forms", per_insats["screenings"])
        pub.within([screened.ids[:, -1]], forms.ids)  # the cohort's are a part of them
    once = by_insats("reach:once", per_insats["screenings"] >= 1)
    long = by_insats("reach:long", per_insats["long"])
    twice = by_insats("reach:twice", per_insats["long"] & (per_insats["screenings"] >= 2))
    pub.within([once.ids], everyone.ids)
    # A person screened is at least one screening, one screened twice at least two.
    pub.within([once.ids, twice.ids], forms.ids)
    pub.within([long.ids], everyone.ids)
    pub.within([twice.ids], long.ids)
    pub.within([twice.ids], once.ids)
    base = "Deltagare i urvalet" if among_cohort else "Aktiva under perioden"

    def show() -> pd.DataFrame:
        return pd.DataFrame(
            {
                base: everyone.shown(),
                "Våldsenkäter under perioden (antal enkäter)": forms.shown(),
                "Deltagare med minst en enkät": once.shown(),
                "Andel med minst en enkät": share_values(once, everyone),
                "Aktiva mer än 6 månader under perioden": long.shown(),
                "Varav deltagare med minst två enkäter": twice.shown(),
                "Andel med minst två enkäter": share_values(twice, long),
            },
            index=once.labels[0],
        )

    return show


# --- satisfaction ------------------------------------------------------------------------------


def satisfaction(dataset: Dataset, pub: Publication, participants: Counts) -> list[Block]:
    """`participants`: the cohort by insats and gender; each answers at most once."""
    answers = _answers(dataset, "nojdhet")
    if answers.empty:
        return [("Inga nöjdhetsenkäter i urvalet", _empty)]
    definition = dataset.definitions["nojdhet"]
    blocks: list[Block] = []
    insatser = cohort_insatser(dataset)
    for item in definition.items:
        part = answers[answers["item_id"] == item.id]
        key = f"nojdhet:{item.id}"
        if item.type == "scale":
            values = list(item.choice_values())
            counts = cube(pub, key, part, "value", values, insatser, dataset.genders)
            pub.within([counts.ids[:, -1, :]], participants.ids)
            title = f"{item.text.get('sv')} (1–{values[-1]})"
            blocks.append((title, _frame(counts, ["Insats", "Svar"])))
            blocks.append((f"{title}, medel", _means(pub, counts, values)))
            if item.id == "overall":
                blocks.insert(0, _top_box(pub, counts, values))
        elif item.type == "yes_no":
            answered = part[part["value"].isin(["ja", "nej"])]
            total = _by_gender(pub, f"{key}:answered", answered, dataset)
            yes = matrix(
                pub,
                f"{key}:ja",
                answered[answered["value"] == "ja"],
                "insats",
                insatser,
                dataset.genders,
                labelled=False,  # only its share is shown
            )
            pub.within([yes.ids], total.ids)
            pub.within([total.ids], participants.ids)
            text = item.text.get("sv")
            blocks.append((f"{text} – antal som svarat ja eller nej", total.frame))
            blocks.append((f"{text} – andel ja", partial(shares, yes, total)))
            if item.allow_decline:
                declined = _by_gender(
                    pub, f"{key}:declined", part[part["value"] == "vill_inte_svara"], dataset
                )
                blocks.append((f"{text} – vill inte svara", declined.frame))
    return blocks


def _frame(counts: Counts, names: list[str]) -> Callable[[], pd.DataFrame]:
    return lambda: counts.frame(names)


def _top_box(pub: Publication, counts: Counts, values: list[object]) -> Block:
    """The share who gave the two highest answers: their count (answers 4 + 5) follows from the
    share and the total, so it is a published count of its own."""
    top = [values.index(v) for v in values[-2:]]
    high_values = counts.values[:, top, :].sum(axis=1)
    high_ids = pub.table(
        "nojdhet:overall:top_box", high_values, (True, True), ("insats", "gender"), labelled=False
    )
    pub.add(high_ids, [counts.ids[:, i, :] for i in top])
    high = Counts(pub, high_values, high_ids, [counts.labels[0], counts.labels[2]])
    total = counts.slice(1, -1)
    title = f"Helhetsintryck: andel som gav {values[-2]} eller {values[-1]}"
    return title, lambda: shares(high, total)


def _means(pub: Publication, counts: Counts, values: list[object]) -> Callable[[], pd.DataFrame]:
    """Mean answer per insats and gender (and in total), shown only where the number who
    answered and every count of the distribution are shown. Mean × number = Σ answer × count:
    a relation the protection knows."""
    weights = np.asarray(values, dtype=float)
    totals = counts.slice(1, -1)
    sums = (counts.values[:, :-1, :] * weights[None, :, None]).sum(axis=1)
    sum_ids = pub.sums(totals.ids, sums, value_range=(float(weights.min()), float(weights.max())))
    pub.weighted(sum_ids, [(float(w), counts.ids[:, i, :]) for i, w in enumerate(weights)])

    def show() -> pd.DataFrame:
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.round(sums / np.where(totals.values > 0, totals.values, 1), 2).astype(object)
        mean[totals.hidden() | pub.hidden(sum_ids) | (totals.values == 0)] = None
        return pd.DataFrame(mean, index=totals.labels[0], columns=totals.labels[1], dtype=object)

    return show


# --- register data -----------------------------------------------------------------------------


def _category_block(
    dataset: Dataset,
    pub: Publication,
    participants: Counts,
    questionnaire_id: str,
    item_id: str,
    title: str,
    percent: bool = False,
) -> tuple[list[Block], Counts | None]:
    answers = _answers(dataset, questionnaire_id)
    definition = dataset.definitions.get(questionnaire_id)
    item = definition.item(item_id) if definition is not None else None
    if answers.empty or item is None:
        return [(f"{title}: inga uppgifter i urvalet", _empty)], None
    labels = {c.value: c.label.get("sv") for c in item.choices}
    part = answers[answers["item_id"] == item_id].assign(category=lambda f: f["value"].map(labels))
    name = str(item.text.get("sv"))
    counts = cube(
        pub,
        f"{questionnaire_id}:{item_id}",
        part,
        "category",
        list(labels.values()),
        cohort_insatser(dataset),
        dataset.genders,
    )
    pub.within([counts.ids[:, -1, :]], participants.ids)  # one answer per participation
    blocks: list[Block] = [(title, _frame(counts, ["Insats", name]))]
    if percent:
        blocks.append(
            (f"{title}, andel per insats och kön", lambda: cube_shares(counts, ["Insats", name]))
        )
    return blocks, counts


def register(dataset: Dataset, pub: Publication, participants: Counts) -> list[Block]:
    blocks: list[Block] = []
    for questionnaire_id, item_id, title in (
        ("inskrivning", "income", "Försörjning vid start (antal)"),
        ("utskrivning", "income", "Försörjning vid avslut (antal)"),
        ("inskrivning", "occupation", "Sysselsättning vid start (antal)"),
        ("utskrivning", "occupation", "Sysselsättning vid avslut (antal)"),
    ):
        blocks.extend(
            _category_block(dataset, pub, participants, questionnaire_id, item_id, title)[0]
        )
    return blocks


def exit_reasons(
    dataset: Dataset, pub: Publication, participants: Counts
) -> tuple[list[Block], Counts | None]:
    """The exit-reason blocks, and their counts (goals on exit reasons use them)."""
    return _category_block(
        dataset, pub, participants, "utskrivning", "exit_reason", "Avslutsorsak", percent=True
    )
