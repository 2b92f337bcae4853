"""The Excel workbook of a report: pandas with the xlsxwriter engine, formulas never evaluated.

Everything the workbook publishes is registered in one Publication first (Översikt, the
comparisons, every item sheet, the goals), protected as one system, and only then written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from survey_app import cycle_collector, scoring
from survey_app.clock import STOCKHOLM
from survey_app.questionnaires import Questionnaire, Section
from survey_app.reports import background, goals, printing, sheets, summary
from survey_app.reports.compare import (
    COLUMNS,
    TOTAL,
    PValueOf,
    shown_comparison,
    wilcoxon_of,
)
from survey_app.reports.dataset import (
    COHORT_DEFINITIONS,
    COHORT_LABELS,
    Cohort,
    Dataset,
    Measure,
    Progress,
    at_the_end,
    category_goal,
    cohort_text,
    declared_measures,
    sections_of,
    series_steps,
    step_label,
    with_other_genders_merged,
)
from survey_app.reports.protection import SECONDARY, Publication, primary_label
from survey_app.reports.tables import Counts

# "Antal med start" is not shown: it is the sum of the two counts shown.
COUNT_COLUMNS = ["n_pairs", "n_without_exit"]
STAT_COLUMNS = [c for c in COLUMNS if c not in ("n_start", *COUNT_COLUMNS)]
SHOWN_COLUMNS = [*COUNT_COLUMNS, *STAT_COLUMNS]
HEADERS = {
    "measure": "Mått",
    "insats": "Insats",
    "gender": "Kön",
    "n_pairs": "Antal par (start och avslut)",
    "n_without_exit": "Start utan avslut",
    "mean_start": "Medel vid start",
    "mean_exit": "Medel vid avslut",
    "mean_change": "Förändring",
    "ci_low": "95 % KI, lägre",
    "ci_high": "95 % KI, övre",
    "p_wilcoxon": "p (Wilcoxon)",
    "share_improved": "Andel förbättrade",
    "share_unchanged": "Andel oförändrade",
    "share_worsened": "Andel försämrade",
}
PERCENT_COLUMNS = {"share_improved", "share_unchanged", "share_worsened"}
# Outcomes of a paired comparison, in the order of the first axis of its table; the last (the
# number of pairs) is their total.
OUTCOMES = ("share_improved", "share_unchanged", "share_worsened")
INTERNAL_NOTE = (
    "INTERNT – ad hoc-rapport med fritt vald period och fria insatser. Skyddet gäller inom "
    "rapporten, inte mot jämförelser med andra rapporter: får inte lämna förbundet."
)


WRITE_STEPS = 9
# Of these, the steps for the sheets between Översikt and Om rapporten.
SHEET_STEPS = WRITE_STEPS - 3

# The flow of the period on Översikt, in this order: aktiva = inskrivna vid början + nya
# = avslutade + pågående vid slut.
ENROLLED, NEW, ACTIVE, ENDED, ONGOING = range(5)
FLOW = (
    "Inskrivna vid periodens början",
    "Nya under perioden",
    "Aktiva under perioden",
    "Avslutade under perioden",
    "Pågående vid periodens slut",
)
COHORT_FLOW = {
    Cohort.ENROLLED: ENROLLED,
    Cohort.NEW: NEW,
    Cohort.ACTIVE: ACTIVE,
    Cohort.ENDED: ENDED,
}
# A published release shows only the flow's events: those counts never overlap between two
# years (a participation starts once and ends once).
RELEASED_FLOW = (NEW, ENDED)


@dataclass
class Report:
    """Everything a workbook publishes, protected, ready to write."""

    dataset: Dataset
    overview: Counts  # the flow of the period (FLOW) by insats and gender
    participants: Counts  # the cohort by insats and gender: the flow's row of the cohort
    comparison: pd.DataFrame  # the comparison rows as shown
    layout: list[Layout]  # the sheets between Översikt and Om rapporten, in order
    goals: pd.DataFrame
    # START paired with each later step of a series (follow-ups, after the exit) as shown, by
    # step ("followup:1", "after:6"; compare.py); empty when no one has such values.
    series: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def blocks(self) -> dict[str, list[sheets.Block]]:
        """The item sheets' titles and tables, by sheet name."""
        return {s.name: s.blocks.blocks for s in self.layout if s.blocks is not None}


@dataclass
class Layout:
    """One sheet of the declared sections: a comparison (START → EXIT per measure) or blocks."""

    name: str
    comparison: Questionnaire | None = None  # the first file comparing on it (note, chart)
    section: Section | None = None
    blocks: sheets.Sheet | None = None


def build(dataset: Dataset) -> Report:
    """Register every published count in one Publication, protect it, and return the report."""
    forbund = dataset.forbund
    if forbund.merge_other_genders:
        dataset = with_other_genders_merged(dataset)
    pub = Publication(
        forbund.min_group_size, keep=forbund.protection_keeps or "totals", cross=False
    )
    overview = _register_overview(dataset, pub)
    raw, cross, p_of = _raw_comparison(dataset)
    rows = overview.labels[0]
    participants = overview.slice(0, rows.index(FLOW[COHORT_FLOW[Cohort(dataset.filter.cohort)]]))
    ended = overview.slice(0, rows.index(FLOW[ENDED]))
    population = overview.slice(0, rows.index(FLOW[ACTIVE])) if FLOW[ACTIVE] in rows else None
    comparisons = _register_comparisons(dataset, pub, _by_group(raw, cross), participants, ended)
    series_raw = _raw_series(dataset)
    series = _register_series(
        dataset,
        pub,
        {step: _by_group(raw, cross) for step, (raw, cross, _) in series_raw.items()},
        comparisons,
        ended,
    )
    background_sheet = background.sheet(dataset, pub, participants, overview)
    item_sheets, reasons, registers = sheets.blocks(dataset, pub, participants, population, ended)
    _within_ended(pub, ended, dataset)
    goal_rows = _register_goals(dataset, pub, comparisons, reasons, registers)
    pub.protect()
    return Report(
        dataset,
        overview,
        participants,
        _comparison_table(raw, comparisons, p_of),
        [Layout(background.SHEET, blocks=background_sheet), *_layout(dataset, item_sheets)],
        goal_rows(),
        {
            step: _comparison_table(raw, series[step], p_of_step)
            for step, (raw, _, p_of_step) in series_raw.items()
        },
    )


def _layout(dataset: Dataset, item_sheets: list[sheets.Sheet]) -> list[Layout]:
    """The sheets in the order of the sections first naming them."""
    by_name = {sheet.name: sheet for sheet in item_sheets}
    out: dict[str, Layout] = {}
    for questionnaire, section in sections_of(dataset):
        if section.sheet in out:
            continue
        if section.compare:
            out[section.sheet] = Layout(section.sheet, questionnaire, section)
        elif section.sheet in by_name:
            out[section.sheet] = Layout(section.sheet, blocks=by_name[section.sheet])
    return list(out.values())


