"""The item-by-item sheets: violence screening, satisfaction, register data and exit reasons.

Each function returns blocks (a title and a table) for one sheet; `workbook` lays them out.
Every count goes through small-group protection and every share is blanked where it would rest
on fewer than k participants.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from survey_app.clock import today
from survey_app.models import GENDER_LABELS
from survey_app.reports.compare import TOTAL
from survey_app.reports.dataset import Dataset
from survey_app.reports.suppress import suppress_matrix
from survey_app.reports.tables import (
    count_cube,
    count_matrix,
    cube_frame,
    cube_shares,
    hidden,
    protected,
    protected_cube,
    protected_shares,
    shares,
)

Block = tuple[str, pd.DataFrame]
GENDERS = list(GENDER_LABELS.values())
HALF_YEAR_DAYS = 182


def _insatser(dataset: Dataset) -> list[str]:
    return sorted(dataset.participations["insats"].unique())


def _answers(dataset: Dataset, questionnaire_id: str, occasion: str | None = None) -> pd.DataFrame:
    frame = dataset.answers
    if frame.empty:
        return frame
    frame = frame[frame["questionnaire_id"] == questionnaire_id]
    return frame[frame["occasion"] == occasion] if occasion else frame


def _by_gender(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    return count_matrix(frame, "insats", "gender", _insatser(dataset), GENDERS)


def _share_block(title: str, numerator: pd.DataFrame, denominator: pd.DataFrame, k: int) -> Block:
    return title, protected_shares(numerator, denominator, k)


# --- violence screening ------------------------------------------------------------------------


def violence(dataset: Dataset, k: int) -> list[Block]:
    answers = _answers(dataset, "valdsenkat")
    if answers.empty:
        return [("Inga våldsenkäter i urvalet", pd.DataFrame())]
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
    screened = _by_gender(per_response, dataset)
    yes = _by_gender(per_response[per_response["any_yes"]], dataset)
    declined = _by_gender(per_response[per_response["any_decline"]], dataset)
    definition = dataset.definitions["valdsenkat"]
    items = [i.id for i in definition.items]
    labels = {i.id: i.text.get("sv") for i in definition.items}
    yes_answers = answers[answers["value"] == "ja"].assign(
        question=lambda f: f["item_id"].map(labels)
    )
    per_item = count_matrix(yes_answers, "question", "gender", [labels[i] for i in items], GENDERS)
    return [
        ("Genomförda våldsenkäter", protected(screened, k)),
        ("Varav minst ett ja", protected(yes, k)),
        _share_block("Andel med minst ett ja", yes, screened, k),
        ("Varav minst ett ”vill inte svara”", protected(declined, k)),
        ("Antal ja per fråga", protected(per_item, k)),
        ("Räckvidd", _reach(dataset, per_response, k)),
    ]


def _reach(
    dataset: Dataset, per_response: pd.DataFrame, k: int, on: date | None = None
) -> pd.DataFrame:
    """Share of the participants in the selection screened at least once; of those who have
    taken part longer than six months, the share screened at least twice."""
    on = on or today()
    people = dataset.participations.copy()
    counts = per_response.groupby("participation_id").size()
    people["screenings"] = people["participation_id"].map(counts).fillna(0).astype(int)
    end = people["exit_date"].where(people["exit_date"].notna(), on)
    people["long"] = [
        (e - s).days > HALF_YEAR_DAYS for s, e in zip(people["start_date"], end, strict=True)
    ]
    insatser = _insatser(dataset)
    columns = {
        "Deltagare": people,
        "Minst en enkät": people[people["screenings"] >= 1],
        "Deltagit mer än 6 mån": people[people["long"]],
        "Varav minst två enkäter": people[people["long"] & (people["screenings"] >= 2)],
    }
    raw = pd.DataFrame(
        {
            name: part.groupby("insats").size().reindex(insatser, fill_value=0)
            for name, part in columns.items()
        }
    )
    raw.loc[TOTAL] = raw.sum(axis=0)
    raw = raw.astype(int)
    out = pd.DataFrame(index=raw.index)
    for name in raw.columns:
        out[name] = suppress_matrix(raw[[name]].rename(columns={name: TOTAL}), k)[TOTAL]
    masked = hidden(out)
    for share, (part, whole) in {
        "Andel minst en": ("Minst en enkät", "Deltagare"),
        "Andel minst två": ("Varav minst två enkäter", "Deltagit mer än 6 mån"),
    }.items():
        numerator = raw[[part]]
        denominator = raw[[whole]].set_axis([part], axis=1)
        mask = masked[[part]] | masked[[whole]].set_axis([part], axis=1)
        out[share] = shares(numerator, denominator, k, mask)[part]
    return out


# --- satisfaction ------------------------------------------------------------------------------


def satisfaction(dataset: Dataset, k: int) -> list[Block]:
    answers = _answers(dataset, "nojdhet")
    if answers.empty:
        return [("Inga nöjdhetsenkäter i urvalet", pd.DataFrame())]
    definition = dataset.definitions["nojdhet"]
    blocks: list[Block] = []
    insatser = _insatser(dataset)
    for item in definition.items:
        part = answers[answers["item_id"] == item.id]
        if item.type == "scale":
            values = list(item.choice_values())
            counts = count_cube(part, "value", values, insatser, GENDERS)
            title = f"{item.text.get('sv')} (1–{values[-1]})"
            cells = protected_cube(counts, k)
            blocks.append((title, cube_frame(cells, insatser, values, GENDERS, "Svar")))
            blocks.append((f"{title}, medel", _means(part, counts, insatser, k)))
        elif item.type == "yes_no":
            answered = part[part["value"].isin(["ja", "nej"])]
            total = _by_gender(answered, dataset)
            yes = _by_gender(answered[answered["value"] == "ja"], dataset)
            blocks.append(
                (f"{item.text.get('sv')} – antal som svarat ja eller nej", protected(total, k))
            )
            blocks.append(_share_block(f"{item.text.get('sv')} – andel ja", yes, total, k))
            if item.allow_decline:
                declined = _by_gender(part[part["value"] == "vill_inte_svara"], dataset)
                blocks.append((f"{item.text.get('sv')} – vill inte svara", protected(declined, k)))
    overall = answers[answers["item_id"] == "overall"]
    if not overall.empty:
        total = _by_gender(overall, dataset)
        high = _by_gender(overall[overall["value"] >= 4], dataset)
        blocks.insert(0, _share_block("Helhetsintryck: andel som gav 4 eller 5", high, total, k))
    return blocks


def _means(part: pd.DataFrame, counts: np.ndarray, insatser: list[str], k: int) -> pd.DataFrame:
    """Mean answer per insats and gender (and in total), blank below k answers."""
    values = part["value"].astype(float)
    by_both = values.groupby([part["insats"], part["gender"]]).mean()
    by_insats = values.groupby(part["insats"]).mean()
    by_gender = values.groupby(part["gender"]).mean()
    rows, columns = [*insatser, TOTAL], [*GENDERS, TOTAL]
    table = pd.DataFrame([[None] * len(columns)] * len(rows), index=rows, columns=columns)
    for i, insats in enumerate(rows):
        for g, gender in enumerate(columns):
            if counts[i, -1, g] < k:
                continue
            if insats == TOTAL and gender == TOTAL:
                mean = values.mean()
            elif insats == TOTAL:
                mean = by_gender[gender]
            elif gender == TOTAL:
                mean = by_insats[insats]
            else:
                mean = by_both[(insats, gender)]
            table.iloc[i, g] = round(float(mean), 2)
    return table


# --- register data -----------------------------------------------------------------------------


def _category_block(
    dataset: Dataset, questionnaire_id: str, item_id: str, title: str, k: int, percent: bool = False
) -> list[Block]:
    answers = _answers(dataset, questionnaire_id)
    definition = dataset.definitions.get(questionnaire_id)
    if answers.empty or definition is None or definition.item(item_id) is None:
        return [(f"{title}: inga uppgifter i urvalet", pd.DataFrame())]
    item = definition.item(item_id)
    assert item is not None  # noqa: S101
    labels = {c.value: c.label.get("sv") for c in item.choices}
    part = answers[answers["item_id"] == item_id].assign(category=lambda f: f["value"].map(labels))
    insatser = _insatser(dataset)
    categories = list(labels.values())
    counts = count_cube(part, "category", categories, insatser, GENDERS)
    name = str(item.text.get("sv"))
    blocks: list[Block] = [
        (title, cube_frame(protected_cube(counts, k), insatser, categories, GENDERS, name))
    ]
    if percent:
        blocks.append(
            (
                f"{title}, andel per insats och kön",
                cube_frame(cube_shares(counts, k), insatser, categories, GENDERS, name),
            )
        )
    return blocks


def register(dataset: Dataset, k: int) -> list[Block]:
    return [
        *_category_block(dataset, "inskrivning", "income", "Försörjning vid start (antal)", k),
        *_category_block(dataset, "utskrivning", "income", "Försörjning vid avslut (antal)", k),
        *_category_block(
            dataset, "inskrivning", "occupation", "Sysselsättning vid start (antal)", k
        ),
        *_category_block(
            dataset, "utskrivning", "occupation", "Sysselsättning vid avslut (antal)", k
        ),
    ]


def exit_reasons(dataset: Dataset, k: int) -> list[Block]:
    return _category_block(dataset, "utskrivning", "exit_reason", "Avslutsorsak", k, percent=True)
