"""The Excel workbook of a report: pandas with the xlsxwriter engine, formulas never evaluated.

Everything the workbook publishes is registered in one Publication first (Översikt, the
comparisons, every item sheet, the goals), protected as one system, and only then written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from survey_app.clock import STOCKHOLM
from survey_app.reports import goals, sheets
from survey_app.reports.compare import COLUMNS, TOTAL, compare
from survey_app.reports.dataset import (
    COHORT_DEFINITIONS,
    COHORT_LABELS,
    EXIT_QUESTIONNAIRES,
    Cohort,
    Dataset,
    Progress,
    cohort_text,
    with_other_genders_merged,
)
from survey_app.reports.protection import SECONDARY, Publication, primary_label
from survey_app.reports.tables import Counts
from survey_app.scoring import eq5d

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
    blocks: dict[str, list[sheets.Block]]  # item sheets: titles and tables
    goals: pd.DataFrame


def build(dataset: Dataset) -> Report:
    """Register every published count in one Publication, protect it, and return the report."""
    forbund = dataset.forbund
    if forbund.merge_other_genders:
        dataset = with_other_genders_merged(dataset)
    pub = Publication(
        forbund.min_group_size, keep=forbund.protection_keeps or "totals", cross=False
    )
    overview = _register_overview(dataset, pub)
    raw = _raw_comparison(dataset)
    rows = overview.labels[0]
    participants = overview.slice(0, rows.index(FLOW[COHORT_FLOW[Cohort(dataset.filter.cohort)]]))
    ended = overview.slice(0, rows.index(FLOW[ENDED]))
    population = overview.slice(0, rows.index(FLOW[ACTIVE])) if FLOW[ACTIVE] in rows else None
    comparisons = _register_comparisons(dataset, pub, raw, participants, ended)
    blocks = {
        "Våld": sheets.violence(dataset, pub, participants, population),
        "Nöjdhet": sheets.satisfaction(dataset, pub, participants),
        "Försörjning och sysselsättning": sheets.register(dataset, pub, participants),
    }
    blocks["Avslut"], reasons = sheets.exit_reasons(dataset, pub, participants)
    _within_ended(pub, ended)
    goal_rows = _register_goals(dataset, pub, comparisons, reasons)
    pub.protect()
    return Report(
        dataset, overview, participants, _comparison_table(raw, comparisons), blocks, goal_rows()
    )


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
    comparison, blocks = report.comparison, report.blocks
    progress("jämförelser beräknade och skyddade")
    with pd.ExcelWriter(
        target,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        book = writer.book
        formats = {
            "title": book.add_format({"bold": True, "font_size": 14}),
            "header": book.add_format(
                {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1}
            ),
            "percent": book.add_format({"num_format": "0%"}),
            "decimal": book.add_format({"num_format": "0.00"}),
            "p": book.add_format({"num_format": "0.000"}),
            "note": book.add_format({"italic": True, "font_color": "#555555"}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
            "internal": book.add_format({"bold": True, "font_color": "#9C0006"}),
        }
        _overview(writer, dataset, report, formats)
        progress("Översikt")
        _comparison_sheet(writer, "Självskattning", dataset, comparison, "self", formats)
        progress("Självskattning")
        _comparison_sheet(writer, "EQ-5D", dataset, comparison, "eq5d", formats)
        progress("EQ-5D")
        _blocks_sheet(writer, "Våld", "Våldsenkäten", blocks["Våld"], formats, dataset)
        progress("Våld")
        _blocks_sheet(writer, "Nöjdhet", "Nöjdhet vid avslut", blocks["Nöjdhet"], formats, dataset)
        progress("Nöjdhet")
        _blocks_sheet(
            writer,
            "Försörjning och sysselsättning",
            "Försörjning och sysselsättning vid start och avslut",
            blocks["Försörjning och sysselsättning"],
            formats,
            dataset,
        )
        progress("Försörjning och sysselsättning")
        _blocks_sheet(writer, "Avslut", "Avslutsorsaker", blocks["Avslut"], formats, dataset)
        progress("Avslut")
        _about(writer, dataset, k, made_by, formats, internal)
        if internal:
            for sheet in writer.sheets.values():
                sheet.write(0, 6, INTERNAL_NOTE, formats["internal"])
    progress("Om rapporten; arbetsboken sparad")


def _raw_comparison(dataset: Dataset) -> pd.DataFrame:
    if dataset.measurements.empty:
        return pd.DataFrame(columns=["insats", "gender", "measure", *COLUMNS])
    directions = {key: m.direction for key, m in dataset.measures.items()}
    return compare(dataset.measurements, directions, cross=False)


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
    dataset: Dataset, pub: Publication, raw: pd.DataFrame, participants: Counts, ended: Counts
) -> dict[str, _Comparison]:
    insatser = [*sheets.cohort_insatser(dataset), TOTAL]
    genders = [*dataset.genders, TOTAL]
    out: dict[str, _Comparison] = {}
    for key, measure in dataset.measures.items():
        part = raw[raw["measure"] == key].set_index(["insats", "gender"])
        shape = (len(insatser), len(genders))
        outcomes = np.zeros((len(OUTCOMES) + 1, *shape), dtype=int)
        without = np.zeros(shape, dtype=int)
        sums = np.zeros((2, *shape))
        for (i, insats), (g, gender) in _cells(insatser, genders):
            if (insats, gender) not in part.index:
                continue
            row = part.loc[(insats, gender)]
            n = int(row["n_pairs"])
            outcomes[-1, i, g] = n
            for o, name in enumerate(OUTCOMES):
                outcomes[o, i, g] = round(float(row[name]) * n) if n else 0
            without[i, g] = int(row["n_without_exit"])
            for s, name in enumerate(("mean_start", "mean_exit")):
                sums[s, i, g] = float(row[name]) * n if n else 0.0
        # Improved, unchanged and worsened are shown only as shares of the pairs.
        parts = pub.table(
            f"outcomes:{key}",
            outcomes[:-1],
            (False, True, True),
            axes=("outcome", "insats", "gender"),
            labelled=False,
        )
        pairs = pub.table(f"pairs:{key}", outcomes[-1], (True, True), axes=("insats", "gender"))
        pub.add(pairs, list(parts))
        outcome_ids = np.concatenate([parts, pairs[None]])
        without_ids = pub.table(
            f"without_exit:{key}", without, (True, True), axes=("insats", "gender")
        )
        for s in range(2):
            pub.sums(outcome_ids[-1], sums[s], (True, True), measure.value_range)
        # Those with a START value (pairs and START without EXIT) are participants.
        pub.within([outcome_ids[-1], without_ids], participants.ids)
        # A pair needs an EXIT, which counts only for those who ended in the period.
        pub.within([outcome_ids[-1]], ended.ids)
        out[key] = _Comparison(
            Counts(pub, outcomes, outcome_ids, [[*OUTCOMES, "n_pairs"], insatser, genders]),
            Counts(pub, without, without_ids, [insatser, genders]),
        )
    return out


def _within_ended(pub: Publication, ended: Counts) -> None:
    """The exit questionnaires' answers come only from participations that ended in the period
    (dataset.EXIT_QUESTIONNAIRES): each of their tables by insats and gender (a cube: its
    total over the categories) is at most the period's avslutade."""
    for questionnaire in EXIT_QUESTIONNAIRES:
        for ids in pub.tables(f"{questionnaire}:").values():
            whole = ids[:, -1, :] if ids.ndim == 3 else ids
            if whole.shape == ended.ids.shape:
                pub.within([whole], ended.ids)