@cycle_collector.pausing
def write(
    dataset: Dataset,
    target: Path | BinaryIO,
    made_by: str,
    progress: Progress = lambda step: None,
    internal: bool = False,
) -> None:
    """Write the workbook; `progress` is called WRITE_STEPS times (see dataset.Progress).
    `internal`: an ad hoc report for the förbund's admins, marked as such on every sheet."""
    report = build(dataset)
    dataset, k = report.dataset, report.dataset.forbund.min_group_size
    comparison = report.comparison
    progress("jämförelser beräknade och skyddade")
    with pd.ExcelWriter(
        target,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        formats = _formats(writer.book)
        pages: dict[str, printing.Pages] = {}
        pages[summary.SHEET] = _summary_sheet(writer, dataset, summary.sections(report), formats)
        pages["Översikt"] = _overview(writer, dataset, report, formats)
        progress("Översikt")
        done = 0
        for number, layout in enumerate(report.layout, start=1):
            if layout.blocks is not None:
                blocks = layout.blocks
                pages[blocks.name] = _blocks_sheet(
                    writer, blocks.name, blocks.title, blocks.blocks, formats, dataset
                )
            else:
                pages[layout.name] = _comparison_sheet(writer, layout, dataset, comparison, formats)
            # SHEET_STEPS steps however many sheets there are.
            due = number * SHEET_STEPS // len(report.layout)
            for extra in range(due - done):
                progress(layout.name if extra == 0 else f"{layout.name} ({extra + 1})")
            done = due
        for extra in range(SHEET_STEPS - done):
            progress(f"blad skrivna ({extra + 1})")
        for layout in report.layout:
            if layout.comparison is None:
                continue
            keys = {key for key, m in dataset.measures.items() if m.sheet == layout.name}
            for step, table in report.series.items():
                if table["measure"].isin(keys).any():
                    pages[series_sheet(layout.name, step)] = _comparison_sheet(
                        writer, layout, dataset, table, formats, step
                    )
        pages["Om rapporten"] = _about(writer, dataset, k, made_by, formats, internal)
        for name, sheet in writer.sheets.items():
            if internal:
                sheet.write(0, 6, INTERNAL_NOTE, formats["internal"])
            _page_setup(sheet, dataset, pages.get(name, printing.Pages()), internal)
    progress("Om rapporten; arbetsboken sparad")


def _formats(book: Any) -> dict[str, Any]:
    """Cell styles. Every number and every protection marker ("<5", "x") of a table is
    right-aligned in its column's style, so that a hidden count never looks shifted."""
    # Top-aligned like the labels, whose texts may wrap onto more lines.
    right = {"align": "right", "valign": "top"}
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "header": book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1}),
        # A table's title: one line, running over the empty cells beside it.
        "section": book.add_format({"bold": True}),
        "header_right": book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, **right}
        ),
        "count": book.add_format({"num_format": "0", **right}),
        "percent": book.add_format({"num_format": "0%", **right}),
        "decimal": book.add_format({"num_format": "0.00", **right}),
        "p": book.add_format({"num_format": "0.000", **right}),
        "text": book.add_format({"valign": "top"}),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "internal": book.add_format({"bold": True, "font_color": "#9C0006"}),
    }


def series_sheet(name: str, step: str) -> str:
    """The sheet of START compared with a later step of a series: "Uppf. 1 – Självskattning",
    "Efter avslut 6 mån – EQ-5D" (the step first: Excel allows 31 characters)."""
    kind, _, number = step.partition(":")
    short = f"Uppf. {number}" if kind == "followup" else f"Efter avslut {number} mån"
    return f"{short} – {name}"[:31]


def _step_headers(step: str) -> dict[str, str]:
    if step == "exit":
        return HEADERS
    label = step_label(step).lower()
    return {
        **HEADERS,
        "n_pairs": f"Antal par (start och {label})",
        "n_without_exit": f"Start utan {label}",
        "mean_exit": f"Medel vid {label}",
    }


def _raw_series(dataset: Dataset) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, PValueOf]]:
    """START compared with each step of a series other than EXIT, in the series' order, as
    _raw_comparison."""
    if dataset.measurements.empty:
        return {}
    directions = {key: m.direction for key, m in dataset.measures.items()}
    steps = series_steps(dataset.measurements["occasion"].unique())
    return {
        step: shown_comparison(dataset.measurements, directions, step)
        for step in steps
        if step != "exit"
    }


# A comparison's rows by measure, then by (insats, gender): see _by_group.
Groups = dict[str, dict[tuple[object, object], dict[str, Any]]]


def _by_group(*frames: pd.DataFrame) -> Groups:
    """The rows of comparisons (the groups shown, the insats × gender groups) by measure and
    group."""
    out: Groups = {}
    for frame in frames:
        for row in frame.to_dict("records"):
            out.setdefault(str(row["measure"]), {})[(row["insats"], row["gender"])] = row
    return out


def _raw_comparison(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame, PValueOf]:
    """START compared with EXIT: the groups shown, each insats × gender group (never shown: its
    counts are registered as latent cells) and the Wilcoxon p (worked out only for the groups
    shown: _comparison_table)."""
    if dataset.measurements.empty:
        empty = pd.DataFrame(columns=["insats", "gender", "measure", *COLUMNS])
        return empty, empty, wilcoxon_of(dataset.measurements)
    directions = {key: m.direction for key, m in dataset.measures.items()}
    return shown_comparison(dataset.measurements, directions)


# --- registering ------------------------------------------------------------------------------


def _register_overview(dataset: Dataset, pub: Publication) -> Counts:
    """The flow of the period by insats and gender (FLOW × insats × gender, margins only), with
    aktiva = inskrivna vid början + nya = avslutade + pågående vid slut, cell by cell. A
    published release registers only the events (RELEASED_FLOW)."""
    frame = dataset.active
    first, last = dataset.filter.date_from, dataset.filter.date_to
    insatser = sheets.cohort_insatser(dataset)
    values = np.zeros((len(FLOW), len(insatser) + 1, len(dataset.genders) + 1), dtype=int)
    row = {name: i for i, name in enumerate(insatser)}
    col = {name: i for i, name in enumerate(dataset.genders)}
    for start, end, insats, gender in zip(
        frame["start_date"], frame["exit_date"], frame["insats"], frame["gender"], strict=True
    ):
        ended = end is not None and not pd.isna(end) and (last is None or end <= last)
        new = first is None or start >= first
        for flow in (NEW if new else ENROLLED, ACTIVE, ENDED if ended else ONGOING):
            values[flow, row[insats], col[gender]] += 1
    values[:, :, -1] = values[:, :, :-1].sum(axis=2)
    values[:, -1, :] = values[:, :-1, :].sum(axis=1)
    shown = list(RELEASED_FLOW if dataset.filter.released else range(len(FLOW)))
    ids = pub.table(
        "overview", values[shown], (False, True, True), axes=("flow", "insats", "gender")
    )
    if not dataset.filter.released:
        pub.add(ids[ACTIVE], [ids[ENROLLED], ids[NEW]])
        pub.add(ids[ACTIVE], [ids[ENDED], ids[ONGOING]])
    labels = [[FLOW[f] for f in shown], [*insatser, TOTAL], [*dataset.genders, TOTAL]]
    return Counts(pub, values[shown], ids, labels)


