"""The item-by-item sheets, assembled from the report sections the questionnaire files declare:
distributions of items (counts and shares per answer, means of scales, share "ja") and
screenings (e.g. violence: at least one "ja", reach).

`blocks` returns, per sheet, blocks (a title and a table); `workbook` lays them out. Every count
goes through small-group protection and every share is blanked where it would rest on fewer
than k participants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

import numpy as np
import pandas as pd

from survey_app.clock import today
from survey_app.questionnaires import Distribution, Item, Questionnaire, Section
from survey_app.reports.dataset import (
    EXIT_OCCASIONS,
    Cohort,
    Dataset,
    at_the_end,
    ended_mask,
    sections_of,
)
from survey_app.reports.protection import Publication
from survey_app.reports.tables import (
    Counts,
    column,
    count_cube,
    cube,
    cube_of,
    cube_shares,
    matrix,
    share_values,
    shares,
)
from survey_app.reports.versions import Variant

# A table's title and how to show it once the publication is protected.
Block = tuple[str, Callable[[], pd.DataFrame]]
# The row of a register table counting the participations without an answer (its "Totalt" is
# then every participation the question concerns).
MISSING = "Svar saknas"
HALF_YEAR_DAYS = 182


def reach_text(form: str = "enkäten", forms: str = "enkäter") -> str:
    """The reach's definition (Om rapporten), in the words of the screening's section."""
    return (
        "Räckvidd per period, som i förbundens årsrapporter: bland deltagarna aktiva under "
        f"perioden de som fyllt i {form} minst en gång under perioden, och bland dem som varit "
        "aktiva mer än sex månader under perioden (mer än 182 dagar, första och sista dagen "
        "medräknade) de som fyllt i den minst två gånger under perioden. ”Enkäter” är antalet "
        f"inskickade {forms} under perioden, ”deltagare” antalet deltaganden (en person i två "
        "insatser räknas i båda). En publicerad årsrapport räknar räckvidden bland deltagarna i "
        "urvalet (de som avslutades under året)."
    )


@dataclass
class Register:
    """A register table (categories and "Svar saknas", `_category_block`): its counts, the
    question, its categories' labels by value, and whether it is asked at the end."""

    counts: Counts
    text: str
    labels: dict[str, str]
    at_end: bool


@dataclass
class Sheet:
    """An item sheet: its name, heading and blocks, one below the other."""

    name: str
    title: str
    blocks: list[Block] = field(default_factory=list)


def blocks(
    dataset: Dataset,
    pub: Publication,
    participants: Counts,
    population: Counts | None = None,
    ended: Counts | None = None,
) -> tuple[list[Sheet], Counts | None, dict[str, Register]]:
    """The item sheets of the declared sections, in order, the counts of the item goals
    name categories of (e.g. exit reasons), if any, and every register table with "Svar
    saknas" by "<questionnaire>:<item>" (goals on categories at exit name them).
    `population`: see `violence`. `ended`: the period's avslutade by insats and gender
    (Översikt's flow), the whole of a register table of answers given at the end (see
    `_category_block`).

    A sheet's tables come from every file with a section on it, in the order of their
    `position` (then the sections' order); a scale's top-box share comes first."""
    out: dict[str, Sheet] = {}
    entries: dict[str, list[tuple[int, int, Questionnaire, str | None, Distribution]]] = {}
    screenings: dict[str, list[Block]] = {}
    for number, (questionnaire, section) in enumerate(sections_of(dataset)):
        if section.compare:
            continue
        sheet = out.setdefault(section.sheet, Sheet(section.sheet, section.title or section.sheet))
        if section.screening:
            screenings.setdefault(sheet.name, []).extend(
                screening(dataset, pub, participants, questionnaire, section, population)
            )
        for n, distribution in enumerate(section.distributions):
            position = distribution.position if distribution.position is not None else n
            entries.setdefault(sheet.name, []).append(
                (position, number, questionnaire, section.empty, distribution)
            )
    goal_counts: Counts | None = None
    registers: dict[str, Register] = {}
    for sheet in out.values():
        sheet.blocks.extend(screenings.get(sheet.name, []))
        first: list[Block] = []
        emptied: set[str] = set()
        for _, _, questionnaire, empty, distribution in sorted(
            entries.get(sheet.name, []), key=lambda e: (e[0], e[1])
        ):
            if empty and dataset.answers_to(questionnaire.id).empty:
                if questionnaire.id not in emptied:
                    emptied.add(questionnaire.id)
                    sheet.blocks.append((empty, _empty))
                continue
            made, counts, top = _distribution(
                dataset, pub, participants, questionnaire, distribution, ended
            )
            sheet.blocks.extend(made)
            first.extend(top)
            if distribution.goal and counts is not None and goal_counts is None:
                goal_counts = counts
            if counts is not None and MISSING in counts.labels[1]:
                declared = questionnaire.item(distribution.item)
                registers[f"{questionnaire.id}:{distribution.item}"] = Register(
                    counts,
                    declared.text.get("sv") if declared is not None else distribution.item,
                    {str(c.value): c.label.get("sv") for c in declared.choices}
                    if declared is not None
                    else {},
                    asked_at_end(dataset, questionnaire.id, distribution.occasion),
                )
        sheet.blocks[:0] = first
    return list(out.values()), goal_counts, registers