def _cells(
    insatser: Sequence[str], genders: Sequence[str]
) -> list[tuple[tuple[int, str], tuple[int, str]]]:
    return [((i, a), (g, b)) for i, a in enumerate(insatser) for g, b in enumerate(genders)]


def _comparison_table(raw: pd.DataFrame, comparisons: dict[str, _Comparison]) -> pd.DataFrame:
    """The comparison rows as shown: counts protected, every statistic of a hidden count blank."""
    table = raw.copy()
    for column in SHOWN_COLUMNS:
        table[column] = table[column].astype(object)
    for index, row in raw.iterrows():
        comparison = comparisons[row["measure"]]
        outcomes = comparison.outcomes
        i = outcomes.labels[1].index(row["insats"])
        g = outcomes.labels[2].index(row["gender"])
        shown = outcomes.shown()[:, i, g]
        table.at[index, "n_pairs"] = shown[-1]
        table.at[index, "n_without_exit"] = comparison.without_exit.shown()[i, g]
        if isinstance(shown[-1], str) or row["n_pairs"] == 0:
            for column in STAT_COLUMNS:
                table.at[index, column] = None
            continue
        for o, column in enumerate(OUTCOMES):
            if isinstance(shown[o], str):
                table.at[index, column] = None
        for column in STAT_COLUMNS:
            if pd.isna(table.at[index, column]):
                table.at[index, column] = None
    return table