@dataclass
class _Comparison:
    """One measure's registered counts: outcomes (improved, unchanged, worsened, pairs) and
    START without EXIT, each by insats × gender."""

    outcomes: Counts
    without_exit: Counts


def _register_comparisons(
    dataset: Dataset, pub: Publication, groups: Groups, participants: Counts, ended: Counts
) -> dict[str, _Comparison]:
    out: dict[str, _Comparison] = {}
    for key, measure in dataset.measures.items():
        out[key] = found = _register_pairs(dataset, pub, groups.get(key, {}), key, measure)
        # Those with a START value (pairs and START without EXIT) are participants.
        pub.within([found.outcomes.ids[-1], found.without_exit.ids], participants.ids)
        # A pair needs an EXIT, which counts only for those who ended in the period.
        pub.within([found.outcomes.ids[-1]], ended.ids)
    return out


def _register_series(
    dataset: Dataset,
    pub: Publication,
    series: dict[str, Groups],
    comparisons: dict[str, _Comparison],
    ended: Counts,
) -> dict[str, dict[str, _Comparison]]:
    """START paired with each later step of a series (follow-ups, after the exit), by step and
    measure: the same counts as START → EXIT, and with the same START values (pairs + START
    without the step = pairs + START without EXIT, cell by cell)."""
    out: dict[str, dict[str, _Comparison]] = {}
    for step, groups in series.items():
        out[step] = {}
        for key, measure in dataset.measures.items():
            if key not in groups:
                continue
            found = _register_pairs(dataset, pub, groups[key], key, measure, f"@{step}")
            at_exit = comparisons[key]
            pub.equal(
                [found.outcomes.ids[-1], found.without_exit.ids],
                [at_exit.outcomes.ids[-1], at_exit.without_exit.ids],
            )
            if step.startswith("after:"):
                pub.within([found.outcomes.ids[-1]], ended.ids)  # after an exit in the period
            out[step][key] = found
    return out


def _register_pairs(
    dataset: Dataset,
    pub: Publication,
    part: dict[tuple[object, object], dict[str, Any]],
    key: str,
    measure: Measure,
    suffix: str = "",
) -> _Comparison:
    """One measure's paired counts (outcomes, pairs, START without the later value) and the
    sums behind its two means, by insats and gender; `part` has the measure's comparison of
    every group, each insats × gender group's too (latent cells: never shown)."""
    insatser = [*sheets.cohort_insatser(dataset), TOTAL]
    genders = [*dataset.genders, TOTAL]
    shape = (len(insatser), len(genders))
    outcomes = np.zeros((len(OUTCOMES) + 1, *shape), dtype=int)
    without = np.zeros(shape, dtype=int)
    sums = np.zeros((2, *shape))
    for (i, insats), (g, gender) in _cells(insatser, genders):
        row = part.get((insats, gender))
        if row is None:
            continue
        n = int(row["n_pairs"])
        outcomes[-1, i, g] = n
        for o, name in enumerate(OUTCOMES):
            outcomes[o, i, g] = round(float(row[name]) * n) if n else 0
        without[i, g] = int(row["n_without_exit"])
        for s, name in enumerate(("mean_start", "mean_exit")):
            sums[s, i, g] = float(row[name]) * n if n else 0.0
    # Improved, unchanged and worsened are shown only as shares of the pairs.
    parts = pub.table(
        f"outcomes:{key}{suffix}",
        outcomes[:-1],
        (False, True, True),
        axes=("outcome", "insats", "gender"),
        labelled=False,
    )
    pairs = pub.table(f"pairs:{key}{suffix}", outcomes[-1], (True, True), axes=("insats", "gender"))
    pub.add(pairs, list(parts))
    pub.share_of(parts, pairs)
    outcome_ids = np.concatenate([parts, pairs[None]])
    without_ids = pub.table(
        f"without_exit:{key}{suffix}", without, (True, True), axes=("insats", "gender")
    )
    for s in range(2):
        pub.sums(outcome_ids[-1], sums[s], (True, True), measure.value_range)
    return _Comparison(
        Counts(pub, outcomes, outcome_ids, [[*OUTCOMES, "n_pairs"], insatser, genders]),
        Counts(pub, without, without_ids, [insatser, genders]),
    )


def _within_ended(pub: Publication, ended: Counts, dataset: Dataset) -> None:
    """Answers at the end (EXIT, after it) come only from participations that ended in the
    period (dataset.in_period): each table by insats and gender (a cube: its total over the
    categories) of a questionnaire answered only there is at most the period's avslutade."""
    answers = dataset.answers
    if answers.empty:
        return
    at_end = at_the_end(answers["occasion"])
    only_at_end = set(answers.loc[at_end, "questionnaire_id"]) - set(
        answers.loc[~at_end, "questionnaire_id"]
    )
    for questionnaire in sorted(only_at_end):
        tables = pub.tables(f"{questionnaire}:")
        for key, ids in tables.items():
            whole = ids[:, -1, :] if ids.ndim == 3 else ids
            if whole.shape == ended.ids.shape:
                pub.within([whole], ended.ids)
                # A yes/no question's answers and those who declined it: one per participation.
                if key.endswith(":declined"):
                    answered = tables.get(key.removesuffix(":declined") + ":answered")
                    if answered is not None:
                        pub.within([answered, ids], ended.ids)


def _cells(
    insatser: Sequence[str], genders: Sequence[str]
) -> list[tuple[tuple[int, str], tuple[int, str]]]:
    return [((i, a), (g, b)) for i, a in enumerate(insatser) for g, b in enumerate(genders)]