def _distribution(
    dataset: Dataset,
    pub: Publication,
    participants: Counts,
    questionnaire: Questionnaire,
    distribution: Distribution,
    ended: Counts | None = None,
) -> tuple[list[Block], Counts | None, list[Block]]:
    """The blocks of one item by its type, its counts, and blocks to put first on the sheet.
    An item whose versions' answers differ is shown in parts, each named by its versions."""
    declared = questionnaire.item(distribution.item)
    assert declared is not None  # noqa: S101 (checked at load)
    variants = dataset.variants.get((questionnaire.id, distribution.item)) or [
        Variant(distribution.item, declared)
    ]
    made: list[Block] = []
    first: list[Block] = []
    main: Counts | None = None
    where = _Where(
        dataset, pub, participants, questionnaire.id, distribution, ended, len(variants) == 1
    )
    for variant in variants:
        item = variant.item or declared
        blocks, counts, top = SUMMARIES[str(item.kind.summary)](where, item, variant)
        made.extend(blocks)
        first.extend(top)
        main = main or counts
    return made, main, first


@dataclass(frozen=True)
class _Where:
    """What a summary of one declared distribution is made in."""

    dataset: Dataset
    pub: Publication
    participants: Counts
    questionnaire_id: str
    distribution: Distribution
    ended: Counts | None = None
    # One part over all versions: a register table then counts those without an answer too.
    whole: bool = True

    def part(self, variant: Variant) -> pd.DataFrame:
        return _item_part(
            self.dataset, self.questionnaire_id, variant.key, self.distribution.occasion
        )


Summary = tuple[list[Block], Counts | None, list[Block]]


def _summarise_categories(where: _Where, item: Item, variant: Variant) -> Summary:
    title = (where.distribution.title or item.text.get("sv")) + variant.suffix
    blocks, counts = _category_block(where, item, variant.key, title)
    return blocks, counts, []


def _summarise_scale(where: _Where, item: Item, variant: Variant) -> Summary:
    """Counts per answer and the mean (each participation answers at most once), and the
    top-box share if the file asks for it (shown first on the sheet)."""
    dataset, pub = where.dataset, where.pub
    key = f"{where.questionnaire_id}:{variant.key}"
    values = list(item.choice_values())
    title = where.distribution.title or f"{item.text.get('sv')} ({values[0]}–{values[-1]})"
    title += variant.suffix
    part = where.part(variant)
    counts = cube(pub, key, part, "value", values, cohort_insatser(dataset), dataset.genders)
    pub.within([counts.ids[:, -1, :]], where.participants.ids)
    blocks: list[Block] = [
        (title, _frame(counts, ["Insats", "Svar"])),
        (f"{title}, medel", _means(pub, counts, values)),
    ]
    top = []
    if where.distribution.top_box:
        label = where.distribution.top_box + variant.suffix
        top.append(_top_box(pub, key, counts, values, label))
    return blocks, counts, top