def _register_goals(
    dataset: Dataset,
    pub: Publication,
    comparisons: dict[str, _Comparison],
    reasons: Counts | None,
) -> Any:
    """Register what the goal table publishes (its counts are cells of other tables; a goal
    on exit reasons publishes their sum), and return how to show it once protected."""
    labels = {key: m.label for key, m in dataset.measures.items()}
    labels["sjalvskattning:mean"] = "Självskattning: medelvärde av alla frågor"
    reason_labels = _reason_labels(dataset)
    insatser = sheets.cohort_insatser(dataset)
    rows: list[tuple[str, str, float, Any, Any, Any]] = []
    for insats in sorted(dataset.goals):
        for number, goal in enumerate(dataset.goals[insats]):
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
            elif reasons is not None:
                codes = [reason_labels.get(r, r) for r in goal["reasons"]]
                columns = [reasons.labels[1].index(c) for c in codes if c in reasons.labels[1]]
                value = np.asarray([reasons.values[i, columns, -1].sum()])
                ids = pub.table(f"goal:{insats}:{number}", value, (False,), labelled=False)
                pub.add(ids, [np.asarray([reasons.ids[i, c, -1]]) for c in columns])
                count = Counts(pub, value, ids, [["goal"]])
                rows.append((insats, text, target, (count, reasons), (0,), (i, -1, -1)))
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


def _reason_labels(dataset: Dataset) -> dict[str, str]:
    utskrivning = dataset.definitions.get("utskrivning")
    reason_item = utskrivning.item("exit_reason") if utskrivning else None
    return {str(c.value): c.label.get("sv") for c in reason_item.choices} if reason_item else {}


# --- writing ----------------------------------------------------------------------------------