def _comparison_table(
    raw: pd.DataFrame,
    comparisons: dict[str, _Comparison],
    p_of: PValueOf,
) -> pd.DataFrame:
    """The comparison rows as shown: counts protected, every statistic of a hidden count blank,
    the Wilcoxon p (`p_of`) worked out for the groups shown."""
    table = raw.copy()
    for column in SHOWN_COLUMNS:
        table[column] = table[column].astype(object)
    # Measure by measure, every row's cells at once (a förbund-year has hundreds of rows).
    for measure, rows in raw.groupby("measure", sort=False):
        comparison = comparisons[str(measure)]
        labels = comparison.outcomes.labels
        i = [labels[1].index(insats) for insats in rows["insats"]]
        g = [labels[2].index(gender) for gender in rows["gender"]]
        shown = comparison.outcomes.shown()[:, i, g]
        hidden = comparison.outcomes.hidden()[:, i, g]
        table.loc[rows.index, "n_pairs"] = shown[-1]
        table.loc[rows.index, "n_without_exit"] = comparison.without_exit.shown()[i, g]
        # A pairs count hidden, or shown but veiled (worked out by a reader anyway, see
        # Publication._is_hidden), or no pairs: no statistic beside it.
        blank = hidden[-1] | (rows["n_pairs"].to_numpy() == 0)
        table.loc[rows.index[blank], STAT_COLUMNS] = None
        for o, column in enumerate(OUTCOMES):
            table.loc[rows.index[hidden[o] & ~blank], column] = None
        table.loc[rows.index[~blank], "p_wilcoxon"] = p_of.many(
            [
                (insats, gender, str(measure))
                for insats, gender in zip(
                    rows["insats"][~blank], rows["gender"][~blank], strict=True
                )
            ]
        )
    stats = table[STAT_COLUMNS]
    table[STAT_COLUMNS] = stats.astype(object).where(stats.notna(), None)
    return table


def _register_goals(
    dataset: Dataset,
    pub: Publication,
    comparisons: dict[str, _Comparison],
    reasons: Counts | None,
    registers: dict[str, sheets.Register] | None = None,
) -> Any:
    """Register what the goal table publishes (its counts are cells of other tables; a goal
    on exit reasons publishes their sum), and return how to show it once protected."""
    questionnaires = list({q.id: q for q, _ in sections_of(dataset)}.values())
    labels = {key: label for key, (label, _) in declared_measures(questionnaires).items()}
    labels.update({key: m.goal_label or m.label for key, m in dataset.measures.items()})
    reason_labels = _reason_labels(dataset)
    insatser = sheets.cohort_insatser(dataset)
    rows: list[tuple[str, str, float, Any, Any, Any]] = []
    given_reasons: dict[str, Counts] = {}
    for insats in sorted(dataset.goals):
        for number, goal in enumerate(dataset.goals[insats]):
            register = (registers or {}).get(str(goal.get("item")))
            if goal["kind"] == "categories":
                text = goals.describe_categories(
                    goal,
                    register.text if register else str(goal.get("item")),
                    register.labels if register else {},
                    register is None or register.at_end,
                )
            else:
                text = goals.describe(goal, labels, reason_labels)
            target = float(goal["target"])
            if insats not in insatser:
                rows.append((insats, text, target, None, None, None))
                continue
            i = insatser.index(insats)
            if goal["kind"] == "improved":
                comparison = comparisons.get(goal["measure"])
                if comparison is None:
                    rows.append((insats, text, target, None, None, None))
                    continue
                counts = comparison.outcomes
                rows.append((insats, text, target, counts, (0, i, -1), (-1, i, -1)))
            elif goal["kind"] == "categories":
                if register is None:
                    rows.append((insats, text, target, None, None, None))
                    continue
                table = register.counts
                names = [register.labels.get(str(c)) for c in goal.get("categories", [])]
                columns = [table.labels[1].index(c) for c in names if c in table.labels[1]]
                value = np.asarray([table.values[i, columns, -1].sum()])
                ids = pub.table(f"goal:{insats}:{number}", value, (False,), labelled=False)
                pub.add(ids, [np.asarray([table.ids[i, c, -1]]) for c in columns])
                # Of every participation the question concerns, "Svar saknas" included: the
                # table's "Totalt" (at the end: the insats' avslutade), stated in the goal.
                pub.share_of(ids, np.asarray([table.ids[i, -1, -1]]))
                count = Counts(pub, value, ids, [["goal"]])
                rows.append((insats, text, target, (count, table), (0,), (i, -1, -1)))
            elif reasons is not None:
                codes = [reason_labels.get(r, r) for r in goal["reasons"]]
                columns = [reasons.labels[1].index(c) for c in codes if c in reasons.labels[1]]
                value = np.asarray([reasons.values[i, columns, -1].sum()])
                ids = pub.table(f"goal:{insats}:{number}", value, (False,), labelled=False)
                pub.add(ids, [np.asarray([reasons.ids[i, c, -1]]) for c in columns])
                given = given_reasons.get(insats) or _given(pub, reasons, insats, i)
                given_reasons[insats] = given
                pub.share_of(ids, given.ids)
                count = Counts(pub, value, ids, [["goal"]])
                rows.append((insats, text, target, (count, given), (0,), (0,)))
            else:
                rows.append((insats, text, target, None, None, None))

    def show() -> pd.DataFrame:
        out: list[tuple[str, str, float | None, object, str]] = []
        for insats, text, target, counts, part_at, whole_at in rows:
            if counts is None:
                out.append((insats, text, None, 0, f"För få (färre än {pub.k})"))
                continue
            part_counts, whole_counts = counts if isinstance(counts, tuple) else (counts, counts)
            part = part_counts.values[part_at]
            whole = whole_counts.values[whole_at]
            part_hidden = part_counts.hidden()[part_at]
            whole_shown = whole_counts.shown()[whole_at]
            if isinstance(whole_shown, str) or whole == 0:
                out.append((insats, text, None, whole_shown, f"För få (färre än {pub.k})"))
            elif part_hidden:
                out.append((insats, text, None, whole_shown, "Kan inte visas (små grupper)"))
            else:
                share = float(part) / float(whole)
                out.append((insats, text, share, whole_shown, "Ja" if share >= target else "Nej"))
        return pd.DataFrame(out, columns=["Insats", "Mål", "Utfall", "Antal", "Uppnått"])

    return show


def _given(pub: Publication, reasons: Counts, insats: str, i: int) -> Counts:
    """The exit reasons given in an insats (a goal's "Antal": its reasons are shares of those
    given), registered once per insats: the table's "Totalt" less its "Svar saknas"."""
    categories = reasons.labels[1]
    if sheets.MISSING not in categories:
        return Counts(pub, reasons.values[i, -1, -1:], reasons.ids[i, -1, -1:], [["given"]])
    m = categories.index(sheets.MISSING)
    value = np.asarray([reasons.values[i, -1, -1] - reasons.values[i, m, -1]])
    ids = pub.table(f"goal-given:{insats}", value, (False,))
    pub.add(np.asarray([reasons.ids[i, -1, -1]]), [ids, np.asarray([reasons.ids[i, m, -1]])])
    return Counts(pub, value, ids, [["given"]])


def _reason_labels(dataset: Dataset) -> dict[str, str]:
    found = category_goal(q for q, _ in sections_of(dataset))
    if found is None:
        return {}
    questionnaire, item = found
    version = dataset.definitions.get(questionnaire.id)  # the answers' own, where there are any
    item = (version.item(item.id) if version else None) or item
    return {str(c.value): c.label.get("sv") for c in item.choices}


# --- writing ----------------------------------------------------------------------------------


def _period(dataset: Dataset) -> str:
    f = dataset.filter
    return f"{f.date_from or 'början'} – {f.date_to or 'idag'}"