def _summarise_yes_no(where: _Where, item: Item, variant: Variant) -> Summary:
    """The number who answered ja or nej, the share ja, and those who declined."""
    dataset, pub = where.dataset, where.pub
    key = f"{where.questionnaire_id}:{variant.key}"
    text = (where.distribution.title or item.text.get("sv")) + variant.suffix
    part = where.part(variant)
    answered = part[part["value"].isin(["ja", "nej"])]
    total = _by_gender(pub, f"{key}:answered", answered, dataset)
    yes = matrix(
        pub,
        f"{key}:ja",
        answered[answered["value"] == "ja"],
        "insats",
        cohort_insatser(dataset),
        dataset.genders,
        labelled=False,  # only its share is shown
    )
    pub.within([yes.ids], total.ids)
    pub.share_of(yes.ids, total.ids)
    pub.within([total.ids], where.participants.ids)
    blocks: list[Block] = [
        (f"{text} – antal som svarat ja eller nej", total.frame),
        (f"{text} – andel ja", partial(shares, yes, total)),
    ]
    if item.allow_decline:
        declined = _by_gender(
            pub, f"{key}:declined", part[part["value"] == "vill_inte_svara"], dataset
        )
        blocks.append((f"{text} – vill inte svara", declined.frame))
        # One answer per participation: ja or nej, or declined.
        pub.within([total.ids, declined.ids], where.participants.ids)
    return blocks, None, []


# How each item type's `summary` is tabled (see questionnaires/types.py).
SUMMARIES = {
    "categories": _summarise_categories,
    "scale": _summarise_scale,
    "yes_no": _summarise_yes_no,
}


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


def cohort_insatser(dataset: Dataset) -> list[str]:
    """The insatser of the participations active in the period (the cohort's and any other of
    the flow on Översikt), in the order every table lists them."""
    return sorted(dataset.active["insats"].unique())


def _item_part(
    dataset: Dataset, questionnaire_id: str, item_id: str, occasion: str | None
) -> pd.DataFrame:
    """The answers to one item: at the occasion kind if given, and one per participation (the
    latest), so that a table's total is at most the participants."""
    answers = dataset.answers_to(questionnaire_id, occasion)
    if answers.empty:
        return answers
    part = answers[answers["item_id"] == item_id]
    if part["participation_id"].duplicated().any():
        part = part.sort_values("response_id").drop_duplicates("participation_id", keep="last")
    return part


def _by_gender(pub: Publication, key: str, frame: pd.DataFrame, dataset: Dataset) -> Counts:
    return matrix(pub, key, frame, "insats", cohort_insatser(dataset), dataset.genders)


# --- screening (e.g. violence) ------------------------------------------------------------------


def screening(
    dataset: Dataset,
    pub: Publication,
    participants: Counts,
    questionnaire: Questionnaire,
    section: Section,
    population: Counts | None = None,
) -> list[Block]:
    """A screening section (e.g. violence): screenings, those with at least one "ja" or
    "vill inte svara", "ja" per question, and the reach, named in the section's words
    (`forms`). `participants`: the cohort by insats and gender (Översikt). `population`: those
    active in the period, by insats and gender (Översikt's flow), among whom the reach is
    counted (None: the cohort)."""
    answers = dataset.answers_to(questionnaire.id)
    if answers.empty:
        return [(section.empty or f"Inga svar på {questionnaire.name} i urvalet", _empty)]
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
    # Every version's questions (the declared file's first): none of their answers is left out.
    labels: dict[str, str] = {}
    for version in [questionnaire, *dataset.answered.get(questionnaire.id, [])]:
        for question in version.items:
            labels.setdefault(question.id, question.text.get("sv"))
    items = list(labels)
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
    reach = _reach(
        dataset, pub, participants if population is None else population, screened, section.forms
    )
    return [
        (f"Genomförda {section.forms}", screened.frame),
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
    forms_word: str,
    on: date | None = None,
) -> Callable[[], pd.DataFrame]:
    """The reach of the screening in the period (`reach_text`): among the participations active
    in it (`population`, by insats and gender), those screened at least once in the period;
    among those active more than six months of it, those screened at least twice. `on`: the
    period's end when it has none (today)."""
    first, last = dataset.filter.date_from, dataset.filter.date_to or on or today()
    # A published release counts the reach among its cohort (see `reach_text`).
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
                f"{forms_word.capitalize()} under perioden (antal enkäter)": forms.shown(),
                "Deltagare med minst en enkät": once.shown(),
                "Andel med minst en enkät": share_values(once, everyone),
                "Aktiva mer än 6 månader under perioden": long.shown(),
                "Varav deltagare med minst två enkäter": twice.shown(),
                "Andel med minst två enkäter": share_values(twice, long),
            },
            index=once.labels[0],
        )

    return show


# --- distributions ------------------------------------------------------------------------------


