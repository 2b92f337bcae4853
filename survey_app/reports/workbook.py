"""The Excel workbook of a report: pandas with the xlsxwriter engine, formulas never evaluated."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from survey_app.clock import STOCKHOLM
from survey_app.models import GENDER_LABELS
from survey_app.reports import goals, sheets
from survey_app.reports.compare import COLUMNS, TOTAL, compare
from survey_app.reports.dataset import Dataset, Progress
from survey_app.reports.suppress import (
    SECONDARY,
    blank_small,
    primary_label,
    suppress_long,
    suppress_matrix,
)
from survey_app.scoring import eq5d

GENDERS = [*GENDER_LABELS.values(), TOTAL]
# "Antal med start" is not shown: it is the sum of the two counts shown, so a hidden value could
# be worked out from it.
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


WRITE_STEPS = 9


def write(
    dataset: Dataset,
    target: Path | BinaryIO,
    made_by: str,
    progress: Progress = lambda step: None,
) -> None:
    """Write the workbook; `progress` is called WRITE_STEPS times (see dataset.Progress)."""
    k = dataset.forbund.min_group_size
    raw = _raw_comparison(dataset)
    comparison = _protect(raw, k)
    progress("jämförelser beräknade")
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
        }
        _overview(writer, dataset, k, formats, _goal_rows(dataset, raw, k))
        progress("Översikt")
        _comparison_sheet(writer, "Självskattning", dataset, comparison, "self", k, formats)
        progress("Självskattning")
        _comparison_sheet(writer, "EQ-5D", dataset, comparison, "eq5d", k, formats)
        progress("EQ-5D")
        _blocks_sheet(writer, "Våld", "Våldsenkäten", sheets.violence(dataset, k), formats)
        progress("Våld")
        _blocks_sheet(
            writer, "Nöjdhet", "Nöjdhet vid avslut", sheets.satisfaction(dataset, k), formats
        )
        progress("Nöjdhet")
        _blocks_sheet(
            writer,
            "Försörjning och sysselsättning",
            "Försörjning och sysselsättning vid start och avslut",
            sheets.register(dataset, k),
            formats,
        )
        progress("Försörjning och sysselsättning")
        _blocks_sheet(writer, "Avslut", "Avslutsorsaker", sheets.exit_reasons(dataset, k), formats)
        progress("Avslut")
        _about(writer, dataset, k, made_by, formats)
    progress("Om rapporten; arbetsboken sparad")


def _raw_comparison(dataset: Dataset) -> pd.DataFrame:
    if dataset.measurements.empty:
        return pd.DataFrame(columns=["insats", "gender", "measure", *COLUMNS])
    directions = {key: m.direction for key, m in dataset.measures.items()}
    return compare(dataset.measurements, directions)


def _protect(raw: pd.DataFrame, k: int) -> pd.DataFrame:
    result = blank_small(raw, "n_pairs", STAT_COLUMNS, k)
    return suppress_long(result, COUNT_COLUMNS, row="insats", col="gender", k=k, within=["measure"])


def _goal_rows(dataset: Dataset, raw: pd.DataFrame, k: int) -> pd.DataFrame:
    labels = {key: m.label for key, m in dataset.measures.items()}
    labels["sjalvskattning:mean"] = "Självskattning: medelvärde av alla frågor"
    utskrivning = dataset.definitions.get("utskrivning")
    reason_item = utskrivning.item("exit_reason") if utskrivning else None
    reason_labels = (
        {str(c.value): c.label.get("sv") for c in reason_item.choices} if reason_item else {}
    )
    exits = dataset.answers
    if not exits.empty:
        exits = exits[
            (exits["questionnaire_id"] == "utskrivning") & (exits["item_id"] == "exit_reason")
        ]
    rows = []
    for insats in sorted(dataset.goals):
        reasons = (
            exits[exits["insats"] == insats]["value"]
            if not exits.empty
            else pd.Series(dtype=object)
        )
        for outcome in goals.evaluate(
            insats, dataset.goals[insats], raw, reasons, k, labels, reason_labels
        ):
            rows.append(
                (outcome.insats, outcome.goal, outcome.outcome, outcome.n, outcome.attained)
            )
    return pd.DataFrame(rows, columns=["Insats", "Mål", "Utfall", "Antal", "Uppnått"])


def _overview(
    writer: pd.ExcelWriter,
    dataset: Dataset,
    k: int,
    formats: dict[str, Any],
    goal_rows: pd.DataFrame,
) -> None:
    frame = dataset.participations
    sheet_name = "Översikt"
    blocks = [
        ("Deltagare i urvalet", frame),
        ("Avslutade", frame[frame["exit_date"].notna()]),
        ("Pågående", frame[frame["exit_date"].isna()]),
    ]
    row = 2
    for title, part in blocks:
        counts = _count_matrix(part, sorted(frame["insats"].unique()))
        shown = suppress_matrix(counts, k)
        shown.index.name = "Insats"
        shown.to_excel(writer, sheet_name=sheet_name, startrow=row + 1)
        sheet = writer.sheets[sheet_name]
        sheet.write(row, 0, title, formats["header"])
        row += len(shown) + 4
    sheet = writer.sheets[sheet_name]
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
            sheet.write(row + i, 3, n if n >= k or n == 0 else primary_label(k))
            sheet.write_string(row + i, 4, attained)
    sheet.write(0, 0, f"Översikt – {dataset.forbund.name}", formats["title"])
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, len(GENDERS), 14)
    sheet.freeze_panes(1, 1)


def _count_matrix(frame: pd.DataFrame, insatser: Sequence[str]) -> pd.DataFrame:
    matrix = pd.crosstab(frame["insats"], frame["gender"]) if not frame.empty else pd.DataFrame()
    matrix = matrix.reindex(index=list(insatser), columns=GENDERS[:-1], fill_value=0)
    matrix[TOTAL] = matrix.sum(axis=1)
    matrix.loc[TOTAL] = matrix.sum(axis=0)
    return matrix.astype(int)


def _comparison_sheet(
    writer: pd.ExcelWriter,
    sheet_name: str,
    dataset: Dataset,
    comparison: pd.DataFrame,
    which: str,
    k: int,
    formats: dict[str, Any],
) -> None:
    keys = [key for key, m in dataset.measures.items() if m.sheet == which]
    table = comparison[comparison["measure"].isin(keys)].copy()
    order = {key: i for i, key in enumerate(keys)}
    table["_order"] = table["measure"].map(order)
    table["_insats_total"] = table["insats"] == TOTAL
    table["_gender_order"] = table["gender"].map({g: i for i, g in enumerate(GENDERS)})
    table = table.sort_values(["_order", "_insats_total", "insats", "_gender_order"])
    table = table.drop(columns=["_order", "_insats_total", "_gender_order"])
    table["measure"] = table["measure"].map(lambda key: dataset.measures[key].label)
    columns = ["measure", "insats", "gender", *SHOWN_COLUMNS]
    out = table[columns].rename(columns=HEADERS)
    start_row = 3
    out.to_excel(writer, sheet_name=sheet_name, startrow=start_row, index=False)
    sheet = writer.sheets[sheet_name]
    sheet.write(0, 0, f"{sheet_name}: före och efter (start och avslut)", formats["title"])
    if which == "eq5d":
        names = _value_set_names(dataset)
        sheet.write(1, 0, f"EQ-5D index beräknat med värdeset: {names}", formats["note"])
    else:
        sheet.write(1, 0, "Skala 1–10, högre är bättre.", formats["note"])
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
    blocks: list[tuple[str, pd.DataFrame]],
    formats: dict[str, Any],
) -> None:
    """Tables one below the other, each with its title; shares as percent."""
    sheet = writer.book.add_worksheet(sheet_name)
    writer.sheets[sheet_name] = sheet
    sheet.write(0, 0, title, formats["title"])
    row = 2
    for block_title, table in blocks:
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


def _about(
    writer: pd.ExcelWriter, dataset: Dataset, k: int, made_by: str, formats: dict[str, Any]
) -> None:
    f = dataset.filter
    period_by = "avslutsdatum" if f.period_by == "exit" else "startdatum"
    period = f"{f.date_from or 'början'} – {f.date_to or 'idag'}, efter {period_by}"
    versions = ", ".join(f"{qid} version {v}" for qid, v in sorted(dataset.questionnaire_versions))
    rows = [
        ("Förbund", dataset.forbund.name),
        ("Skapad", datetime.now(STOCKHOLM).strftime("%Y-%m-%d %H:%M")),
        ("Skapad av", made_by),
        ("Period", period),
        (
            "Insatser",
            ", ".join(sorted(dataset.participations["insats"].unique())) or "inga deltagare",
        ),
        ("Värdeset för EQ-5D", _value_set_names(dataset)),
        (
            "Skydd av små grupper",
            f"Antal från 1 till {k - 1} visas som ”{primary_label(k)}”. Andelar, medelvärden "
            f"och p-värden som bygger på färre än {k} deltagare lämnas tomma. ”{SECONDARY}” "
            "betyder att ett värde döljs för att en annan liten grupp inte ska kunna räknas fram "
            "ur en summa.",
        ),
        (
            "Par",
            "En deltagare räknas i jämförelsen av ett mått bara om måttet finns både vid start "
            "och vid avslut. Medel vid start och vid avslut gäller dessa par. ”Start utan avslut” "
            "är de som har ett startvärde men inget avslutsvärde (pågår, eller avslutade utan "
            "avslutsenkät).",
        ),
        (
            "Urval",
            "Efter avslutsdatum: deltagare som avslutades under perioden. Efter startdatum: "
            "deltagare som började under perioden.",
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
    frame.to_excel(writer, sheet_name="Om rapporten", index=False, startrow=2)
    sheet = writer.sheets["Om rapporten"]
    sheet.write(0, 0, "Om rapporten", formats["title"])
    sheet.set_column(0, 0, 24, formats["wrap"])
    sheet.set_column(1, 1, 100, formats["wrap"])