def _page_setup(sheet: Any, dataset: Dataset, pages: printing.Pages, internal: bool) -> None:
    header, footer = printing.header_and_footer(
        dataset.forbund.name, f"period {_period(dataset)}", internal
    )
    printing.setup(sheet, pages, header, footer)


def _width(texts: Sequence[object], least: float = 8, most: float = 60) -> float:
    """A column wide enough for its longest text (up to `most`; longer texts wrap)."""
    longest = max((len(str(t)) for t in texts if t is not None), default=0)
    return float(min(most, max(least, longest * 1.1 + 2)))


def _write_value(sheet: Any, row: int, col: int, value: Any, kind: str, formats: Any) -> None:
    """One table cell: a number in its style, a protection marker right-aligned like the
    numbers, a blank left empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return
    style = formats[kind] if kind != summary.TEXT else formats["text"]
    if isinstance(value, str):
        sheet.write_string(row, col, value, style)
    else:
        sheet.write_number(row, col, float(value), style)


def _summary_sheet(
    writer: pd.ExcelWriter,
    dataset: Dataset,
    sections: list[summary.Section],
    formats: dict[str, Any],
) -> printing.Pages:
    """The first sheet: what a board reads first, every value a copy of a published cell
    (see summary.py). Fitted to at most two landscape pages."""
    sheet = writer.book.add_worksheet(summary.SHEET)
    writer.sheets[summary.SHEET] = sheet
    _heading(sheet, f"Sammanfattning – {dataset.forbund.name}", dataset, formats)
    sheet.write(2, 0, SUMMARY_NOTE, formats["note"])
    row = 4
    columns: dict[int, list[object]] = {}
    pages = printing.Pages(repeat=(0, 0), fit_height=2)
    wrapped: list[tuple[int, int, object]] = []
    for section in sections:
        sheet.write(row, 0, section.title, formats["section"])
        header_row = row + 1
        for col, (name, kind) in enumerate(zip(section.header, section.kinds, strict=True)):
            style = formats["header" if kind == summary.TEXT else "header_right"]
            sheet.write_string(header_row, col, name, style)
            wrapped.append((header_row, col, name))
        for r, values in enumerate(section.rows, start=header_row + 1):
            for col, (value, kind) in enumerate(zip(values, section.kinds, strict=True)):
                _write_value(sheet, r, col, value, kind, formats)
                if kind == summary.TEXT and value is not None:
                    columns.setdefault(col, []).append(value)
                    wrapped.append((r, col, value))
        # An empty row before a note: it is not a row of the table.
        row = header_row + len(section.rows) + 2
        if section.note:
            sheet.write(row, 0, section.note, formats["note"])
            row += 2
    widths = [_width(columns.get(0, []), least=24, most=40), _width(columns.get(1, []), 12, 34)]
    widths += [13.0] * (max(len(s.header) for s in sections) - 2)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width, formats["wrap"] if col < 2 else None)
    pages.widths = widths
    printing.fit_rows(pages, wrapped)
    return pages


SUMMARY_NOTE = (
    "Siffrorna är desamma som på de andra bladen (Översikt och jämförelserna). ”<5” och ”x” "
    "är dolda antal (se Om rapporten)."
)


def _overview(
    writer: pd.ExcelWriter, dataset: Dataset, report: Report, formats: dict[str, Any]
) -> printing.Pages:
    """The cohort by insats and gender, the flow of the period per insats and per gender, the
    goals."""
    sheet_name = "Översikt"
    goal_rows = report.goals
    participants = report.participants
    flow = report.overview
    shown = flow.shown()
    row = 3
    pages = printing.Pages(repeat=(0, 0))
    tables = [
        (
            "Deltagare i urvalet",
            pd.DataFrame(
                participants.shown(),
                index=participants.labels[0],
                columns=participants.labels[1],
                dtype=object,
            ),
            "Insats",
        ),
        *(
            (title, pd.DataFrame(cells.T, index=labels, columns=flow.labels[0], dtype=object), name)
            for title, name, labels, cells in (
                ("Flöde under perioden per insats", "Insats", flow.labels[1], shown[:, :, -1]),
                ("Flöde under perioden per kön", "Kön", flow.labels[2], shown[:, -1, :]),
            )
        ),
    ]
    for title, table, name in tables:
        table.index.name = name
        table.to_excel(writer, sheet_name=sheet_name, startrow=row + 1)
        sheet = writer.sheets[sheet_name]
        sheet.write(row, 0, title, formats["section"])
        sheet.write(row + 1, 0, name, formats["header"])
        for col, column in enumerate(table.columns, start=1):
            sheet.write(row + 1, col, column, formats["header_right"])
        for r, values in enumerate(table.itertuples(), start=row + 2):
            sheet.write_string(r, 0, str(values[0]), formats["text"])  # not pandas' boxed label
            for col, value in enumerate(values[1:], start=1):
                if value is not None:
                    _write_value(sheet, r, col, value, "count", formats)
        pages.units.append((row, row + len(table) + 1))
        row += len(table) + 4
    sheet = writer.sheets[sheet_name]
    sheet.write(row, 0, "Mål", formats["section"])
    wrapped: list[tuple[int, int, object]] = []
    if goal_rows.empty:
        sheet.write(row + 1, 0, "Inga mål är angivna för insatserna.", formats["note"])
    else:
        kinds = ["text", "wrap", "percent", "count", "text"]
        for col, (name, kind) in enumerate(zip(goal_rows.columns, kinds, strict=True)):
            style = "header" if kind in ("text", "wrap") else "header_right"
            sheet.write(row + 1, col, name, formats[style])
        for i, values in enumerate(goal_rows.itertuples(index=False), start=2):
            for col, (value, kind) in enumerate(zip(values, kinds, strict=True)):
                if kind == "wrap":
                    sheet.write_string(row + i, col, str(value), formats["wrap"])
                    wrapped.append((row + i, col, str(value)))
                else:
                    _write_value(sheet, row + i, col, value, kind, formats)
        pages.units.append((row, row + len(goal_rows) + 1))
    _heading(sheet, f"Översikt – {dataset.forbund.name}", dataset, formats)
    labels = [
        *flow.labels[1],
        *flow.labels[2],
        "Deltagare i urvalet",
        "Flöde under perioden per insats",
        *goal_rows.get("Insats", []),
    ]
    goal_texts = list(goal_rows.get("Mål", []))
    widths = [_width(labels, least=20, most=45), _width(goal_texts, least=14, most=50)]
    heads = [*participants.labels[1][1:], *flow.labels[0][1:]]
    widths += [_width([g], least=12, most=20) for g in heads]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    pages.widths = widths
    # Below everything (lines of their own: not to be read as a table's title), a sentence a
    # line rather than one line running far beyond the tables on paper.
    note_row = row + len(goal_rows) + 4
    first, second = MARGINS_TEXT.split(". ", 1)
    sheet.write(note_row, 0, f"{first}.", formats["note"])
    sheet.write(note_row + 1, 0, second, formats["note"])
    if not dataset.filter.released:
        sheet.write(note_row + 2, 0, FLOW_TEXT, formats["note"])
    printing.fit_rows(pages, wrapped)
    sheet.freeze_panes(1, 1)
    return pages


REGISTER_TEXT = (
    "Tabellerna över registeruppgifter (t.ex. försörjning, sysselsättning, utbildning, "
    "avslutsorsak) visar antal och andel per svar, och ”Svar saknas”: deltaganden utan svar. "
    "”Totalt” är alla deltaganden som frågan gäller – deltagarna i urvalet, eller för frågor vid "
    "avslut de i urvalet som avslutades under perioden – och andelarna är andelar av dem. Ett "
    "mål på en registeruppgift vid avslut (”40 % Sysselsättning vid avslut: förvärvsarbete "
    "eller studier”) räknas som andel av alla avslutade, ”Svar saknas” medräknat, vilket står i "
    "målet; ett mål på avslutsorsaker räknas bland de avslutsorsaker som angetts."
)


FLOW_TEXT = (
    "Flöde: aktiva under perioden = inskrivna vid periodens början + nya under perioden = "
    "avslutade under perioden + pågående vid periodens slut."
)


def _heading(sheet: Any, title: str, dataset: Dataset, formats: dict[str, Any]) -> None:
    """A sheet's title, and under it the cohort and its definition."""
    sheet.write(0, 0, title, formats["title"])
    sheet.write(1, 0, cohort_text(dataset.filter), formats["note"])