def _frame(counts: Counts, names: list[str]) -> Callable[[], pd.DataFrame]:
    return lambda: counts.frame(names)


def _top_box(pub: Publication, key: str, counts: Counts, values: list[object], label: str) -> Block:
    """The share who gave the two highest answers: their count (answers 4 + 5) follows from the
    share and the total, so it is a published count of its own."""
    top = [values.index(v) for v in values[-2:]]
    high_values = counts.values[:, top, :].sum(axis=1)
    high_ids = pub.table(
        f"{key}:top_box", high_values, (True, True), ("insats", "gender"), labelled=False
    )
    pub.add(high_ids, [counts.ids[:, i, :] for i in top])
    high = Counts(pub, high_values, high_ids, [counts.labels[0], counts.labels[2]])
    total = counts.slice(1, -1)
    pub.share_of(high_ids, total.ids)
    title = f"{label}: andel som gav {values[-2]} eller {values[-1]}"
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
    where: _Where, item: Item, answer_id: str, title: str
) -> tuple[list[Block], Counts | None]:
    """Counts per category (`answer_id`: the item's id in the answers, see `versions`), and
    "Svar saknas": the participations the question concerns without an answer, so that the
    table's "Totalt" is all of them and each category's share is of all of them. The question
    concerns the cohort's participations, or, asked at the end, those of them that ended in the
    period (answers at the end count only for them: `dataset.in_period`). An item reported in
    parts over its versions has no "Svar saknas" (a participation answers one part)."""
    dataset, pub, participants = where.dataset, where.pub, where.participants
    questionnaire_id, distribution = where.questionnaire_id, where.distribution
    if dataset.answers_to(questionnaire_id, distribution.occasion).empty:
        return [(f"{title}: inga uppgifter i urvalet", _empty)], None
    labels = {c.value: c.label.get("sv") for c in item.choices}
    part = _item_part(dataset, questionnaire_id, answer_id, distribution.occasion).assign(
        category=lambda f: f["value"].map(labels)
    )
    categories = list(labels.values())
    at_end = asked_at_end(dataset, questionnaire_id, distribution.occasion)
    if where.whole:
        part = part[part["category"].notna()]
        concerned = dataset.participations
        if at_end:
            concerned = concerned[ended_mask(concerned, dataset.filter)]
        missing = concerned[~concerned["participation_id"].isin(part["participation_id"])]
        part = pd.concat(
            [
                part[["participation_id", "insats", "gender", "category"]],
                missing[["participation_id", "insats", "gender"]].assign(category=MISSING),
            ],
            ignore_index=True,
        )
        categories.append(MISSING)
    name = str(item.text.get("sv"))
    key = f"{questionnaire_id}:{answer_id}"
    insatser = cohort_insatser(dataset)
    # "Totalt" is every participation the question concerns: the cohort, or those of it that
    # ended in the period (in `aktiva` and `avslutade` all the period's avslutade).
    whole = (
        (where.ended if dataset.filter.cohort in (Cohort.ACTIVE, Cohort.ENDED) else None)
        if at_end
        else participants
    )
    if (
        where.whole
        and whole is not None
        and np.array_equal(
            count_cube(part, "category", categories, insatser, dataset.genders)[:, -1, :],
            whole.values,
        )
    ):
        counts = cube_of(pub, key, part, "category", categories, whole)
    else:  # (answers of participations outside the cohort: only in hand-made data)
        counts = cube(pub, key, part, "category", categories, insatser, dataset.genders)
        pub.within([counts.ids[:, -1, :]], participants.ids)  # one answer per participation
        if where.whole and where.ended is not None:
            pub.within([counts.ids[:, -1, :]], where.ended.ids)
    blocks: list[Block] = [(title, _frame(counts, ["Insats", name]))]
    if distribution.shares or where.whole:
        blocks.append(
            (f"{title}, andel per insats och kön", lambda: cube_shares(counts, ["Insats", name]))
        )
    return blocks, counts


def asked_at_end(dataset: Dataset, questionnaire_id: str, occasion: str | None = None) -> bool:
    """Whether a questionnaire's answers are given at the end of a participation (EXIT, after
    it): the item's declared occasion, else every answer in the data."""
    if occasion is not None:
        return occasion in EXIT_OCCASIONS
    answers = dataset.answers_to(questionnaire_id)
    if answers.empty:
        return False
    return bool(at_the_end(answers["occasion"]).all())