def _overview(
    writer: pd.ExcelWriter, dataset: Dataset, report: Report, formats: dict[str, Any]
) -> None:
    """The cohort by insats and gender, the flow of the period per insats and per gender, the
    goals."""
    sheet_name = "Översikt"
    goal_rows = report.goals
    participants = report.participants
    table = pd.DataFrame(
        participants.shown(),
        index=participants.labels[0],
        columns=participants.labels[1],
        dtype=object,
    )
    table.index.name = "Insats"
    row = 3
    table.to_excel(writer, sheet_name=sheet_name, startrow=row + 1)
    sheet = writer.sheets[sheet_name]
    sheet.write(row, 0, "Deltagare i urvalet", formats["header"])
    row += len(table) + 4
    flow = report.overview
    shown = flow.shown()
    for title, name, labels, cells in (
        ("Flöde under perioden per insats", "Insats", flow.labels[1], shown[:, :, -1]),
        ("Flöde under perioden per kön", "Kön", flow.labels[2], shown[:, -1, :]),
    ):
        table = pd.DataFrame(cells.T, index=labels, columns=flow.labels[0], dtype=object)
        table.index.name = name
        table.to_excel(writer, sheet_name=sheet_name, startrow=row + 1)
        sheet.write(row, 0, title, formats["header"])
        row += len(table) + 4
    sheet.write(row, 0, "Mål", formats["header"])
    if goal_rows.empty:
        sheet.write(row + 1, 0, "Inga mål är angivna för insatserna.", formats["note"])
    else:
        for col, name in enumerate(goal_rows.columns):
            sheet.write(row + 1, col, name, formats["header"])
        for i, values in enumerate(goal_rows.itertuples(index=False), start=2):
            insats, goal, outcome, n, attained = values
            sheet.write_string(row + i, 0, insats)
            sheet.write_string(row + i, 1, goal)
            if outcome is not None and not pd.isna(outcome):
                sheet.write_number(row + i, 2, outcome, formats["percent"])
            sheet.write(row + i, 3, n)
            sheet.write_string(row + i, 4, attained)
    # Below everything (a line of its own: not to be read as a table's title).
    sheet.write(row + len(goal_rows) + 4, 0, MARGINS_TEXT, formats["note"])
    if not dataset.filter.released:
        sheet.write(row + len(goal_rows) + 5, 0, FLOW_TEXT, formats["note"])
    _heading(sheet, f"Översikt – {dataset.forbund.name}", dataset, formats)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, max(len(dataset.genders), len(FLOW)) + 1, 14)
    sheet.freeze_panes(1, 1)


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
    sheet_name: str,
    dataset: Dataset,
    comparison: pd.DataFrame,
    which: str,
    formats: dict[str, Any],
) -> None:
    keys = [key for key, m in dataset.measures.items() if m.sheet == which]
    table = comparison[comparison["measure"].isin(keys)].copy()
    order = {key: i for i, key in enumerate(keys)}
    table["_order"] = table["measure"].map(order)
    table["_insats_total"] = table["insats"] == TOTAL
    genders = [*dataset.genders, TOTAL]
    table["_gender_order"] = table["gender"].map({g: i for i, g in enumerate(genders)})
    table = table.sort_values(["_order", "_insats_total", "insats", "_gender_order"])
    table = table.drop(columns=["_order", "_insats_total", "_gender_order"])
    table["measure"] = table["measure"].map(lambda key: dataset.measures[key].label)
    columns = ["measure", "insats", "gender", *SHOWN_COLUMNS]
    out = table[columns].rename(columns=HEADERS)
    start_row = 3
    out.to_excel(writer, sheet_name=sheet_name, startrow=start_row, index=False)
    sheet = writer.sheets[sheet_name]
    _heading(sheet, f"{sheet_name}: före och efter (start och avslut)", dataset, formats)
    if which == "eq5d":
        names = _value_set_names(dataset)
        sheet.write(2, 0, f"EQ-5D index beräknat med värdeset: {names}", formats["note"])
    else:
        sheet.write(2, 0, "Skala 1–10, högre är bättre.", formats["note"])
    for col, name in enumerate(columns):
        sheet.write(start_row, col, HEADERS[name], formats["header"])
        fmt = (
            formats["percent"]
            if name in PERCENT_COLUMNS
            else formats["p"]
            if name == "p_wilcoxon"
            else formats["decimal"]
            if name in STAT_COLUMNS
            else None
        )
        width = 34 if name == "measure" else 22 if name == "insats" else 13
        sheet.set_column(col, col, width, fmt)
    sheet.freeze_panes(start_row + 1, 3)
    if len(out):
        sheet.autofilter(start_row, 0, start_row + len(out), len(columns) - 1)
    _chart(writer, sheet_name, table, which, len(columns) + 1, formats)


def _chart(
    writer: pd.ExcelWriter,
    sheet_name: str,
    table: pd.DataFrame,
    which: str,
    first_col: int,
    formats: dict[str, Any],
) -> None:
    """A bar chart of the mean at START and EXIT per insats, from a block beside the table."""
    label = "Medelvärde av alla frågor" if which == "self" else "EQ-5D index"
    rows = table[(table["measure"] == label) & (table["gender"] == TOTAL)]
    if rows.empty:
        return
    sheet = writer.sheets[sheet_name]
    top = 3
    sheet.write_row(top, first_col, ["Insats", "Start", "Avslut"], formats["header"])
    for i, (_, row) in enumerate(rows.iterrows(), start=1):
        sheet.write(top + i, first_col, row["insats"])
        for j, key in enumerate(("mean_start", "mean_exit"), start=1):
            value = row[key]
            if value is not None and not pd.isna(value):
                sheet.write_number(top + i, first_col + j, float(value), formats["decimal"])
    chart = writer.book.add_chart({"type": "column"})
    for j, name in ((1, "Start"), (2, "Avslut")):
        chart.add_series(
            {
                "name": name,
                "categories": [sheet_name, top + 1, first_col, top + len(rows), first_col],
                "values": [sheet_name, top + 1, first_col + j, top + len(rows), first_col + j],
            }
        )
    chart.set_title({"name": f"{label}: start och avslut per insats"})
    chart.set_legend({"position": "bottom"})
    sheet.insert_chart(top + len(rows) + 2, first_col, chart)