def _comparison_sheet(
    writer: pd.ExcelWriter,
    layout: Layout,
    dataset: Dataset,
    comparison: pd.DataFrame,
    formats: dict[str, Any],
    step: str = "exit",
) -> printing.Pages:
    """START paired with EXIT (or with a later `step` of a series, on a sheet of its own, the
    same columns named for the step) per measure, insats and gender; charts of START → EXIT."""
    sheet_name = layout.name if step == "exit" else series_sheet(layout.name, step)
    headers = _step_headers(step)
    keys = [key for key, m in dataset.measures.items() if m.sheet == layout.name]
    table = comparison[comparison["measure"].isin(keys)].copy()
    order = {key: i for i, key in enumerate(keys)}
    table["_order"] = table["measure"].map(order)
    table["_insats_total"] = table["insats"] == TOTAL
    genders = [*dataset.genders, TOTAL]
    table["_gender_order"] = table["gender"].map({g: i for i, g in enumerate(genders)})
    table = table.sort_values(["_order", "_insats_total", "insats", "_gender_order"])
    table = table.drop(columns=["_order", "_insats_total", "_gender_order"])
    keyed = table.copy()
    table["measure"] = table["measure"].map(lambda key: dataset.measures[key].label)
    columns = ["measure", "insats", "gender", *SHOWN_COLUMNS]
    out = table[columns].rename(columns=headers)
    start_row = 3
    out.to_excel(writer, sheet_name=sheet_name, startrow=start_row, index=False)
    sheet = writer.sheets[sheet_name]
    later = "avslut" if step == "exit" else step_label(step).lower()
    _heading(sheet, f"{layout.name}: före och efter (start och {later})", dataset, formats)
    section, questionnaire = layout.section, layout.comparison
    assert section is not None and questionnaire is not None  # noqa: S101 (a comparison sheet)
    if section.note:
        settings = scoring.describe(questionnaire, scoring.context_for(dataset.forbund))
        note = section.note.replace("{settings}", settings[1] if settings else "")
        sheet.write(2, 0, note, formats["note"])
    widths: list[float] = []
    for col, name in enumerate(columns):
        fmt = (
            formats["percent"]
            if name in PERCENT_COLUMNS
            else formats["p"]
            if name == "p_wilcoxon"
            else formats["decimal"]
            if name in STAT_COLUMNS
            else formats["count"]
            if name in COUNT_COLUMNS
            else formats["wrap"]
        )
        label = name in ("measure", "insats", "gender")
        sheet.write(start_row, col, headers[name], formats["header" if label else "header_right"])
        width = _width([*out[headers[name]], "Mått"], least=12, most=40) if label else 12.0
        widths.append(width)
        sheet.set_column(col, col, width, fmt)
    sheet.freeze_panes(start_row + 1, 3)
    if len(out):
        sheet.autofilter(start_row, 0, start_row + len(out), len(columns) - 1)
    # Each measure's rows on one page where they fit.
    units: list[tuple[int, int]] = []
    first = start_row + 1
    for _, part in out.groupby(HEADERS["measure"], sort=False):
        units.append((first, first + len(part) - 1))
        first += len(part)
    charts_at = start_row + len(out) + 2
    charted = (
        [f"{section.measures}:{section.chart}"]
        if section.chart is not None and step == "exit"
        else []
    )
    extra = _charts(
        writer, sheet_name, dataset, keyed, charted, len(columns) + 1, charts_at, formats
    )
    units += extra.units
    pages = printing.Pages(
        repeat=(start_row, start_row),
        widths=widths,
        units=units,
        # The chart data beside the table is for the charts, not for paper.
        print_columns=(0, len(columns) - 1),
        last_row=max([start_row + len(out), *[last for _, last in extra.units]]),
    )
    labels = out[HEADERS["measure"]]
    printing.fit_rows(
        pages,
        [(start_row, col, headers[name]) for col, name in enumerate(columns)]
        + [(start_row + 1 + i, 0, text) for i, text in enumerate(labels)],
    )
    return pages


CHART_ROWS = 18  # a chart's height in rows (of the default height)


def _charts(
    writer: pd.ExcelWriter,
    sheet_name: str,
    dataset: Dataset,
    table: pd.DataFrame,
    charted: list[str],
    first_col: int,
    first_row: int,
    formats: dict[str, Any],
) -> printing.Pages:
    """Bar charts of the mean at START and EXIT per insats of the measures the sheet's section
    declares (`chart`), each from a block of data beside the table (the block copies the
    table's cells), placed below the table one under the other, each kept on one page."""
    out = printing.Pages(widths=[28.0, 10.0, 10.0, 10.0])
    top = 3
    row = first_row
    for key in charted:
        if key not in dataset.measures:
            continue
        rows = table[(table["measure"] == key) & (table["gender"] == TOTAL)]
        if rows.empty:
            continue
        measure = dataset.measures[key]
        _chart_block(writer, sheet_name, rows, first_col, top, formats)
        chart = _chart(writer, sheet_name, measure, rows, first_col, top)
        writer.sheets[sheet_name].insert_chart(
            row,
            0,
            chart,
            {"x_scale": 1.6, "y_scale": CHART_ROWS * 20 / 288, "x_offset": 4, "y_offset": 6},
        )
        out.units.append((row, row + CHART_ROWS))
        row += CHART_ROWS + 2
        top += len(rows) + 3  # the next block below, after an empty row
    return out


def _chart_block(
    writer: pd.ExcelWriter,
    sheet_name: str,
    rows: pd.DataFrame,
    first_col: int,
    top: int,
    formats: dict[str, Any],
) -> None:
    """Insats, its pairs, the means at START and EXIT: copies of the table's cells, and the
    chart's category labels ("Hälsoskolan (n = 6)") from them."""
    sheet = writer.sheets[sheet_name]
    sheet.write_row(top, first_col, ["Insats", "Start", "Avslut", "Diagram"], formats["header"])
    for i, (_, row) in enumerate(rows.iterrows(), start=1):
        sheet.write(top + i, first_col, row["insats"])
        for j, key in enumerate(("mean_start", "mean_exit"), start=1):
            value = row[key]
            if value is not None and not pd.isna(value):
                sheet.write_number(top + i, first_col + j, float(value), formats["decimal"])
        n = row["n_pairs"]
        shown = f"n: {n}" if isinstance(n, str) else f"n = {int(n)}"
        sheet.write_string(top + i, first_col + 3, f"{row['insats']} ({shown})")


def _chart(
    writer: pd.ExcelWriter,
    sheet_name: str,
    measure: Measure,
    rows: pd.DataFrame,
    first_col: int,
    top: int,
) -> Any:
    """The value axis runs over the measure's whole scale, from its least value (docs:
    reports.md, "Charts"), so that a small change does not look large."""
    chart = writer.book.add_chart({"type": "column"})
    last = top + len(rows)
    for j, name in ((1, "Start"), (2, "Avslut")):
        chart.add_series(
            {
                "name": name,
                "categories": [sheet_name, top + 1, first_col + 3, last, first_col + 3],
                "values": [sheet_name, top + 1, first_col + j, last, first_col + j],
                "data_labels": {"value": True, "num_format": "0.00"},
            }
        )
    low, high = axis_range(measure)
    total = rows[rows["insats"] == TOTAL]["n_pairs"]
    n = total.iloc[0] if len(total) else 0
    pairs = f"n: {n}" if isinstance(n, str) else f"n = {int(n)}"
    chart.set_title(
        {
            "name": f"{measure.label}: medel vid start och avslut per insats "
            f"(par med start och avslut, totalt {pairs})",
            "name_font": {"size": 12},
        }
    )
    chart.set_y_axis(
        {
            "min": low,
            "max": high,
            "name": f"Medelvärde (skala {_number(low)}–{_number(high)})",
            "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}},
        }
    )
    chart.set_x_axis({"name": "Insats (antal par)"})
    chart.set_legend({"position": "bottom"})
    return chart


def axis_range(measure: Measure) -> tuple[float, float]:
    """A chart's value axis: the measure's scale, the least value rounded down (and the
    greatest up) to a tenth."""
    low, high = measure.value_range
    if not np.isfinite(low) or not np.isfinite(high):
        return (0.0, 1.0)
    return (float(np.floor(low * 10) / 10), float(np.ceil(high * 10) / 10))


def _number(value: float) -> str:
    return (f"{value:g}").replace(".", ",").replace("-", "−")


def _blocks_sheet(
    writer: pd.ExcelWriter,
    sheet_name: str,
    title: str,
    blocks: list[sheets.Block],
    formats: dict[str, Any],
    dataset: Dataset,
) -> printing.Pages:
    """Tables one below the other, each with its title; shares as percent. Each table on one
    page where it fits, else each insats' rows of it."""
    sheet = writer.book.add_worksheet(sheet_name)
    writer.sheets[sheet_name] = sheet
    _heading(sheet, title, dataset, formats)
    row = 3
    labels: dict[int, list[object]] = {}
    value_columns = 0
    pages = printing.Pages(repeat=(0, 0))
    wrapped: list[tuple[int, int, object]] = []
    for block_title, show in blocks:
        table = show()
        sheet.write(row, 0, block_title, formats["section"])
        first = row
        row += 1
        if table.empty:
            row += 1
            continue
        is_share = "andel" in block_title.lower()
        # A table's row labels take one column per level (e.g. insats, then category).
        levels = table.index.nlevels
        value_columns = max(value_columns, levels + len(table.columns))
        for col, name in enumerate(table.index.names):
            sheet.write(row, col, str(name) if levels > 1 and name else "", formats["header"])
        for col, name in enumerate(table.columns, start=levels):
            sheet.write(row, col, str(name), formats["header_right"])
            labels.setdefault(col, []).append(str(name))
            wrapped.append((row, col, str(name)))
        previous: tuple[object, ...] = ()
        insats_start = row + 1
        # Rows as plain tuples (iterrows makes a Series of every row).
        names = list(table.columns)
        for label, values in zip(
            table.index, table.itertuples(index=False, name=None), strict=True
        ):
            row += 1
            labels_here = label if isinstance(label, tuple) else (label,)
            if levels > 1 and previous[:1] != labels_here[:1] and previous:
                pages.units.append((insats_start, row - 1))
                insats_start = row
            for col, part in enumerate(labels_here):
                if col < levels - 1 and previous[: col + 1] == labels_here[: col + 1]:
                    continue  # an insats is named once, on the first of its rows
                sheet.write(row, col, str(part), formats["wrap"])
                labels.setdefault(col, []).append(str(part))
                wrapped.append((row, col, str(part)))
            previous = labels_here
            for col, (name, value) in enumerate(zip(names, values, strict=True), start=levels):
                if value is None or (isinstance(value, float) and pd.isna(value)):
                    continue
                if isinstance(value, str):
                    kind = "count"
                elif is_share or str(name).startswith("Andel"):
                    kind = "percent"
                elif str(name).startswith(("Medel", "Median")) or (
                    isinstance(value, float) and not float(value).is_integer()
                ):
                    kind = "decimal"
                else:
                    kind = "count"
                _write_value(sheet, row, col, value, kind, formats)
        if levels > 1:
            pages.units.append((insats_start, row))
        pages.units.append((first, row))
        row += 3
    widths = [_width(labels.get(0, []), least=24, most=50)]
    widths += [
        _width(labels.get(col, []), least=11, most=30) for col in range(1, max(value_columns, 2))
    ]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    pages.widths = widths
    printing.fit_rows(pages, wrapped)
    sheet.freeze_panes(1, 1)
    return pages


def _scoring_settings(dataset: Dataset) -> list[tuple[str, str]]:
    """The settings the compared scores were computed with (e.g. the EQ-5D value sets)."""
    context = scoring.context_for(dataset.forbund)
    found = [
        scoring.describe(questionnaire, context)
        for questionnaire, section in sections_of(dataset)
        if section.compare
    ]
    return list(dict.fromkeys(row for row in found if row is not None))