def _blocks_sheet(
    writer: pd.ExcelWriter,
    sheet_name: str,
    title: str,
    blocks: list[sheets.Block],
    formats: dict[str, Any],
    dataset: Dataset,
) -> None:
    """Tables one below the other, each with its title; shares as percent."""
    sheet = writer.book.add_worksheet(sheet_name)
    writer.sheets[sheet_name] = sheet
    _heading(sheet, title, dataset, formats)
    row = 3
    for block_title, show in blocks:
        table = show()
        sheet.write(row, 0, block_title, formats["header"])
        row += 1
        if table.empty:
            row += 1
            continue
        is_share = "andel" in block_title.lower()
        # A table's row labels take one column per level (e.g. insats, then category).
        levels = table.index.nlevels
        for col, name in enumerate(table.index.names):
            sheet.write(row, col, str(name) if levels > 1 and name else "", formats["header"])
        for col, name in enumerate(table.columns, start=levels):
            sheet.write(row, col, str(name), formats["header"])
        previous: tuple[object, ...] = ()
        for label, values in table.iterrows():
            row += 1
            labels = label if isinstance(label, tuple) else (label,)
            for col, part in enumerate(labels):
                if col < levels - 1 and previous[: col + 1] == labels[: col + 1]:
                    continue  # an insats is named once, on the first of its rows
                sheet.write(row, col, str(part))
            previous = labels
            for col, (name, value) in enumerate(values.items(), start=levels):
                if value is None or (isinstance(value, float) and pd.isna(value)):
                    continue
                if isinstance(value, str):
                    sheet.write_string(row, col, value)
                elif is_share or str(name).startswith("Andel"):
                    sheet.write_number(row, col, float(value), formats["percent"])
                elif isinstance(value, float) and not float(value).is_integer():
                    sheet.write_number(row, col, float(value), formats["decimal"])
                else:
                    sheet.write_number(row, col, float(value))
        row += 3
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 20, 14)
    sheet.freeze_panes(1, 1)


def _value_set_names(dataset: Dataset) -> str:
    names = []
    for key in ("eq5d_value_set_3l", "eq5d_value_set_5l"):
        name = getattr(dataset.forbund, key)
        names.append(f"{eq5d.VALUE_SETS[name].label} ({name})")
    return "3L: " + names[0] + "; 5L: " + names[1]


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
        f"{choice} Bland möjliga siffror döljs hellre en som ensam räcker, annars de minsta, och "
        "inte fler än som behövs. "
        "Efter skyddet räknas för varje dold siffra ut vilka värden en läsare kan komma fram "
        f"till med allt som visas (linjärprogrammering): ett ”{primary_label(k)}” ska kunna "
        f"vara vilket tal som helst från 1 till {k - 1}, ett ”{SECONDARY}” ha minst {k - 1} "
        "möjliga värden – utom där etiketterna själva redan säger mer (två dolda delar av en "
        f"summa som visas som ”{primary_label(k)}”); annars döljs mer. Medelvärden, andelar, "
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
) -> None:
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
        ("Värdeset för EQ-5D", _value_set_names(dataset)),
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
            "våldsenkätens räckvidd bland deltagarna i urvalet.",
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
        (
            "Räckvidd (våldsenkäten)",
            sheets.REACH_TEXT,
        ),
        (
            "Förändring",
            "Avslut minus start. 95 % konfidensintervall med t-fördelningen. Wilcoxons "
            "teckenrangtest när det finns minst 10 par. Förbättrad/försämrad enligt måttets "
            "riktning (högre är bättre för alla mått här).",
        ),
        ("Frågeformulär", versions or "inga svar"),
        ("Fritext", "Fritextsvar ingår aldrig i den här sammanställningen."),
    ]
    frame = pd.DataFrame(rows, columns=["Uppgift", "Värde"])
    frame.to_excel(writer, sheet_name="Om rapporten", index=False, startrow=3)
    sheet = writer.sheets["Om rapporten"]
    _heading(sheet, "Om rapporten", dataset, formats)
    sheet.set_column(0, 0, 24, formats["wrap"])
    sheet.set_column(1, 1, 100, formats["wrap"])