def protection_text(k: int, keep: str, merged: bool) -> str:
    """The protection rule in Swedish, for *Om rapporten* and the settings page."""
    choice = (
        "När en siffra till måste döljas döljs hellre en summa än en könsuppdelad siffra."
        if keep == "genders"
        else "När en siffra till måste döljas döljs hellre en delsiffra (t.ex. ett kön) än en "
        "summa."
    )
    text = (
        f"Antal från 1 till {k - 1} visas som ”{primary_label(k)}”. ”{SECONDARY}” betyder att "
        "ett antal döljs för att en liten grupp annars skulle kunna räknas fram ur det som "
        f"visas; ett dolt ”{SECONDARY}” är alltid minst {k}. Alla tal i arbetsboken skyddas "
        "tillsammans: summor i rader och kolumner, samma antal på flera blad, deltagare = "
        "avslutade + pågående, andelar och medelvärden bredvid sina antal. "
        f"{choice} Bland möjliga siffror döljs hellre en som ensam räcker, sedan en utan "
        "medelvärden bredvid sig, annars de minsta, och inte fler än som behövs. "
        "Efter skyddet räknas för varje dold siffra ut vilka värden en läsare kan komma fram "
        f"till med allt som visas (linjärprogrammering): ett ”{primary_label(k)}” ska kunna "
        f"vara vilket tal som helst från 1 till {k - 1}, ett ”{SECONDARY}” ha minst {k - 1} "
        "möjliga värden – utom där etiketterna själva redan säger mer (två dolda delar av en "
        f"summa som visas som ”{primary_label(k)}”); annars döljs mer. Ett antal som ändå "
        "kan räknas fram exakt ur det som visas döljs inte, eftersom det inte skyddar något; "
        "medelvärden och andelar bredvid det lämnas då tomma. Medelvärden, andelar, "
        "konfidensintervall, p-värden och diagram för en grupp vars antal är dolt lämnas tomma."
    )
    if merged:
        text += " ”Annat (hen)” och ”Vill inte uppge” redovisas som en kolumn."
    return text


MARGINS_TEXT = (
    "Varje tabell redovisar per insats (alla kön tillsammans), per kön (alla insatser "
    "tillsammans) och totalt – aldrig insats och kön samtidigt. Sådana celler lämnas tomma: "
    "de flesta grupper av en insats och ett kön är för små för att visas."
)


def _about(
    writer: pd.ExcelWriter,
    dataset: Dataset,
    k: int,
    made_by: str,
    formats: dict[str, Any],
    internal: bool,
) -> printing.Pages:
    f = dataset.filter
    cohort = Cohort(f.cohort)
    period = f"{f.date_from or 'början'} – {f.date_to or 'idag'}"
    versions = ", ".join(f"{qid} version {v}" for qid, v in sorted(dataset.questionnaire_versions))
    rows = [
        ("Förbund", dataset.forbund.name),
        ("Skapad", datetime.now(STOCKHOLM).strftime("%Y-%m-%d %H:%M")),
        ("Skapad av", made_by),
        ("Period", period),
        ("Urval", f"{COHORT_LABELS[cohort].capitalize()}: {COHORT_DEFINITIONS[cohort]}."),
        (
            "Insatser",
            ", ".join(sorted(dataset.participations["insats"].unique())) or "inga deltagare",
        ),
        *_scoring_settings(dataset),
        (
            "Skydd av små grupper",
            protection_text(
                k, dataset.forbund.protection_keeps, bool(dataset.forbund.merge_other_genders)
            ),
        ),
        ("Redovisning", MARGINS_TEXT),
        (
            "Jämförelser mellan rapporter",
            INTERNAL_NOTE
            if internal
            else "Publicerad rapport för ett helt kalenderår och alla förbundets insatser: "
            "deltaganden som avslutades under året. Perioder och urval är fasta, och en "
            "publicerad rapport ändras inte, så att två rapporter inte kan jämföras för att få "
            "fram en liten grupp. Därför visar den bara det som inte överlappar mellan två år: "
            "nya och avslutade under året (inte de som var inskrivna över årsskiftet), och "
            "räckvidden av screeningenkäter (som våldsenkäten) bland deltagarna i urvalet.",
        ),
        (
            "Par",
            "En deltagare räknas i jämförelsen av ett mått bara om måttet finns både vid start "
            "och vid avslut. Svar vid avslut räknas bara för dem i urvalet som avslutades under "
            "perioden, så jämförelsen gäller dem (i urvalet ”avslutade” alla, i ”aktiva” de "
            "som avslutades under perioden) och ändras inte när senare avslut kommer in. Medel "
            "vid start och vid avslut gäller dessa par. ”Start utan avslut” är de i urvalet som "
            "har ett startvärde men inget avslutsvärde under perioden (pågick vid periodens "
            "slut, eller avslutades utan avslutsenkät).",
        ),
        (
            "Flöde",
            "Inskrivna vid periodens början: började före periodens första dag och hade inte "
            "avslutats före den. Nya: började under perioden. Aktiva: inskrivna vid början + "
            "nya. Avslutade: avslutades under perioden. Pågående vid periodens slut: aktiva − "
            "avslutade.",
        ),
        *(
            (f"Räckvidd ({section.form})", sheets.reach_text(section.form, section.forms))
            for _, section in sections_of(dataset)
            if section.screening
        ),
        ("Bakgrund och tid", background.TEXT),
        ("Registeruppgifter", REGISTER_TEXT),
        (
            "Förändring",
            "Avslut minus start. 95 % konfidensintervall med t-fördelningen. Wilcoxons "
            "teckenrangtest när det finns minst 10 par. Förbättrad/försämrad enligt måttets "
            "riktning (högre är bättre för alla mått här).",
        ),
        ("Frågeformulär", versions or "inga svar"),
        *(("Versioner", note) for note in dataset.version_notes),
        ("Fritext", "Fritextsvar ingår aldrig i den här sammanställningen."),
        (
            "Sammanfattning",
            "Första bladet upprepar siffror från Översikt, Självskattning och EQ-5D, visade "
            "precis som där (dolda antal också): det lägger inte till någon siffra.",
        ),
        (
            "Diagram",
            "Staplarnas värdeaxel går över måttets hela skala och börjar på skalans lägsta "
            "värde: självskattningen från skalans minsta värde, EQ-5D index från det lägsta "
            "värde som värdeseten ger, EQ VAS från 0 till 100. Antalet par står vid varje insats "
            "och totalt i rubriken.",
        ),
    ]
    frame = pd.DataFrame(rows, columns=["Uppgift", "Värde"])
    frame.to_excel(writer, sheet_name="Om rapporten", index=False, startrow=3)
    sheet = writer.sheets["Om rapporten"]
    _heading(sheet, "Om rapporten", dataset, formats)
    sheet.set_column(0, 0, 24, formats["wrap"])
    sheet.set_column(1, 1, 100, formats["wrap"])
    return printing.Pages(repeat=(0, 0), widths=[24.0, 100.0])
